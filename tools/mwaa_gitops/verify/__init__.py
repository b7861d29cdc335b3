"""Stage 7, verify: after a sync, ask MWAA (``InvokeRestApi`` → Airflow's REST API) whether it
parsed our files without import errors, and report the verdict.

Layer: verify. May import every lower layer (ground, facts, config, check, render, sync);
never commands.
"""
