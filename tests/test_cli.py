"""The `govflow` command line for operators."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from web.cli import main

FIXTURES = Path(__file__).parent / "fixtures" / "bpmn"


@pytest.fixture
def run(settings, bare_app, monkeypatch):  # noqa: ANN001, ANN201
    monkeypatch.setenv("GOVFLOW_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("GOVFLOW_DATA_DIR", str(settings.data_dir))
    runner = CliRunner()

    def invoke(*args: str):  # noqa: ANN202
        return runner.invoke(main, list(args), catch_exceptions=False)

    return invoke


def test_seed_demo_is_idempotent_and_deploy_versions_a_file(run):
    first = run("seed-demo")
    assert first.exit_code == 0 and "property_transfer: deployed as version 1" in first.output
    again = run("seed-demo")
    assert "already present" in again.output and "already deployed as version 1" in again.output
    deployed = run("deploy", str(FIXTURES / "escalation.bpmn"))
    assert deployed.exit_code == 0 and "escalation_demo: deployed version 1" in deployed.output
    same = run("deploy", str(FIXTURES / "escalation.bpmn"))
    assert "unchanged, already version 1" in same.output


def test_deploying_a_refused_file_names_the_elements_and_exits_non_zero(run, tmp_path):
    run("seed-demo")
    bad = tmp_path / "bad.bpmn"
    bad.write_text(
        (FIXTURES / "escalation.bpmn")
        .read_text()
        .replace(
            'camunda:candidateGroups="registry"', 'camunda:candidateGroups="no_such_department"'
        )
    )
    result = CliRunner().invoke(main, ["deploy", str(bad)])
    assert result.exit_code == 1
    assert "review" in result.output and "no_such_department" in result.output


def test_calendar_load_makes_a_year_official(run, tmp_path):
    year = tmp_path / "2027.json"
    year.write_text(
        json.dumps({"year": 2027, "official": True, "holidays": ["2027-01-01"], "workdays": []})
    )
    result = run("calendar", "load", str(year))
    assert result.exit_code == 0 and "2027: 1 holidays" in result.output
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    assert CliRunner().invoke(main, ["calendar", "load", str(broken)]).exit_code != 0
