"""The case data model (engine/bpm/case_data.py): case variables with the process's scope,
last committed write wins; multi-instance locals reach the case only via the output collection."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from engine import Engine, ManualClock, fire_due_timers
from tests.helpers import case_row, complete, open_tasks

CONSTRUCTS = Path(__file__).resolve().parent.parent / "data" / "constructs"


@pytest.mark.parametrize("model", ["C_MI_PARALLEL", "C_MI_SEQUENTIAL"])
def test_multi_instance_works_round_after_round_without_leaking_instance_data(
    engine: Engine, model: str
) -> None:
    engine.deploy([CONSTRUCTS / f"{model}.bpmn"], "analista")
    key = engine.start(model, "despacho", {})
    for round_ in range(3):
        items = [f"e{round_}-{n}" for n in range(round_ + 2)]
        complete(engine, key, "elegir", "despacho", {"items": items})
        notes = []
        for _ in items:
            instances = [t for t in open_tasks(engine, key) if t.element_id == "instancia"]
            task = instances[-1]  # the last opened first: not the order of the items
            notes.append(f"nota de {task.id}")
            engine.complete(task.id, "despacho", {"nota": notes[-1]})
            data = case_row(engine, key).data
            assert "item" not in data and "nota" not in data, data
        assert case_row(engine, key).data["resultados"] == notes
        complete(engine, key, "revisar", "despacho", {})
        complete(engine, key, "ronda", "despacho", {"otra": round_ < 2})
    case = case_row(engine, key)
    assert case.status == "completed" and case.last_error is None


@pytest.mark.parametrize(
    ("order", "expected"),
    [(["a1", "b1", "a2"], "B"), (["b1", "a1", "a2"], "A"), (["a1", "a2", "b1"], "B")],
)
def test_the_last_committed_write_in_parallel_branches_wins(
    engine: Engine, order: list[str], expected: str
) -> None:
    engine.deploy([CONSTRUCTS / "C_PARALLEL.bpmn"], "analista")
    key = engine.start("C_PARALLEL", "despacho", {})
    writes = {"a1": {"nota": "A"}, "b1": {"nota": "B"}, "a2": {}}
    for element in order:
        complete(engine, key, element, "despacho", writes[element])
    assert case_row(engine, key).data["nota"] == expected
    complete(engine, key, "ronda", "despacho", {"otra": False})
    assert case_row(engine, key).data["nota"] == expected


def test_the_issue_example_b_written_last_wins_though_a_reaches_the_join_last(
    engine: Engine,
) -> None:
    """Finding 2's example: branch A submits `nota = "A"` at a1 and goes on to a2, branch B
    then submits `nota = "B"` at b1, and A's a2 reaches the join last. Camunda's rule (the
    documented one): the last committed write wins, so `nota` is "B" after the join.

    Here B runs inside an embedded subprocess (`sub_b`), as analysts draw a branch with its own
    steps. Raw SpiffWorkflow lets the branch that reaches the join last bring its copy ("A").
    The old rule, `CaseRun.submit` copying the form into every READY or WAITING task of the
    submitting task's (sub)workflow, could not help: b1's copy stayed inside `sub_b`'s
    workflow and never reached a2 (a READY task of the top-level process), so the join took
    a2's stale "A" and this test failed. With both branches in one workflow (C_PARALLEL,
    the test above) the old copy happened to agree with the rule; across scopes it did not.
    """
    engine.deploy([CONSTRUCTS / "C_PARALLEL_SUB.bpmn"], "analista")
    key = engine.start("C_PARALLEL_SUB", "despacho", {})
    complete(engine, key, "a1", "despacho", {"nota": "A"})
    complete(engine, key, "b1", "despacho", {"nota": "B"})
    assert case_row(engine, key).data["nota"] == "B"
    complete(engine, key, "a2", "despacho", {})  # A arrives last, with what it saw
    assert [t.element_id for t in open_tasks(engine, key)] == ["ronda"]
    assert case_row(engine, key).data["nota"] == "B"
    complete(engine, key, "ronda", "despacho", {"otra": False})
    case = case_row(engine, key)
    assert case.status == "completed" and case.data["nota"] == "B"


def test_a_write_outside_an_embedded_subprocess_reaches_the_tokens_inside_it(
    engine: Engine, clock: ManualClock
) -> None:
    engine.deploy([CONSTRUCTS / "C_SUBPROCESS.bpmn"], "analista")
    key = engine.start("C_SUBPROCESS", "despacho", {})
    complete(engine, key, "s1", "despacho", {"nota": "A"})
    clock.advance(timedelta(minutes=30))
    assert fire_due_timers(engine) == 1  # the non-interrupting timer: aviso, beside s2
    complete(engine, key, "aviso", "despacho", {"nota": "B"})
    complete(engine, key, "s2", "despacho", {})
    assert case_row(engine, key).data["nota"] == "B"
    complete(engine, key, "ronda", "despacho", {"otra": False})
    assert case_row(engine, key).data["nota"] == "B"
    assert case_row(engine, key).status == "completed"
