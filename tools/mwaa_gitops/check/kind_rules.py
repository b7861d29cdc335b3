"""Rules each workflow kind needs (the ``needs`` of :mod:`mwaa_gitops.facts.kinds`), with located
messages. Facts from openmetadata-ingestion 1.12.14.2 and 1.13.6.3 (wheels on PyPI):

- usage: ``UsageWorkflow`` chains ``processor`` → ``stage`` → ``bulkSink``
  (``metadata/workflow/usage.py``). The ``table-usage`` stage empties and re-creates its
  ``filename`` folder (``metadata/utils/helpers.py``: ``init_staging_dir``), writes one file per
  table and day there, and the ``metadata-usage`` bulk sink reads that folder back and deletes it
  (``metadata/ingestion/bulksink/metadata_usage.py``). So both name one folder, the task must be
  able to write it, and no other workflow may use it. MWAA's workers write to ``/tmp`` (MWAA user
  guide, FAQ "Can I store temporary data on the Apache Airflow workers?"; the DAGs folder is
  read-only), as does the ingestion image's user.
- profiler, test suite, auto-classification: ``ProfilerProcessor``, ``TestCaseRunner`` and
  ``SamplerProcessor`` read ``config.processor`` unconditionally (``metadata/profiler/processor/
  processor.py``, ``metadata/data_quality/processor/test_case_runner.py``,
  ``metadata/sampler/processor.py``): without a ``processor`` block the run fails on ``None``.
- dbt from S3: without ``dbtPrefixConfig.dbtBucketName`` the reader lists every bucket the role
  can see and searches each for dbt artifacts (``metadata/ingestion/source/database/dbt/
  dbt_config.py``).
- auto-classification: the PII processor loads a spaCy model and, when it is not installed,
  downloads it with ``spacy.cli.download`` (``metadata/pii/algorithms/presidio_utils.py``), which
  fetches from GitHub: a private-network MWAA cannot.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from mwaa_gitops.check.messages import set_at
from mwaa_gitops.check.secrets import embedded_reference, shown_path
from mwaa_gitops.config.provenance import Node
from mwaa_gitops.diagnostics import Diagnostic, Location
from mwaa_gitops.facts import kinds

if TYPE_CHECKING:
    from mwaa_gitops.config.environments import MergedEnvironment

WRITABLE = PurePosixPath("/tmp")  # what MWAA workers and the ingestion image can write
STAGING_HINT = "use one folder of its own under /tmp, e.g. /tmp/<workflow>_usage, in both"
USAGE_STEPS = {
    "processor": "query-parser",
    "stage": "table-usage",
    "bulkSink": "metadata-usage",
}
PROCESSORS = {
    "profiler": "orm-profiler",
    "autoClassification": "orm-profiler",
    "TestSuite": "orm-test-runner",
}
DBT_SOURCE = ("source", "sourceConfig", "config", "dbtConfigSource")
# classificationLanguage → the spaCy model the PII processor loads (metadata/pii/constants.py);
# English (the default) and `any` load en_core_web_md.
ENGLISH_MODEL = "en_core_web_md"


def kind_node(tree: Node) -> tuple[kinds.Kind, Node | None]:
    """The workflow's kind and the node it was read from (sourceConfig type or source type)."""
    config_type = tree.get(*kinds.SOURCE_CONFIG_TYPE)
    source_type = tree.get(*kinds.SOURCE_TYPE)
    kind = kinds.kind_from(config_type.value if config_type else None,
                           source_type.value if source_type else None)
    by_type = kinds.kind_from_config_type(config_type.value if config_type else None)
    return kind, config_type if by_type is not None else source_type


def where(tree: Node, node: Node | None) -> Location:
    return node.location if node is not None else Location(tree.location.path)


def _in_file_order(location: Location) -> int:
    return 0  # one file: the line order decides


def workflow_problems(name: str, tree: Node,
                      layer_of: Callable[[Location], int] = _in_file_order
                      ) -> Iterator[Diagnostic]:
    """What a workflow of its kind needs, environment or not (``lint`` runs these too);
    ``layer_of`` orders the layers of an environment, to report where the later one set it."""
    kind, node = kind_node(tree)
    mismatch = list(_source_matches_kind(name, tree))
    yield from mismatch
    if mismatch:
        return  # which kind was meant is in doubt: its needs would only add noise
    if "usage-staging" in kind.needs:
        yield from _usage_staging(name, tree, node, layer_of)
    if "processor" in kind.needs:
        yield from _processor(name, tree, kind, node)
    if "dbt-bucket" in kind.needs:
        yield from _dbt_bucket(name, tree)
    if "classification-models" in kind.needs:
        yield from _classification_models(name, tree, node)
    yield from _embedded_references(tree)


def kind_rules(env: MergedEnvironment) -> Iterator[Diagnostic]:
    """Every enabled workflow's kind rules, what its approach cannot run, and staging folders
    shared between usage workflows."""
    staging: dict[str, tuple[str, Node]] = {}
    for name, tree in env.workflows.items():
        enabled = tree.get("dag", "enabled")
        if enabled is not None and enabled.value is False:
            continue
        yield from workflow_problems(name, tree, env.layer_of)
        yield from _approach_runs_kind(env, name, tree)
        kind, _ = kind_node(tree)
        folder = tree.get("stage", "config", "filename")
        if "usage-staging" in kind.needs and folder is not None and \
                isinstance(folder.value, str):
            key = str(PurePosixPath(folder.value))
            if key in staging:
                other, there = staging[key]
                here, elsewhere = ((folder, there) if env.layer_of(folder.location)
                                   >= env.layer_of(there.location) else (there, folder))
                yield Diagnostic(here.location, f"usage workflows '{other}' and '{name}' stage "
                                 f"in the same folder {folder.value!r} (also set at "
                                 f"{elsewhere.location}): each run empties it, so one would "
                                 "delete the other's usage data", STAGING_HINT,
                                 "usage-staging-shared", subject="stage.config.filename")
            else:
                staging[key] = (name, folder)


def _approach_runs_kind(env: MergedEnvironment, name: str,
                        tree: Node) -> Iterator[Diagnostic]:
    kind, node = kind_node(tree)
    approach = tree.get("dag", "approach")
    used = approach.value if approach is not None else "python"
    if kind.runs_on(used):
        return
    if not kind.approaches:
        yield Diagnostic(where(tree, node), f"workflow '{name}' is of kind {kind.name}, "
                         f"which no approach can run from a workflow file: {kind.why_not}",
                         "run it from the OpenMetadata server instead", "kind-not-runnable")
        return
    # Reported where the later layer set the approach or the kind (on a tie the approach, which
    # the hint changes): the change that brought them together.
    here = approach if approach is not None and (node is None or env.layer_of(
        approach.location) >= env.layer_of(node.location)) else node
    location = where(tree, here)
    others = " or ".join(kind.approaches)
    if used == "ecs":
        accepted = ", ".join(k.pipeline_type for k in kinds.KINDS.values() if k.pipeline_type)
        reason = ("the ingestion image's entry point (python main.py) accepts only the "
                  f"pipelineType values {accepted}")
    else:
        reason = "openmetadata-ingestion has no workflow class for it"
    by = set_at(approach, location) if approach is not None else " (by default)"
    yield Diagnostic(location, f"workflow '{name}' is of kind {kind.name} ({kind.cli}), "
                     f"which approach {used}{by} cannot run: {reason}",
                     f"use approach {others}", "kind-approach")


def _source_matches_kind(name: str, tree: Node) -> Iterator[Diagnostic]:
    """A usage or lineage source type with another sourceConfig type (or the reverse) would
    load the wrong source class (openmetadata-ingestion picks it from ``source.type``)."""
    config_type = tree.get(*kinds.SOURCE_CONFIG_TYPE)
    source_type = tree.get(*kinds.SOURCE_TYPE)
    if config_type is None or source_type is None:
        return
    by_type = kinds.kind_from_config_type(config_type.value)
    by_suffix = kinds.kind_from_source_type(source_type.value)
    if by_type is None or by_type.name not in ("usage", "lineage", "metadata"):
        return
    # Reported at the sourceConfig type (the kind), naming the source type it disagrees with.
    here, subject = config_type.location, "source.sourceConfig.config.type"
    if by_suffix is not None and by_suffix is not by_type:
        yield Diagnostic(here, f"'{config_type.value}' is not a {by_suffix.name} config, but "
                         f"source type '{source_type.value}'{set_at(source_type, here)} is a "
                         f"{by_suffix.name} source", f"use sourceConfig.config.type "
                         f"'{_config_type_of(by_suffix.name)}', or the source type without "
                         f"its '-{by_suffix.name}' suffix", "kind-mismatch", subject=subject)
    elif by_suffix is None and by_type.name in ("usage", "lineage") and \
            isinstance(source_type.value, str):
        yield Diagnostic(here, f"'{config_type.value}' needs a {by_type.name} source, but "
                         f"source type '{source_type.value}'{set_at(source_type, here)} is a "
                         "metadata source", f"use source type "
                         f"'{source_type.value}-{by_type.name}'", "kind-mismatch",
                         subject=subject)


def _config_type_of(kind_name: str) -> str:
    return next(t for t, k in kinds.CONFIG_TYPES.items() if k == kind_name)


def _usage_staging(name: str, tree: Node, node: Node | None,
                   layer_of: Callable[[Location], int]) -> Iterator[Diagnostic]:
    missing = [key for key in USAGE_STEPS if tree.get(key) is None]
    if missing:
        blocks = ", ".join(f"{key}: {{type: {USAGE_STEPS[key]}}}" for key in missing)
        yield Diagnostic(where(tree, node), f"workflow '{name}' is a usage workflow: "
                         f"openmetadata-ingestion's UsageWorkflow runs processor → stage → "
                         f"bulkSink, and {', '.join(missing)} "
                         f"{'is' if len(missing) == 1 else 'are'} missing",
                         f"add {blocks}; stage and bulkSink with config.filename, one folder "
                         "under /tmp", "usage-steps")
        return
    stage = tree.get("stage", "config", "filename")
    bulk = tree.get("bulkSink", "config", "filename")
    for step, found in (("stage", stage), ("bulkSink", bulk)):
        if found is None:
            at = tree.get(step)
            yield Diagnostic(where(tree, at), f"{step} of usage workflow '{name}' names no "
                             "staging folder (config.filename)", STAGING_HINT, "usage-staging",
                             subject=f"{step}.config.filename")
    if stage is None or bulk is None:
        return
    if stage.value != bulk.value:
        later = bulk if (layer_of(bulk.location), bulk.location.line) >= \
            (layer_of(stage.location), stage.location.line) else stage
        yield Diagnostic(later.location, f"the stage writes its usage files to "
                         f"{stage.value!r}{set_at(stage, later.location)} but the bulk sink "
                         f"reads {bulk.value!r}{set_at(bulk, later.location)}: it would find "
                         "nothing", "give stage.config.filename and bulkSink.config.filename "
                         "the same folder", "usage-staging",
                         subject=f"{'bulkSink' if later is bulk else 'stage'}.config.filename")
    for found in (stage, bulk) if stage.value != bulk.value else (stage,):
        problem = _staging_problem(found.value)
        if problem:
            yield Diagnostic(found.location, problem, STAGING_HINT, "usage-staging",
                             subject="stage.config.filename" if found is stage
                             else "bulkSink.config.filename")


def _staging_problem(value: object) -> str | None:
    """Why ``value`` cannot be the staging folder on an MWAA worker or in the image."""
    if not isinstance(value, str) or not value.startswith("/"):
        return (f"the usage staging folder {value!r} is not an absolute path: its place would "
                "depend on the task's working directory, which is not writable on MWAA")
    path = PurePosixPath(value)
    if ".." in path.parts:
        return f"the usage staging folder {value!r} climbs out with '..'"
    if path == WRITABLE:
        return ("the usage staging folder is /tmp itself: the stage empties its folder on "
                "every run, which would delete everything else in /tmp (the task virtualenvs "
                "included)")
    if WRITABLE not in path.parents:
        return (f"the usage staging folder {value!r} is not under /tmp, the folder MWAA's "
                "workers (and the ingestion image) can write")
    return None


def _processor(name: str, tree: Node, kind: kinds.Kind,
               node: Node | None) -> Iterator[Diagnostic]:
    if tree.get("processor") is not None:
        return
    expected = PROCESSORS.get(kind.name, "orm-profiler")
    yield Diagnostic(where(tree, node), f"workflow '{name}' is of kind {kind.name}, whose "
                     f"processor reads the 'processor' block, and it has none: the run would "
                     "fail before reading anything", f"add processor: {{type: {expected}, "
                     "config: {}}}", "processor-missing")


def _dbt_bucket(name: str, tree: Node) -> Iterator[Diagnostic]:
    source = tree.get(*DBT_SOURCE)
    kind = tree.get(*DBT_SOURCE, "dbtConfigType")
    if source is None or kind is None or kind.value != "s3":
        return
    prefix = tree.get(*DBT_SOURCE, "dbtPrefixConfig")
    bucket = tree.get(*DBT_SOURCE, "dbtPrefixConfig", "dbtBucketName")
    if bucket is None or not bucket.value:
        # At the prefix settings when there are some (the bucket belongs there).
        at = (prefix.key_location or prefix.location) if prefix is not None else kind.location
        yield Diagnostic(at, f"workflow '{name}' reads its dbt artifacts from S3 "
                         "without naming the bucket: openmetadata-ingestion would then list "
                         "every bucket the role can see (s3:ListAllMyBuckets) and search each "
                         "for manifest.json", "set dbtConfigSource.dbtPrefixConfig."
                         "dbtBucketName (and dbtObjectPrefix), and grant the role s3:ListBucket "
                         "and s3:GetObject on that bucket only", "dbt-bucket",
                         subject="source.sourceConfig.config.dbtConfigSource" +
                         (".dbtPrefixConfig" if prefix is not None else ""))


def _classification_models(name: str, tree: Node,
                           node: Node | None) -> Iterator[Diagnostic]:
    enabled = tree.get("source", "sourceConfig", "config", "enableAutoClassification")
    if enabled is not None and enabled.value is False:
        return
    language = tree.get("source", "sourceConfig", "config", "classificationLanguage")
    model = ENGLISH_MODEL if language is None or language.value in ("en", "any") else \
        f"the spaCy model for classificationLanguage '{language.value}'"
    yield Diagnostic(
        where(tree, enabled if enabled is not None else node),
        f"workflow '{name}' classifies PII, for which openmetadata-ingestion loads {model} and, "
        "when it is not installed, downloads it from GitHub at run time, which a "
        "private-network MWAA cannot reach: the run fails",
        "provide the model where the workflow runs: its wheel (from spaCy's releases, for the "
        "spaCy the lock installs) and the wheels it needs in plugins.zip, installed by "
        "requirements.txt with --no-index --find-links /usr/local/airflow/plugins (a task "
        "virtualenv sees it through the system site packages), or from a package index the "
        "workers can reach; or set enableAutoClassification: false",
        "classification-models", severity="warning")


def _embedded_references(tree: Node) -> Iterator[Diagnostic]:
    """``${NAME}`` inside a longer text: OpenMetadata's CLI would expand it there, the runners
    (which resolve whole values only) would pass it on as text."""
    for path, found in tree.walk():
        if path[:1] == ("dag",):
            continue
        reference = embedded_reference(found.value)
        if reference is not None:
            yield Diagnostic(found.location, f"{reference} stands inside a longer text: "
                             "references are resolved only as a whole value, so it would "
                             "reach OpenMetadata as written", "make the reference the whole "
                             "value of its field (put the other parts in their own fields, "
                             "e.g. hostPort and username apart from the password)",
                             "embedded-reference", subject=shown_path(path))
