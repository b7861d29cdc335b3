"""The openmetadata-ingestion image's entry point, by its contract; runs in the image's venv.

The image's ``python main.py`` reads the workflow (YAML text) from the ``config`` environment
variable, picks the workflow class by ``pipelineType``, sets ``pipelineRunId`` from the
environment when given, then creates, executes and checks the workflow; a failed workflow ends
the container with a non-zero exit code, which is what ECS reports as the task's exit code.
"""

from __future__ import annotations

import importlib
import os
import sys

import yaml

# pipelineType → workflow class, as the image's entry point maps them (openmetadata-ingestion
# 1.13: ingestion/operators/docker/main.py).
WORKFLOWS = {
    "metadata": "metadata.workflow.metadata.MetadataWorkflow",
    "usage": "metadata.workflow.usage.UsageWorkflow",
    "lineage": "metadata.workflow.metadata.MetadataWorkflow",
    "profiler": "metadata.workflow.profiler.ProfilerWorkflow",
    "TestSuite": "metadata.workflow.data_quality.TestSuiteWorkflow",
    "elasticSearchReindex": "metadata.workflow.metadata.MetadataWorkflow",
    "dbt": "metadata.workflow.metadata.MetadataWorkflow",
}


def main() -> int:
    # The image's variable names, lower-case as its entry point reads them.
    config = os.environ.get("config")  # noqa: SIM112
    pipeline_type = os.environ.get("pipelineType")  # noqa: SIM112
    if not config or not pipeline_type:
        sys.stderr.write("the container needs the environment variables config and pipelineType\n")
        return 2
    if pipeline_type not in WORKFLOWS:
        sys.stderr.write(f"no workflow class for pipelineType {pipeline_type!r}\n")
        return 2
    workflow_config = yaml.safe_load(config)
    run_id = os.environ.get("pipelineRunId")  # noqa: SIM112
    if run_id:
        workflow_config["pipelineRunId"] = run_id
    module, _, name = WORKFLOWS[pipeline_type].rpartition(".")
    workflow = getattr(importlib.import_module(module), name).create(workflow_config)
    workflow.execute()
    workflow.raise_from_status()
    return 0


if __name__ == "__main__":
    sys.exit(main())
