"""The sandbox for the expressions and scripts analysts write in BPMN.

Two walls: RestrictedPython with our guards decides what the code may touch (`policy`), and a
separate process with operating-system limits decides how much CPU time and memory it may use
(`pool`, `child`). Nothing an analyst writes runs in the server process: a plain expression
(names, constants, comparisons, `and`/`or`/`not`, `+`, the calendar's bounded functions;
`plain`) is not run but interpreted, node by node, without the round trip, and with the answer
the process would give; so is a plain script (assignments of plain expressions, `if`/`else`).

Public surface:
    Sandbox               evaluate(expression, data) and execute(script, data)
    compile_checked       the linter's check: what the runtime would refuse, refused at deploy
    UnsafeScript          refused code (also raised at runtime)
    ScriptLimitExceeded   CPU time or memory over the limit; the evaluation changed nothing
    ScriptError           the analyst's code raised (a typo, a missing field, 1/0)
    RESERVED_NAMES        names case data may not take (they belong to the environment)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.bpm.clock import Clock
from engine.bpm.sandbox.functions import FUNCTION_NAMES
from engine.bpm.sandbox.plain import evaluate_plain, execute_plain
from engine.bpm.sandbox.policy import FORBIDDEN_NAMES, SAFE_BUILTINS, UnsafeScript, compile_checked
from engine.bpm.sandbox.pool import SandboxPool, ScriptLimitExceeded, shared_pool

RESERVED_NAMES = FUNCTION_NAMES | FORBIDDEN_NAMES | frozenset(SAFE_BUILTINS)

# The analyst's error keeps its Python kind, so messages read as Python's would.
_ERROR_KINDS: dict[str, type[Exception]] = {
    kind.__name__: kind
    for kind in (NameError, KeyError, TypeError, ValueError, IndexError, AttributeError,
                 ZeroDivisionError, ArithmeticError, OverflowError, RecursionError)
}  # fmt: skip


class ScriptError(RuntimeError):
    """The analyst's code raised an exception of a kind not mapped to a builtin one."""


class Sandbox:
    """Evaluates expressions and runs scripts against case data, in a sandbox process."""

    def __init__(self, clock: Clock, pool: SandboxPool | None = None) -> None:
        self.clock = clock
        self._pool = pool

    def evaluate(self, expression: str, data: Mapping[str, Any]) -> Any:
        compile_checked(expression, "eval")  # refused code is refused, plain or not
        answered, result = evaluate_plain(expression, data, self.clock.now())
        if answered:
            return result
        return self._call("eval", expression, dict(data))["result"]

    def execute(self, script: str, data: dict[str, Any]) -> None:
        """Run `script`; the variables it leaves (not functions) become the case data."""
        compile_checked(script, "exec")  # refused code is refused, plain or not
        assigned = execute_plain(script, data, self.clock.now())
        if assigned is None:
            assigned = self._call("exec", script, data)["data"]
        data.clear()
        data.update(assigned)

    def _call(self, mode: str, source: str, data: dict[str, Any]) -> dict[str, Any]:
        compile_checked(source, mode)  # refused code never reaches a process
        pool = self._pool or shared_pool()
        request = {
            "mode": mode,
            "source": source,
            "data": data,
            "now": self.clock.now().isoformat(),
        }
        reply = pool.call(request)
        if reply["ok"]:
            return reply
        if reply["kind"] == "unsafe":
            raise UnsafeScript(reply["message"])
        if reply["kind"] == "memory":
            raise ScriptLimitExceeded(
                f"el guion superó el límite de memoria de {pool.memory_bytes // 2**20} MB"
            )
        raise _ERROR_KINDS.get(reply["type"], ScriptError)(reply["message"])


__all__ = [
    "RESERVED_NAMES",
    "Sandbox",
    "ScriptError",
    "ScriptLimitExceeded",
    "UnsafeScript",
    "compile_checked",
]
