"""Projects' results: indicator actuals against targets (compute.py), reporting periods
that close with their "as reported" snapshots (periods.py, snapshots.py) and what has
changed since (as_reported.py)."""
