"""Policy 1: a meeting's commitments become tracked rows, followed to cumplido, reprogramado
(keeping the history of dates and reasons) or incumplido."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import Case, Commitment
from tests.integration.scenario_run import ScenarioRun


def test_meeting_commitments_are_tracked_rows_and_reprogramming_keeps_history(
    scenario_run: ScenarioRun,
) -> None:
    [result] = [
        result
        for (procedure, name), result in scenario_run.results.items()
        if procedure == "P005" and "tres compromisos" in name
    ]
    assert result.passed, result.failures

    with scenario_run.engine.sessions() as session:
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
