"""DAG schedules, checked the way Airflow checks them: presets by name, the rest by croniter."""

from __future__ import annotations

from mwaa_gitops.diagnostics import did_you_mean

# Airflow's presets (airflow.utils.dates.cron_presets, plus @once) and croniter's own aliases.
PRESETS = ("@once", "@hourly", "@daily", "@weekly", "@monthly", "@quarterly", "@yearly",
           "@annually", "@midnight")
MAX_LENGTH = 200


def schedule_problem(value: str) -> str | None:
    """Why Airflow would refuse ``value`` as a DAG schedule (None: it would take it)."""
    if len(value) > MAX_LENGTH:
        return f"a schedule is at most {MAX_LENGTH} characters"
    if value.startswith("@"):
        return None if value in PRESETS else (
            f"unknown preset; {did_you_mean(value, list(PRESETS))}")
    fields = value.split()
    if len(fields) != 5 or " ".join(fields) != value:
        return "a cron expression has five fields separated by single spaces"
    # croniter is what Airflow's cron timetables parse with; importing it costs ~0.1 s.
    from croniter import croniter

    try:
        croniter(value)
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        reason = str(exc)
        return reason.removeprefix(f"[{value}] ") if reason else "croniter cannot parse it"
    return None
