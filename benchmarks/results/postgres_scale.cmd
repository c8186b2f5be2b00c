python postgres_scale.py --runs 3 --duration 5
