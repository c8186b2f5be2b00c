python bulk.py --rows 5000 --runs 1 --postgres
