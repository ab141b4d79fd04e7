"""The unit of work writes once: a command sends a bounded number of SQL statements, whatever
the case's history (counted by the driver hook, not timed)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from engine import Engine
from engine.bpm.sandbox.pool import SandboxPool
from storage.models import Case, Job
from tests.helpers import case_row, complete, hold_session, task_for
from tests.integration.test_p001_paths import FICHA, PROPOSAL, start


@contextmanager
def counted(engine: Engine) -> Iterator[list[str]]:
    sent: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.lstrip().upper().startswith("BEGIN"):
            sent.append(statement)

    database = engine.sessions.kw["bind"]
    event.listen(database, "before_cursor_execute", count)
    try:
        yield sent
    finally:
        event.remove(database, "before_cursor_execute", count)


def test_completing_a_task_sends_at_most_eight_statements(p001: Engine) -> None:
    """Eight with the proposed delegate checked against the directory: the task row and its
    locked case row come in one statement."""
    start(p001)  # the definition is cached after the first command, as in a running server
    key = start(p001)
    task = task_for(p001, key, "proponer_delegado")
    with counted(p001) as sent:
        p001.complete(task.id, "despacho", PROPOSAL)
    assert len(sent) <= 8, "\n".join(sent)
    assert sum("users.username IN" in statement for statement in sent) == 1
    assert not any("FROM audit_events" in statement for statement in sent)
    assert not any("FROM definitions" in statement for statement in sent)


def test_a_later_round_costs_no_more_statements_than_an_earlier_one(p001: Engine) -> None:
    """The delegate proposal returned and proposed again: each round sends the same statements."""
    key = start(p001)
    returned = {"decision_secretario": "devolver", "observaciones_secretario": "Otro cargo"}
    counts = []
    for _ in range(3):
        task = task_for(p001, key, "proponer_delegado")
        with counted(p001) as sent:
            p001.complete(task.id, "despacho", PROPOSAL)
        counts.append(len(sent))
        complete(p001, key, "aprobar_delegacion", "secretario", returned)
    assert counts[0] == counts[1] == counts[2]


def test_a_step_through_gateways_and_new_tasks_sends_nothing_to_the_sandbox_process(
    p001: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The approval's gateway and the next task's due date (the session's day) are plain
    expressions (`engine.bpm.sandbox.plain`): no round trip to the sandbox process."""
    key = start(p001)
    complete(p001, key, "proponer_delegado", "despacho", PROPOSAL)
    requests: list[str] = []
    real_call = SandboxPool.call

    def counted_call(pool: SandboxPool, request: dict[str, Any]) -> dict[str, Any]:
        requests.append(request["source"])
        return real_call(pool, request)

    monkeypatch.setattr(SandboxPool, "call", counted_call)
    complete(p001, key, "aprobar_delegacion", "secretario", {"decision_secretario": "aprobar"})
    assert task_for(p001, key, "comunicar_delegacion").candidate_group == "despacho_gobierno"
    assert requests == []


def test_the_step_that_ends_a_case_and_cancels_its_timers_sends_at_most_seven_statements(
    p001: Engine,
) -> None:
    """The ficha ends the case: its reminder timers' jobs go in one DELETE (no SELECT of them
    first) and the outcome is written with the case row (no second UPDATE of it). The seventh
    statement checks the person the ficha names (its header's delegate) in the directory."""
    key = start(p001)
    complete(p001, key, "proponer_delegado", "despacho", PROPOSAL)
    complete(p001, key, "aprobar_delegacion", "secretario", {"decision_secretario": "aprobar"})
    hold_session(p001, key)
    with p001.sessions() as session:
        case_id = session.scalars(select(Case.id).where(Case.business_key == key)).one()
        assert session.scalars(select(Job).where(Job.case_id == case_id)).all()
    ficha = task_for(p001, key, "diligenciar_ficha")
    with counted(p001) as sent:
        p001.complete(ficha.id, "delegada", {**FICHA, "compromisos": []})
    assert len(sent) <= 7, "\n".join(sent)
    assert not any(s.lstrip().startswith("SELECT") and "FROM jobs" in s for s in sent)
    assert sum(statement.lstrip().startswith("UPDATE cases") for statement in sent) == 1
    case = case_row(p001, key)
    assert case.status == "completed" and case.outcome
    with p001.sessions() as session:
        assert session.scalars(select(Job).where(Job.case_id == case_id)).all() == []


def test_starting_a_case_sends_at_most_eight_statements(p001: Engine) -> None:
    """The business key's counter is created or incremented in one statement."""
    start(p001)
    with counted(p001) as sent:
        key = start(p001)
    assert len(sent) <= 8, "\n".join(sent)
    assert sum("business_key_counters" in statement for statement in sent) == 1
    assert key.endswith("-00002")


@contextmanager
def orm_flushes(engine: Engine) -> Iterator[list[str]]:
    """The flushes that ran the ORM's unit of work (a clean session's flush returns before it),
    each named by the objects it found new, changed or deleted."""
    flushed: list[str] = []

    def before_flush(session: Session, _context: Any, _instances: Any) -> None:
        found = [*session.new, *session.dirty, *session.deleted]
        flushed.append(", ".join(sorted(type(o).__name__ for o in found)))

    event.listen(engine.sessions, "before_flush", before_flush)
    try:
        yield flushed
    finally:
        event.remove(engine.sessions, "before_flush", before_flush)


def test_a_case_from_start_to_end_with_a_claim_runs_no_orm_unit_of_work(p001: Engine) -> None:
    """Start, claim, every completion (the last ends the case) write through prebuilt
    statements: no command leaves an object for the ORM's flush, not even one it would find
    unchanged (a case whose status was set as an attribute before its own UPDATE wrote it)."""
    start(p001)
    with orm_flushes(p001) as flushed:
        key = start(p001)
        p001.claim(task_for(p001, key, "proponer_delegado").id, "despacho")
        complete(p001, key, "proponer_delegado", "despacho", PROPOSAL)
        complete(p001, key, "aprobar_delegacion", "secretario", {"decision_secretario": "aprobar"})
        hold_session(p001, key)
        complete(p001, key, "diligenciar_ficha", "delegada", {**FICHA, "compromisos": []})
    assert case_row(p001, key).status == "completed"
    assert flushed == []
    assert p001.verify_audit(key) == []


def test_completing_a_task_loads_its_task_and_case_without_an_orm_query(p001: Engine) -> None:
    """The task and its locked case are read in plain columns and put in the session as loaded
    (`storage.database.as_loaded`): the ORM's query of the same row cost more than the row."""
    key = start(p001)
    task_id = task_for(p001, key, "proponer_delegado").id
    queried: list[str] = []

    def on_orm_execute(state: Any) -> None:
        queried.append(str(state.statement))

    event.listen(p001.sessions, "do_orm_execute", on_orm_execute)
    try:
        p001.complete(task_id, "despacho", PROPOSAL)
    finally:
        event.remove(p001.sessions, "do_orm_execute", on_orm_execute)
    assert queried == []
    assert task_for(p001, key, "aprobar_delegacion").state == "open"


def test_claiming_a_task_sends_six_statements_and_reads_only_the_head_of_its_case(
    p001: Engine,
) -> None:
    """The claim's event is chained to the case's head read in plain columns: not the case row
    whole (its state and data), and the head moves in one UPDATE under the optimistic lock."""
    key = start(p001)
    task = task_for(p001, key, "proponer_delegado")
    with counted(p001) as sent:
        p001.claim(task.id, "despacho")
    assert len(sent) <= 6, "\n".join(sent)
    assert not any("cases.state" in statement for statement in sent), "\n".join(sent)
    assert sum(statement.lstrip().startswith("UPDATE cases") for statement in sent) == 1
    assert task_for(p001, key, "proponer_delegado").assignee == "despacho"
    assert p001.verify_audit(key) == []
