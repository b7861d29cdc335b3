"""DAG templates: one source, one branch kept per Airflow major, settings filled as literals."""

from __future__ import annotations

import ast
import textwrap

import pytest

from mwaa_gitops.render.templates import OMIT, Template, render_template, settings_of

TEMPLATES = ("python_workflow.py", "virtualenv_workflow.py", "ecs_workflow.py",
             "connection_discovery.py")
TOY = Template("toy.py", textwrap.dedent('''\
    """Toy."""

    AIRFLOW_3 = True  # template: switch

    if AIRFLOW_3:
        from airflow.sdk import DAG
    else:
        from airflow.models.dag import DAG

    NAME = "example"


    def f() -> str:
        # template: a note for template authors
        if AIRFLOW_3:
            return "three"
        else:
            return "two"
    '''))


def rendered(template: Template, major: int, settings: dict[str, object]) -> str:
    return render_template(template, major, settings, ["# header"]).decode()


@pytest.mark.parametrize(("major", "kept", "dropped"), [
    (3, "from airflow.sdk import DAG", "airflow.models.dag"),
    (2, "from airflow.models.dag import DAG", "airflow.sdk"),
])
def test_rendering_keeps_only_the_branch_for_the_declared_major(
        major: int, kept: str, dropped: str) -> None:
    text = rendered(TOY, major, {"NAME": "x"})
    assert f"\n{kept}\n" in text
    assert dropped not in text
    assert "AIRFLOW_3" not in text
    assert "template:" not in text
    assert f"return {'three' if major == 3 else 'two'!r}".replace("'", '"') in text


def test_rendering_replaces_the_example_value_with_the_setting() -> None:
    text = rendered(TOY, 3, {"NAME": 'quote " and \'\'\' and\nnewline'})
    assert text.startswith("# header\n")
    assert settings_of(text)["NAME"] == 'quote " and \'\'\' and\nnewline'


def test_a_setting_the_template_does_not_have_is_an_error() -> None:
    with pytest.raises(ValueError, match="no setting MISSING"):
        rendered(TOY, 3, {"MISSING": 1})


OPTIONAL = Template("optional.py", textwrap.dedent('''\
    LIMIT = 1
    PAUSED = None
    USED = 2


    def make(**kwargs: object) -> dict[str, object]:
        return kwargs


    def made() -> dict[str, object]:
        return make(
            limit=LIMIT,
            is_paused_upon_creation=PAUSED,
            used=USED + 1,
        )
    '''))


def test_an_optional_setting_left_out_drops_its_assignment_and_keyword_line() -> None:
    text = rendered(OPTIONAL, 3, {"PAUSED": OMIT, "LIMIT": 3})
    assert "PAUSED" not in text and "is_paused_upon_creation" not in text
    namespace: dict[str, object] = {}
    exec(compile(text, "optional.py", "exec"), namespace)
    assert namespace["made"]() == {"limit": 3, "used": 3}  # type: ignore[operator]


def test_an_optional_setting_given_a_value_is_passed_as_that_literal() -> None:
    text = rendered(OPTIONAL, 3, {"PAUSED": False})
    assert "\nPAUSED = False\n" in text and "        is_paused_upon_creation=PAUSED,\n" in text
    namespace: dict[str, object] = {}
    exec(compile(text, "optional.py", "exec"), namespace)
    assert namespace["made"]() == {  # type: ignore[operator]
        "limit": 1, "is_paused_upon_creation": False, "used": 3}


@pytest.mark.parametrize("name", ["LIMIT", "USED"])
def test_only_a_setting_used_as_whole_keyword_lines_can_be_left_out(name: str) -> None:
    # LIMIT is a whole keyword line too, but USED is used in an expression: leaving it out would
    # leave a name undefined. LIMIT can be left out; USED cannot.
    if name == "USED":
        with pytest.raises(ValueError, match="cannot leave out USED"):
            rendered(OPTIONAL, 3, {name: OMIT})
    else:
        assert "limit=" not in rendered(OPTIONAL, 3, {name: OMIT})


def test_a_switch_with_elif_is_an_error() -> None:
    source = "AIRFLOW_3 = True\nif AIRFLOW_3:\n    x = 1\nelif x:\n    x = 2\n"
    template = Template("bad.py", source)
    with pytest.raises(ValueError, match="plain `else:`"):
        rendered(template, 2, {})


def test_the_switch_used_outside_an_if_test_is_an_error() -> None:
    template = Template("bad.py", "AIRFLOW_3 = True\nx = AIRFLOW_3\n")
    with pytest.raises(ValueError, match="used outside"):
        rendered(template, 3, {})


@pytest.mark.parametrize("name", TEMPLATES)
@pytest.mark.parametrize("major", [2, 3])
def test_every_template_renders_with_its_own_example_values(name: str, major: int) -> None:
    template = Template.load(name)
    examples = {k: v for k, v in settings_of(template.source).items() if k != "AIRFLOW_3"}
    assert examples
    text = rendered(template, major, examples)
    compile(text, name, "exec")
    assert "AIRFLOW_3" not in text


def test_python_and_virtualenv_templates_share_the_workflow_runner() -> None:
    def runner(name: str) -> str:
        tree = ast.parse(Template.load(name).source)
        node = next(n for n in tree.body if isinstance(n, ast.FunctionDef)
                    and n.name == "run_workflow")
        return ast.dump(node)

    assert runner("python_workflow.py") == runner("virtualenv_workflow.py")


def test_python_and_virtualenv_templates_run_the_workflow_with_the_same_callable() -> None:
    # Each template stays a complete module (the virtualenv operator ships the callable's own
    # source), so the callable is written twice; this keeps the two copies from drifting.
    import ast
    from pathlib import Path

    dags = Path(__file__).resolve().parents[2] / "dags"

    def callable_source(name: str) -> str | None:
        source = (dags / name).read_text()
        for node in ast.parse(source).body:
            if isinstance(node, ast.FunctionDef) and node.name == "run_workflow":
                return ast.get_source_segment(source, node)
        return None

    python = callable_source("python_workflow.py")
    assert python is not None
    assert python == callable_source("virtualenv_workflow.py")
