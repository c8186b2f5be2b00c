python roundtrips.py --stored 1000,100000 --reps 10,100,1000 --runs 3
