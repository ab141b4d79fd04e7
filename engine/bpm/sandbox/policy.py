"""What analysts' Python may do: RestrictedPython's compiler plus our own rules and guards.

RestrictedPython rewrites attribute access, item access, iteration and writes into calls to
guard functions, and refuses names and attributes starting with `_` at compile time. On top of
that we refuse statements that make no sense in a BPMN script (imports, classes, async) and the
names of dangerous builtins, and our attribute guard lets a script read attributes only of plain
data values (strings, numbers, lists, dicts, dates): a generator, a frame, a function or a type
has no readable attribute at all, which closes the frame walks and format-string tricks.
"""

from __future__ import annotations

import ast
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from types import CodeType
from typing import Any, Literal, cast

from RestrictedPython.compile import compile_restricted
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
)
from RestrictedPython.transformer import INSPECT_ATTRIBUTES

SCRIPT_FILENAME = "<bpmn>"


class UnsafeScript(ValueError):
    """The expression or script uses something the sandbox forbids (or does not parse)."""


_FORBIDDEN_NODES: dict[type[ast.AST], str] = {
    ast.Import: "import",
    ast.ImportFrom: "import",
    ast.Global: "global",
    ast.Nonlocal: "nonlocal",
    ast.ClassDef: "class",
    ast.AsyncFunctionDef: "async def",
    ast.AsyncFor: "async for",
    ast.AsyncWith: "async with",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
}

# Builtins a script must never reach; none of them is offered, naming them is a lint error so
# that the linter refuses at deploy what the runtime would refuse.
FORBIDDEN_NAMES = frozenset(
    {
        "eval", "exec", "compile", "open", "input", "breakpoint", "help", "exit", "quit",
        "getattr", "setattr", "delattr", "hasattr", "vars", "globals", "locals", "dir", "type",
        "object", "super", "memoryview", "bytearray", "classmethod", "staticmethod", "property",
        "format", "print", "id", "iter", "next", "aiter", "anext", "callable", "issubclass",
    }
)  # fmt: skip

# `str.format` and `format_map` traverse attributes of their arguments ("{0.__globals__}").
_FORBIDDEN_ATTRIBUTES = frozenset({"format", "format_map"}) | INSPECT_ATTRIBUTES

SAFE_BUILTINS: dict[str, Any] = {
    "len": len, "min": min, "max": max, "sum": sum, "any": any, "all": all, "sorted": sorted,
    "reversed": reversed, "str": str, "int": int, "float": float, "bool": bool, "round": round,
    "abs": abs, "divmod": divmod, "list": list, "dict": dict, "set": set, "frozenset": frozenset,
    "tuple": tuple, "range": range, "enumerate": enumerate, "zip": zip, "map": map,
    "filter": filter, "isinstance": isinstance, "chr": chr, "ord": ord,
    "None": None, "True": True, "False": False,
    "Exception": Exception, "ValueError": ValueError, "KeyError": KeyError,
    "TypeError": TypeError, "IndexError": IndexError, "ZeroDivisionError": ZeroDivisionError,
}  # fmt: skip

# Values whose public attributes (methods such as `upper`, `get`, `isoformat`) scripts may read.
_DATA_TYPES = frozenset(
    {str, int, float, bool, list, dict, tuple, set, frozenset, date, datetime, time, timedelta,
     Decimal, type(None)}
)  # fmt: skip
# Constructors offered to scripts, with the class attributes they may use. `now`/`today` are
# left out on purpose: the engine's clock is `today()`, which tests and simulations move.
CLASS_ATTRIBUTES: dict[type, frozenset[str]] = {
    date: frozenset({"fromisoformat", "min", "max"}),
    datetime: frozenset({"fromisoformat", "combine", "min", "max"}),
    timedelta: frozenset({"min", "max"}),
}


@lru_cache(maxsize=2048)
def compile_checked(source: str, mode: str) -> CodeType:
    """Parse, check and compile `source` under RestrictedPython; `mode` is "eval" or "exec"."""
    source = source.strip()
    try:
        tree = ast.parse(source, mode=mode)
    except SyntaxError as error:
        raise UnsafeScript(f"sintaxis inválida en la línea {error.lineno}: {error.msg}") from None
    for node in ast.walk(tree):
        _check_node(node)
    try:
        code: CodeType = compile_restricted(
            source, SCRIPT_FILENAME, cast(Literal["exec", "eval"], mode)
        )
    except SyntaxError as error:
        raise UnsafeScript(f"construcción no permitida: {error.msg or error}") from None
    return code


def _check_node(node: ast.AST) -> None:
    line = getattr(node, "lineno", 0)
    for kind, label in _FORBIDDEN_NODES.items():
        if isinstance(node, kind):
            raise UnsafeScript(f"'{label}' no está permitido (línea {line})")
    name = getattr(node, "id", None) if isinstance(node, ast.Name) else None
    name = name or (node.arg if isinstance(node, ast.arg) else None)
    name = name or (node.name if isinstance(node, ast.FunctionDef) else None)
    if name and (name.startswith("_") or name in FORBIDDEN_NAMES):
        raise UnsafeScript(f"el nombre '{name}' no está permitido (línea {line})")
    if isinstance(node, ast.Attribute) and (
        node.attr.startswith("_") or node.attr in _FORBIDDEN_ATTRIBUTES
    ):
        hint = " (use un f-string)" if node.attr in ("format", "format_map") else ""
        raise UnsafeScript(f"el atributo '{node.attr}' no está permitido (línea {line}){hint}")


def guarded_getattr(obj: Any, name: str, *default: Any) -> Any:
    """`obj.name` inside a script: public attributes of plain data values only."""
    if name.startswith("_") or name in _FORBIDDEN_ATTRIBUTES:
        raise AttributeError(f"el atributo '{name}' no está permitido")
    if type(obj) in _DATA_TYPES or name in CLASS_ATTRIBUTES.get(obj, ()):
        return getattr(obj, name, *default)
    raise AttributeError(f"no se permite leer '{name}' de un valor de tipo {type(obj).__name__}")


def _getitem(obj: Any, key: Any) -> Any:
    return obj[key]


_INPLACE = {
    "+=": lambda a, b: a + b, "-=": lambda a, b: a - b, "*=": lambda a, b: a * b,
    "/=": lambda a, b: a / b, "//=": lambda a, b: a // b, "%=": lambda a, b: a % b,
    "**=": lambda a, b: a**b, "|=": lambda a, b: a | b, "&=": lambda a, b: a & b,
}  # fmt: skip


def _inplacevar(operator: str, target: Any, value: Any) -> Any:
    if operator not in _INPLACE:
        raise UnsafeScript(f"el operador '{operator}' no está permitido")
    return _INPLACE[operator](target, value)


GUARDS: dict[str, Any] = {
    "__builtins__": SAFE_BUILTINS,
    "_getattr_": guarded_getattr,
    "_getitem_": _getitem,
    "_getiter_": iter,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_write_": full_write_guard,
    "_inplacevar_": _inplacevar,
}
