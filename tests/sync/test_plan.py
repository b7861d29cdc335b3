"""The plan is a pure function of (rendered tree, listing, manifest): no server needed."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from mwaa_gitops.sync.manifest import Entry, Manifest, sha256_hex
from mwaa_gitops.sync.plan import Action, Layout, Phase, desired_files, make_plan
from mwaa_gitops.sync.targets import RemoteObject, md5_hex

LAYOUT = Layout("dags", {"requirements.txt": "requirements", "plugins.zip": "plugins",
                         "startup.sh": "startup"})
DAG = b"from airflow import DAG\nCONFIG = 'dags/openmetadata/a.yaml'\n"


def listing(tree: dict[str, bytes]) -> dict[str, RemoteObject]:
    """What a target holding exactly ``tree`` lists (S3 ETag = MD5 for plain uploads)."""
    return {k: RemoteObject(k, md5_hex(v), len(v)) for k, v in tree.items()}


def owned(tree: dict[str, bytes], **versions: str) -> Manifest:
    """A manifest recording that we wrote ``tree`` (and that MWAA runs those versions)."""
    objects = {k: Entry(sha256_hex(v), len(v), md5_hex(v), versions.get(k.replace(".", "_")))
               for k, v in tree.items()}
    applied = {k: e.version_id for k, e in objects.items() if e.version_id}
    return Manifest("dev", objects, mwaa_applied=applied)


def test_plan_adds_everything_on_an_empty_target() -> None:
    tree = {"dags/openmetadata/a.yaml": b"a: 1\n", "dags/a.py": DAG}
    plan = make_plan(desired_files(tree, LAYOUT), {}, None)
    assert [(i.key, i.action) for i in plan.items] == [
        ("dags/openmetadata/a.yaml", Action.add), ("dags/a.py", Action.add)]


def test_plan_is_empty_when_target_holds_what_we_wrote() -> None:
    tree = {"dags/openmetadata/a.yaml": b"a: 1\n", "requirements.txt": b"x==1\n"}
    plan = make_plan(desired_files(tree, LAYOUT), listing(tree), owned(tree))
    assert plan.nothing_to_do
    assert plan.counts()["unchanged"] == 2


def test_plan_detects_same_length_edit() -> None:
    before = {"dags/openmetadata/a.yaml": b"schedule: 0 */6 * * *\n"}
    after = {"dags/openmetadata/a.yaml": b"schedule: 1 */6 * * *\n"}
    assert len(before["dags/openmetadata/a.yaml"]) == len(after["dags/openmetadata/a.yaml"])
    plan = make_plan(desired_files(after, LAYOUT), listing(before), owned(before))
    assert [i.action for i in plan.items] == [Action.change]


def test_plan_deletes_only_owned_objects_no_longer_rendered() -> None:
    ours = {"dags/openmetadata/a.yaml": b"a\n", "dags/openmetadata/gone.yaml": b"g\n"}
    foreign = {"dags/other_team.py": b"from airflow import DAG\n"}
    desired = desired_files({"dags/openmetadata/a.yaml": b"a\n"}, LAYOUT)
    plan = make_plan(desired, listing({**ours, **foreign}), owned(ours))
    assert [(i.key, i.action) for i in plan.deletions] == [
        ("dags/openmetadata/gone.yaml", Action.delete)]
    assert plan.foreign == 1


def test_plan_flags_drift_of_an_owned_object() -> None:
    tree = {"dags/openmetadata/a.yaml": b"a: 1\n"}
    edited = {"dags/openmetadata/a.yaml": b"a: 2\n"}
    plan = make_plan(desired_files(tree, LAYOUT), listing(edited), owned(tree))
    (item,) = plan.items
    assert item.action is Action.change
    assert item.drift == "changed outside mwaa-gitops since the last sync"


def test_plan_flags_drift_when_an_owned_object_was_deleted_outside() -> None:
    tree = {"dags/openmetadata/a.yaml": b"a: 1\n"}
    plan = make_plan(desired_files(tree, LAYOUT), {}, owned(tree))
    (item,) = plan.items
    assert (item.action, item.drift) == (Action.add,
                                         "deleted outside mwaa-gitops since the last sync")


def test_plan_reports_conflict_for_unowned_object_with_other_content() -> None:
    desired = desired_files({"dags/a.py": DAG}, LAYOUT)
    plan = make_plan(desired, listing({"dags/a.py": b"someone else's\n"}), None)
    assert [i.action for i in plan.items] == [Action.conflict]
    adopted = make_plan(desired, listing({"dags/a.py": b"someone else's\n"}), None, adopt=True)
    assert [i.action for i in adopted.items] == [Action.change]


def test_plan_adopts_unowned_object_with_identical_content_without_upload() -> None:
    tree = {"dags/a.py": DAG}
    plan = make_plan(desired_files(tree, LAYOUT), listing(tree), None)
    assert [i.action for i in plan.items] == [Action.unchanged]
    assert plan.manifest_stale and not plan.uploads


def test_plan_finishes_interrupted_sync_by_content() -> None:
    tree = {"dags/openmetadata/a.yaml": b"new\n", "dags/openmetadata/b.yaml": b"b\n"}
    pending = Manifest("dev", {k: Entry(sha256_hex(v), len(v)) for k, v in tree.items()},
                       complete=False)
    landed = listing({"dags/openmetadata/a.yaml": b"new\n", "dags/openmetadata/b.yaml": b"old\n"})
    plan = make_plan(desired_files(tree, LAYOUT), landed, pending)
    assert {i.key: i.action for i in plan.items} == {
        "dags/openmetadata/a.yaml": Action.unchanged, "dags/openmetadata/b.yaml": Action.change}
    assert not plan.drifted


def test_plan_orders_environment_files_then_configs_then_dags_then_deletions() -> None:
    tree = {"dags/x.py": DAG, "dags/openmetadata/x.yaml": b"x\n", "requirements.txt": b"r\n",
            "dags/helpers/common.py": b"def helper():\n    return 1\n"}
    old = {"dags/old.py": DAG, "dags/openmetadata/old.yaml": b"o\n"}
    plan = make_plan(desired_files(tree, LAYOUT), listing(old), owned(old))
    assert [(i.key, i.phase) for i in plan.items] == [
        ("requirements.txt", Phase.environment),
        ("dags/helpers/common.py", Phase.support),
        ("dags/openmetadata/x.yaml", Phase.support),
        ("dags/x.py", Phase.dags),
        ("dags/openmetadata/old.yaml", Phase.support),
        ("dags/old.py", Phase.dags),
    ]


def test_plan_asks_for_mwaa_update_only_when_environment_files_change() -> None:
    tree = {"requirements.txt": b"x==1\n", "dags/openmetadata/a.yaml": b"a\n"}
    same = make_plan(desired_files(tree, LAYOUT), listing(tree),
                     owned(tree, requirements_txt="v1"), layout=LAYOUT, track_mwaa=True)
    assert same.mwaa_update == ()
    edited = {**tree, "requirements.txt": b"x==2\n"}
    changed = make_plan(desired_files(edited, LAYOUT), listing(tree),
                        owned(tree, requirements_txt="v1"), layout=LAYOUT, track_mwaa=True)
    assert changed.mwaa_update == ("requirements.txt",)


def test_plan_asks_again_for_an_mwaa_update_that_an_earlier_run_never_made() -> None:
    tree = {"requirements.txt": b"x==1\n"}
    manifest = owned(tree, requirements_txt="v2")
    applied = Manifest("dev", manifest.objects, mwaa_applied={"requirements.txt": "v1"})
    plan = make_plan(desired_files(tree, LAYOUT), listing(tree), applied, layout=LAYOUT,
                     track_mwaa=True)
    assert plan.mwaa_update == ("requirements.txt",)
    assert not plan.uploads


files = st.dictionaries(st.sampled_from([f"dags/openmetadata/w{i}.yaml" for i in range(6)]),
                        st.binary(max_size=8), max_size=6)


@given(before=files, after=files, foreign=files.map(
    lambda t: {k.replace("openmetadata", "others"): v for k, v in t.items()}))
def test_applying_a_plan_yields_the_rendered_tree_and_keeps_foreign_objects(
        before: dict[str, bytes], after: dict[str, bytes], foreign: dict[str, bytes]) -> None:
    plan = make_plan(desired_files(after, LAYOUT), listing({**before, **foreign}), owned(before))
    result = {**before, **foreign}
    for item in plan.items:
        if item.action in (Action.add, Action.change):
            result[item.key] = after[item.key]
        elif item.action is Action.delete:
            del result[item.key]
    assert result == {**after, **foreign}
    again = make_plan(desired_files(after, LAYOUT), listing(result), owned(after))
    assert again.nothing_to_do


def test_requirements_given_up_are_released_never_deleted_nor_sent_to_mwaa() -> None:
    # An earlier sync owned requirements.txt; the environment now owns no MWAA setting.
    rendered = {"dags/openmetadata/a.yaml": b"a\n", "requirements.txt": b"x==1\n"}
    given_up = Layout("dags", {}, {"requirements.txt": "requirements"})
    desired = desired_files(rendered, given_up)
    assert list(desired) == ["dags/openmetadata/a.yaml"]
    plan = make_plan(desired, listing(rendered), owned(rendered, requirements_txt="v1"),
                     layout=given_up, track_mwaa=True)
    assert plan.deletions == [] and plan.mwaa_update == ()
    assert plan.forgotten == ("requirements.txt",) and plan.manifest_stale
