python engine.py --leads 100000 --runs 3
