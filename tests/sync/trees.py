"""Synthetic rendered trees for sync tests: configs, DAGs that read them, requirements."""

from __future__ import annotations

import re

from mwaa_gitops.sync.plan import Layout

LAYOUT = Layout("dags", {"requirements.txt": "requirements"})


def tree(workflows: dict[str, str], requirements: bytes, dag_comment: str = "") -> dict[str, bytes]:
    """A rendered tree: per workflow a config and a DAG that reads it."""
    files = {"requirements.txt": requirements}
    for name, schedule in workflows.items():
        files[f"dags/openmetadata/{name}.yaml"] = f"schedule: '{schedule}'\n".encode()
        files[f"dags/{name}.py"] = (f"from airflow import DAG{dag_comment}\n"
                                    f"CONFIG = 'dags/openmetadata/{name}.yaml'\n").encode()
    return files


V1 = tree({"orders": "0 1 * * *", "users": "0 2 * * *", "legacy": "0 3 * * *"}, b"x==1\n")
V2 = tree({"orders": "0 1 * * *", "users": "5 2 * * *", "payments": "0 4 * * *"}, b"x==2\n",
          dag_comment="  # v2")
# The commit after V2: drops a workflow V2 added and edits one V2 changed.
V3 = tree({"orders": "0 1 * * *", "users": "9 2 * * *"}, b"x==2\n", dag_comment="  # v3")
FOREIGN = {"dags/other_team/report.py": b"from airflow import DAG  # not ours\n",
           "dags/openmetadata/notes.txt": b"someone else's file under our folder\n"}


def dags_missing_config(files: dict[str, bytes]) -> list[str]:
    """DAGs present whose config is not: what MWAA must never see."""
    missing = []
    for key, data in files.items():
        found = re.search(rb"CONFIG = '([^']+)'", data)
        if key.endswith(".py") and found and found.group(1).decode() not in files:
            missing.append(key)
    return missing
