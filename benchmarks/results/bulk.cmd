python bulk.py --rows 10000 --runs 1 --postgres
