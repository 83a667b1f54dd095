"""The web layer: one router module per group of routes, wired by `server.py`."""
