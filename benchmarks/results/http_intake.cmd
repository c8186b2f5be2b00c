python http_intake.py --runs 1 --duration 5 --workers 1
