python postgres_scale.py --runs 1 --duration 5
