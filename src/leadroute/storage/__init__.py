"""Storage of leads, owners and routing state: an in-memory twin (tests, replay, simulation)."""
