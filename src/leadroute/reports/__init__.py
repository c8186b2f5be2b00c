"""Measuring routing: metrics over leads grouped any way (metrics.py), the statistics behind them
(stats.py), A/B experiment verdicts (experiments.py) and charts. Pure over `LeadFact`s, which
storage (the database) and simulate (replay's in-memory store) build."""
