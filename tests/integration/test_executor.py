"""Every state change is a command run through one chain of interceptors; the chain is data,
so a command can run with an interceptor added or swapped."""

from __future__ import annotations

from typing import Any

import pytest

from engine import Engine, Incident
from engine.commands.cases import ClaimTask, CompleteTask
from engine.commands.executor import (
    DEFAULT_CHAIN,
    Command,
    CommandContext,
    CommandExecutor,
    Proceed,
    transaction,
)
from tests.helpers import case_row, task_for
from tests.integration.test_p001_paths import start


def test_the_engines_commands_go_through_its_executor(p001: Engine) -> None:
    seen: list[type] = []

    def observe(command: Command[Any], context: CommandContext, proceed: Proceed) -> Any:
        seen.append(type(command))
        return proceed(command, context)

    p001.executor = CommandExecutor(p001, (observe, *DEFAULT_CHAIN))
    key = start(p001)
    task = task_for(p001, key, "proponer_delegado")
    p001.claim(task.id, "despacho")
    assert [kind.__name__ for kind in seen] == ["StartCase", "ClaimTask"]


def test_a_command_runs_inside_the_transaction_interceptor_only(p001: Engine) -> None:
    key = start(p001)
    task = task_for(p001, key, "proponer_delegado")
    bare = CommandExecutor(p001, ())
    with pytest.raises(RuntimeError, match="outside the transaction"):
        bare.execute(ClaimTask(task.id, "despacho"))
    CommandExecutor(p001, (transaction,)).execute(ClaimTask(task.id, "despacho"))
    assert task_for(p001, key, "proponer_delegado").assignee == "despacho"


def test_without_the_incident_interceptor_a_failure_is_not_recorded(p001: Engine) -> None:
    """The incident interceptor is what records it: swapped out, the failure still rolls back."""

    class Failing(CompleteTask):
        def execute(self, context: CommandContext) -> None:
            raise Incident("falló el manejador")

    key = start(p001)
    task = task_for(p001, key, "proponer_delegado")
    with pytest.raises(Incident):
        CommandExecutor(p001, (transaction,)).execute(Failing(task.id, "despacho", {}))
    assert case_row(p001, key).last_error is None
    with pytest.raises(Incident):
        p001.executor.execute(Failing(task.id, "despacho", {}))
    assert case_row(p001, key).last_error == "falló el manejador"
