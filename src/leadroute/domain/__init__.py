"""Pure values of leadroute: leads, reps, pools, rules, decisions. No I/O."""
