"""Scenario replay (and, later, history simulation) on the in-memory store with a virtual clock."""
