python http_intake.py --rates 50,100,250,500,1000 --runs 3 --duration 5 --workers 2
