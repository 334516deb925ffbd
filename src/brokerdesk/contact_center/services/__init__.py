"""Writes of the contact center: agents' states (agents.py) and the life of calls (calls.py)."""
