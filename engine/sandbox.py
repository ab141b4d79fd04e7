"""A restricted environment for the expressions and scripts analysts write in BPMN.

No imports, no names or attributes starting with `_` (which closes the usual escapes through
`__class__`, `__globals__`…), only curated builtins and business functions, a bounded number of
executed lines. Checks happen on the syntax tree before anything runs.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Callable, Mapping
from datetime import date
from functools import lru_cache
from types import CodeType, FrameType
from typing import Any

from engine import calendar
from engine.clock import Clock

MAX_EXECUTED_LINES = 100_000
SCRIPT_FILENAME = "<bpmn>"

_FORBIDDEN_NODES: dict[type[ast.AST], str] = {
    ast.Import: "import",
    ast.ImportFrom: "import",
    ast.Global: "global",
    ast.Nonlocal: "nonlocal",
    ast.ClassDef: "class",
    ast.AsyncFunctionDef: "async def",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
    ast.Pow: "** (power)",
    ast.Delete: "del",
}

SAFE_BUILTINS: dict[str, Any] = {
    "len": len, "min": min, "max": max, "sum": sum, "any": any, "all": all, "sorted": sorted,
    "str": str, "int": int, "float": float, "bool": bool, "round": round, "abs": abs,
    "list": list, "dict": dict, "set": set, "tuple": tuple, "range": range,
    "enumerate": enumerate, "zip": zip,
}  # fmt: skip


class UnsafeScript(ValueError):
    """The expression or script uses something the sandbox forbids (or does not parse)."""


class ScriptTimeout(RuntimeError):
    """The script ran more lines than it may."""


@lru_cache(maxsize=2048)
def compile_checked(source: str, mode: str) -> CodeType:
    """Parse, check and compile `source`; `mode` is "eval" or "exec"."""
    try:
        tree = ast.parse(source.strip(), mode=mode)
    except SyntaxError as error:
        raise UnsafeScript(f"sintaxis inválida en la línea {error.lineno}: {error.msg}") from None
    for node in ast.walk(tree):
        for kind, label in _FORBIDDEN_NODES.items():
            if isinstance(node, kind):
                raise UnsafeScript(f"'{label}' no está permitido (línea {_line(node)})")
        if isinstance(node, ast.Name) and node.id.startswith("_"):
            raise UnsafeScript(f"el nombre '{node.id}' no está permitido (línea {_line(node)})")
        if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            raise UnsafeScript(f"el atributo '{node.attr}' no está permitido (línea {_line(node)})")
    code: CodeType = compile(tree, SCRIPT_FILENAME, mode)  # type: ignore[call-overload]
    return code


def _line(node: ast.AST) -> int:
    return getattr(node, "lineno", 0)


def business_functions(clock: Clock) -> dict[str, Callable[..., Any]]:
    """The curated functions expressions may call; dates travel as ISO strings."""

    def add_business_days(day: str, days: int) -> str:
        return calendar.add_business_days(date.fromisoformat(str(day)[:10]), int(days)).isoformat()

    def business_days_between(start: str, end: str) -> int:
        return calendar.business_days_between(
            date.fromisoformat(str(start)[:10]), date.fromisoformat(str(end)[:10])
        )

    def business_datetime(day: str) -> str:
        return calendar.start_of_business_day(date.fromisoformat(str(day)[:10])).isoformat()

    def today() -> str:
        return calendar.local_date(clock.now()).isoformat()

    return {
        "add_business_days": add_business_days,
        "business_days_between": business_days_between,
        "business_datetime": business_datetime,
        "today": today,
    }


class Sandbox:
    """Evaluates expressions and runs scripts against case data."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._functions = business_functions(clock)

    def evaluate(self, expression: str, data: Mapping[str, Any]) -> Any:
        code = compile_checked(expression, "eval")
        return self._run(lambda: eval(code, self._globals(data)))

    def execute(self, script: str, data: dict[str, Any]) -> None:
        """Run `script`; the variables it assigns (not functions) become case data."""
        code = compile_checked(script, "exec")
        namespace = self._globals(data)
        self._run(lambda: exec(code, namespace))
        for name in list(data):
            if name not in namespace:
                del data[name]
        for name, value in namespace.items():
            if name == "__builtins__" or name in self._functions or callable(value):
                continue
            data[name] = value

    def _globals(self, data: Mapping[str, Any]) -> dict[str, Any]:
        shadowed = set(self._functions).intersection(data)
        if shadowed:
            raise UnsafeScript(f"los datos usan nombres reservados: {', '.join(sorted(shadowed))}")
        return {"__builtins__": SAFE_BUILTINS, **self._functions, **data}

    @staticmethod
    def _run(action: Callable[[], Any]) -> Any:
        executed = 0

        def count_lines(frame: FrameType, event: str, _arg: Any) -> Any:
            nonlocal executed
            if event == "call":
                # Only the analyst's code is budgeted, not the business functions it calls.
                return count_lines if frame.f_code.co_filename == SCRIPT_FILENAME else None
            if event == "line":
                executed += 1
                if executed > MAX_EXECUTED_LINES:
                    raise ScriptTimeout(f"el script excedió {MAX_EXECUTED_LINES} líneas ejecutadas")
            return count_lines

        previous = sys.gettrace()
        sys.settrace(count_lines)
        try:
            return action()
        finally:
            sys.settrace(previous)
