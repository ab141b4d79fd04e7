"""The unit of work writes once: a command sends a bounded number of SQL statements, whatever
the case's history (counted by the driver hook, not timed)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event

from engine import Engine
from engine.bpm.sandbox.pool import SandboxPool
from tests.helpers import complete, task_for
from tests.integration.test_p001_paths import PROPOSAL, start


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
    """The approval's gateway, the next task's lane (`delegado`) and its timers' dates are plain
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
    assert task_for(p001, key, "confirmar_sesion").assignee == "delegada"
    assert requests == []
