"""Policy 1: a meeting's commitments become tracked rows, followed to cumplido, reprogramado
(keeping the history of dates and reasons) or incumplido."""

from __future__ import annotations

from sqlalchemy import select

from engine import Engine, ManualClock
from engine.analysis.scenarios import load_scenarios, run_scenario
from storage.models import Case, Commitment
from tests.conftest import BPMN, PROCESSES


def test_meeting_commitments_are_tracked_rows_and_reprogramming_keeps_history(
    engine: Engine, clock: ManualClock
) -> None:
    engine.deploy([BPMN], "analista")
    [scenario] = [
        s
        for s in load_scenarios([PROCESSES / "scenarios" / "P005.yaml"])
        if "tres compromisos" in s.name
    ]
    result = run_scenario(engine, clock, scenario)
    assert result.passed, result.failures

    with engine.sessions() as session:
        rows = session.scalars(
            select(Commitment)
            .join(Case)
            .where(Case.business_key == result.business_key)
            .order_by(Commitment.id)
        ).all()
    by_responsible = {row.responsible: row for row in rows}
    assert {row.origin for row in rows} == {"P005"}
    assert {responsible: row.status for responsible, row in by_responsible.items()} == {
        "salud": "cumplido",
        "movilidad": "cumplido",
        "educacion": "incumplido",
    }
    reprogrammed = by_responsible["movilidad"]
    statuses = [entry["status"] for entry in reprogrammed.history]
    assert statuses == ["pendiente", "reprogramado", "cumplido"]
    change = reprogrammed.history[1]
    assert change["reason"] and change["previous_due"] != change["new_due"]
    assert reprogrammed.due_date.isoformat() == change["new_due"]
