"""The predictive lead score: feature preparation, training, evaluation and model files.

An edge package (it reads files and uses scikit-learn); the engine sees only the Predictor
protocol (`leadroute.scoring.predictor`), which `models.LeadModel` implements. Nothing here is
imported eagerly, so commands and a service without a model never load scikit-learn.
"""
