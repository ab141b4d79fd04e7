"""The quality office's view: trail exports (CSV, XES) and compliance per policy."""

from __future__ import annotations

import csv
import io

from lxml import etree

from engine import Engine, ManualClock
from engine.quality import compliance, export_csv, export_xes
from engine.scenarios import load_scenarios, run_scenario
from tests.conftest import BPMN, PROCESSES


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


def test_compliance_counts_what_each_policy_asks(engine: Engine, clock: ManualClock) -> None:
    engine.deploy([BPMN], "analista")
    for procedure in ("P001", "P003", "P004", "P005"):
        _run(engine, clock, procedure)
    with engine.sessions() as session:
        figures = {f.policy: f for f in compliance(session, clock.now())}
    assert figures["3"].total >= 4 and figures["3"].met < figures["3"].total  # one ficha came late
    assert figures["2"].total >= 1 and figures["2"].met == figures["2"].total
    assert figures["4"].total >= 1
    assert figures["1"].total >= 1
