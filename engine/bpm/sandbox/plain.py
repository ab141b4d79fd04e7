"""Plain expressions, answered without a round trip to the sandbox process.

Most expressions in our BPMN are plain: a gateway's `decision_secretario == "aprobar"`, a lane's
`delegado`, a title's `"Delegación: " + instancia`. Sending each to the sandbox process costs two
context switches on a pipe, a millisecond or more on a loaded machine: more than SpiffWorkflow's
own work in a step. An expression made only of the nodes below is interpreted here by walking
its syntax tree. Nothing is compiled or run: no attribute, comprehension, lambda or loop can be
expressed, a call only of the functions below, and every operation is bounded by the
size of the case data (a concatenation by `MAX_CONCATENATION` as well), so neither the CPU-time
nor the memory limit of the sandbox could have been reached.

    constants      text, numbers, True, False, None
    names          of case data only (a builtin, a function or a missing name: the sandbox)
    displays       lists and tuples of the above
    x[k]           k a constant text or integer; x a dict, list, tuple or text
    comparisons    == != < <= > >= in, not in; `is`/`is not` only against None, True, False
    logic          and, or, not, `a if c else b`
    arithmetic     unary minus and plus, a - b on numbers, a + b on numbers, texts, lists, tuples
    max, min       of two or more of the above (not of one iterable, nor with `key=`)
    int, list,     of one value: int(x) of a number or of a text of at most 640 characters
    bool           (below any limit on digits an interpreter may be given), list(x) of a text,
                   list, tuple or dict of at most `MAX_CONCATENATION` items, bool(x) of any of
                   those or None
    calls          of the calendar functions whose work is bounded by their arguments' length:
                   today(), business_datetime(d), is_business_day(d), spanish_date(d), and
                   add_business_days(d, n) with n an integer of at most `MAX_BUSINESS_DAYS`
                   (written, or read from the data when the expression runs)
                   (not business_days_between: its work grows with the span between two dates)

Whatever is not plain, and any plain expression that would raise (a missing name, a mismatched
comparison), goes to the sandbox process exactly as before, so its answer and its error messages
are the sandbox's; only inside a plain script's `try: … except Exception:` does an error the
process would certainly raise too (a name nothing defines, `int` of a text that is not a number)
run the handler here. The answer is the sandbox's too: the expression sees the data as the process
would (encoded and decoded, so data that could not be sent, or that uses a reserved name, goes
there), and the result crosses the same encoding: a copy, never an alias of the case data.
"""

from __future__ import annotations

import ast
import operator
import sys
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any, cast

from engine.bpm.sandbox import values
from engine.bpm.sandbox.functions import FUNCTION_NAMES, business_functions
from engine.bpm.sandbox.policy import FORBIDDEN_NAMES, SAFE_BUILTINS

MAX_CONCATENATION = 1_000_000  # characters or items a `+` may produce
MAX_DEPTH = 32
MAX_BUSINESS_DAYS = 3660
# Function name -> how many arguments it takes.
_BOUNDED_FUNCTIONS = {
    "today": 0,
    "business_datetime": 1,
    "is_business_day": 1,
    "spanish_date": 1,
    "add_business_days": 2,
}


class _NotPlain(Exception):
    """The expression needs the sandbox (decided once per expression)."""


class _Declined(Exception):
    """This evaluation needs the sandbox (its data, or an error the sandbox must report)."""


class _Raises(_Declined):
    """An error the process would raise as well, of a kind `except Exception` catches (a name
    nothing defines, a text that is not a number): a `try` here runs its handler; anywhere else
    the process reports it, in its own words."""


class _Scope:
    """What a plain expression sees: the data as sent to a process, the functions at `now`."""

    def __init__(self, data: Mapping[str, Any], now: datetime) -> None:
        self._data = data
        self._sent: dict[str, Any] = {}
        self.now = now
        self._functions: dict[str, Callable[..., Any]] | None = None

    def assign(self, name: str, value: Any) -> None:
        """A script's assignment (the scope is over a copy of the data): later statements read
        `value` itself, as the process's namespace would hold it."""
        cast(dict[str, Any], self._data)[name] = value
        self._sent[name] = value

    def has(self, name: str) -> bool:
        return name in self._data

    def value(self, name: str) -> Any:
        """The value of `name` as the sandbox process would receive it (encoded and decoded),
        converted only when the expression reads it."""
        if name not in self._sent:
            self._sent[name] = values.crossed(self._data[name])
        return self._sent[name]

    def function(self, name: str) -> Callable[..., Any]:
        if self._functions is None:
            self._functions = business_functions(self.now)
        return self._functions[name]


Node = Callable[[_Scope], Any]

_CONSTANT_TYPES = (str, int, float, bool, type(None))
_NUMBERS = (int, float, bool)
_SEQUENCES = (str, list, tuple)
_SUBSCRIPTABLE = (dict, list, tuple, str)

_COMPARISONS: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
    ast.Is: operator.is_,
    ast.IsNot: operator.is_not,
}


def evaluate_plain(source: str, data: Mapping[str, Any], now: datetime) -> tuple[bool, Any]:
    """`(True, result)` when `source` is plain and evaluates without error on `data` at `now`
    (the engine's clock, what `today()` reads); `(False, None)` when the sandbox must answer."""
    node = _plan(source.strip())
    # Data that could not be sent to the process, or that shadows a function, goes there.
    sent = data if type(data) is dict else dict(data)  # what the process would be sent
    if node is None or not FUNCTION_NAMES.isdisjoint(data) or not values.sendable(sent):
        return False, None
    try:
        return True, values.crossed(node(_Scope(data, now)))
    except Exception:  # declined, unstorable data, anything unforeseen: the sandbox answers
        return False, None


def execute_plain(source: str, data: Mapping[str, Any], now: datetime) -> dict[str, Any] | None:
    """The case data after `source`, as the process would return it, when `source` is a plain
    script that runs without error on `data`; None when the sandbox must run it."""
    program = _program(source.strip())
    namespace = dict(data)
    if program is None or not FUNCTION_NAMES.isdisjoint(data) or not values.sendable(namespace):
        return None
    try:
        program(_Scope(namespace, now))
        return cast(dict[str, Any], values.decode(values.encode(namespace)))
    except Exception:  # declined, unstorable data, anything unforeseen: the sandbox runs it
        return None


def is_plain_script(source: str) -> bool:
    """Whether the script `source` is run here (given case data the sandbox could be sent)."""
    return _program(source.strip()) is not None


def is_plain(source: str) -> bool:
    """Whether `source` is answered here (given case data the sandbox could be sent)."""
    return _plan(source.strip()) is not None


@lru_cache(maxsize=2048)
def _plan(source: str) -> Node | None:
    try:
        tree = ast.parse(source, mode="eval")
        return _build(tree.body, 0)
    except (SyntaxError, ValueError, _NotPlain):
        return None


def _build(node: ast.AST, depth: int) -> Node:
    if depth > MAX_DEPTH:
        raise _NotPlain
    depth += 1
    if isinstance(node, ast.Constant):
        return _constant(node)
    if isinstance(node, ast.Name):
        return _name(node.id)
    if isinstance(node, ast.List | ast.Tuple):
        return _display(node, depth)
    if isinstance(node, ast.Subscript):
        return _subscript(node, depth)
    if isinstance(node, ast.Compare):
        return _compare(node, depth)
    if isinstance(node, ast.BoolOp):
        return _boolean(node, depth)
    if isinstance(node, ast.UnaryOp):
        return _unary(node, depth)
    if isinstance(node, ast.IfExp):
        test, body, orelse = (_build(part, depth) for part in (node.test, node.body, node.orelse))
        return lambda scope: body(scope) if test(scope) else orelse(scope)
    if isinstance(node, ast.BinOp):
        return _binary(node, depth)
    if isinstance(node, ast.Call):
        return _call(node, depth)
    raise _NotPlain


def _constant(node: ast.Constant) -> Node:
    value = node.value
    if type(value) not in _CONSTANT_TYPES:
        raise _NotPlain
    return lambda scope: value


def _name(name: str) -> Node:
    if name.startswith("_"):
        raise _NotPlain

    def lookup(scope: _Scope) -> Any:
        if not scope.has(name):  # a builtin or a function is the process's to call
            raise _Declined if name in _UNASSIGNABLE else _Raises  # (a NameError)
        return scope.value(name)

    return lookup


def _display(node: ast.List | ast.Tuple, depth: int) -> Node:
    if any(isinstance(item, ast.Starred) for item in node.elts):
        raise _NotPlain
    items = [_build(item, depth) for item in node.elts]
    if isinstance(node, ast.Tuple):
        return lambda scope: tuple(item(scope) for item in items)
    return lambda scope: [item(scope) for item in items]


def _subscript(node: ast.Subscript, depth: int) -> Node:
    key_node = node.slice
    negative = isinstance(key_node, ast.UnaryOp) and isinstance(key_node.op, ast.USub)
    if negative:  # `lista[-1]`
        key_node = cast(ast.UnaryOp, key_node).operand
    if not (isinstance(key_node, ast.Constant) and type(key_node.value) in (str, int)):
        raise _NotPlain
    key = cast(str | int, key_node.value)
    if negative:
        if type(key) is not int:
            raise _NotPlain
        key = -key
    container = _build(node.value, depth)

    def item(scope: _Scope) -> Any:
        value = container(scope)
        if type(value) not in _SUBSCRIPTABLE:
            raise _Declined
        try:
            return value[key]
        except (KeyError, IndexError, TypeError):
            raise _Declined from None

    return item


def _compare(node: ast.Compare, depth: int) -> Node:
    operands = [node.left, *node.comparators]
    steps = []
    for index, op in enumerate(node.ops):
        if isinstance(op, ast.Is | ast.IsNot) and not any(
            isinstance(side, ast.Constant) and type(side.value) in (bool, type(None))
            for side in operands[index : index + 2]
        ):
            raise _NotPlain  # identity of two data values depends on how they were decoded
        steps.append(_COMPARISONS[type(op)])
    built = [_build(operand, depth) for operand in operands]

    def compare(scope: _Scope) -> Any:
        left = built[0](scope)
        result: Any = True
        for step, right_node in zip(steps, built[1:], strict=True):
            right = right_node(scope)
            try:
                result = step(left, right)
            except Exception:
                raise _Declined from None
            if not result:
                return result
            left = right
        return result

    return compare


def _boolean(node: ast.BoolOp, depth: int) -> Node:
    values_ = [_build(value, depth) for value in node.values]
    if isinstance(node.op, ast.And):

        def conjunction(scope: _Scope) -> Any:
            result: Any = True
            for value in values_:
                result = value(scope)
                if not result:
                    return result
            return result

        return conjunction

    def disjunction(scope: _Scope) -> Any:
        result: Any = False
        for value in values_:
            result = value(scope)
            if result:
                return result
        return result

    return disjunction


def _unary(node: ast.UnaryOp, depth: int) -> Node:
    operand = _build(node.operand, depth)
    if isinstance(node.op, ast.Not):
        return lambda scope: not operand(scope)
    if not isinstance(node.op, ast.USub | ast.UAdd):
        raise _NotPlain
    sign = operator.neg if isinstance(node.op, ast.USub) else operator.pos

    def signed(scope: _Scope) -> Any:
        value = operand(scope)
        if type(value) not in _NUMBERS:
            raise _Declined
        return sign(value)

    return signed


def _binary(node: ast.BinOp, depth: int) -> Node:
    if not isinstance(node.op, ast.Add | ast.Sub):
        raise _NotPlain
    adds = isinstance(node.op, ast.Add)
    left_node, right_node = _build(node.left, depth), _build(node.right, depth)

    def arithmetic(scope: _Scope) -> Any:
        left, right = left_node(scope), right_node(scope)
        if type(left) in _NUMBERS and type(right) in _NUMBERS:
            try:
                return left + right if adds else left - right
            except OverflowError:  # a float out of range: the sandbox reports it
                raise _Declined from None
        if (
            adds
            and type(left) is type(right)
            and type(left) in _SEQUENCES
            and len(left) + len(right) <= MAX_CONCATENATION
        ):
            return left + right
        raise _Declined

    return arithmetic


def _call(node: ast.Call, depth: int) -> Node:
    if not isinstance(node.func, ast.Name) or node.keywords:
        raise _NotPlain
    name = node.func.id
    if name in _CHOOSING_BUILTINS:
        return _choosing_call(name, node, depth)
    if name in _CONVERTING_BUILTINS:
        return _converting_call(name, node, depth)
    if _BOUNDED_FUNCTIONS.get(name) != len(node.args) or any(
        isinstance(argument, ast.Starred) for argument in node.args
    ):
        raise _NotPlain
    counts_days = name == "add_business_days"
    if counts_days:
        days = node.args[1]
        if isinstance(days, ast.Constant) and not _bounded_days(days.value):
            raise _NotPlain
    arguments = [_build(argument, depth) for argument in node.args]

    def call(scope: _Scope) -> Any:
        values_ = [argument(scope) for argument in arguments]
        if any(type(value) is not str for value in values_[:1]):  # a date, as forms send it
            raise _Declined
        if counts_days and not _bounded_days(values_[1]):  # days from data: the same bound
            raise _Declined
        try:
            return scope.function(name)(*values_)
        except Exception:
            raise _Declined from None

    return call


def _bounded_days(days: object) -> bool:
    return type(days) is int and abs(days) <= MAX_BUSINESS_DAYS


# `max(a, b, …)` and `min(a, b, …)` of two or more arguments: their work is one comparison per
# argument (each bounded by the data's size); a single iterable argument is left to the process.
_CHOOSING_BUILTINS: dict[str, Callable[..., Any]] = {"max": max, "min": min}


def _choosing_call(name: str, node: ast.Call, depth: int) -> Node:
    if len(node.args) < 2 or any(isinstance(argument, ast.Starred) for argument in node.args):
        raise _NotPlain
    arguments = [_build(argument, depth) for argument in node.args]
    chosen = _CHOOSING_BUILTINS[name]

    def choose(scope: _Scope) -> Any:
        if scope.has(name):  # case data under a builtin's name is what the process would call
            raise _Declined
        values_ = [argument(scope) for argument in arguments]
        try:
            return chosen(*values_)
        except Exception:  # values that do not compare: the process reports it
            raise _Declined from None

    return choose


# `int(x)`, `list(x)` and `bool(x)` of one value whose type is below: a conversion whose work is
# bounded by the value's size. A text longer than any limit on digits an interpreter may be given
# (`sys.int_info.str_digits_check_threshold`) is the process's to convert, under its own limit.
_INT_TEXT_LENGTH = sys.int_info.str_digits_check_threshold
_CONVERTING_BUILTINS: dict[str, tuple[Callable[[Any], Any], tuple[type, ...]]] = {
    "int": (int, (str, int, float, bool)),
    "list": (list, (str, list, tuple, dict)),
    "bool": (bool, (str, int, float, bool, type(None), list, tuple, dict)),
}


def _converting_call(name: str, node: ast.Call, depth: int) -> Node:
    if len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
        raise _NotPlain
    argument = _build(node.args[0], depth)
    convert, accepted = _CONVERTING_BUILTINS[name]

    def conversion(scope: _Scope) -> Any:
        if scope.has(name):  # case data under a builtin's name is what the process would call
            raise _Declined
        value = argument(scope)
        if (
            type(value) not in accepted
            or (name == "list" and len(value) > MAX_CONCATENATION)
            or (name == "int" and type(value) is str and len(value) > _INT_TEXT_LENGTH)
        ):
            raise _Declined
        try:
            return convert(value)
        except (ValueError, OverflowError):  # int("dos"), int(float("inf"))
            raise _Raises from None

    return conversion


# -- plain scripts ---------------------------------------------------------------------------
# A script of only assignments of plain expressions to names, `if`/`elif`/`else` on plain
# tests, `pass` and `try:` … `except Exception:` around plain statements runs here the same way:
# no loop, mutation or call but the ones above can be written, so its work is bounded by its
# length and the data's size. The names it may assign are those case data
# may take (not a function, builtin or reserved name, nothing starting with `_`).

Statement = Callable[[_Scope], None]


@lru_cache(maxsize=1024)
def _program(source: str) -> Statement | None:
    try:
        tree = ast.parse(source, mode="exec")
        return _block(tree.body)
    except (SyntaxError, ValueError, _NotPlain):
        return None


def _block(statements: list[ast.stmt]) -> Statement:
    steps = [_statement(statement) for statement in statements]

    def run(scope: _Scope) -> None:
        for step in steps:
            step(scope)

    return run


def _statement(statement: ast.stmt) -> Statement:
    if isinstance(statement, ast.Pass):
        return lambda scope: None
    if isinstance(statement, ast.Assign):
        return _assignment(statement)
    if isinstance(statement, ast.If):
        test, body = _build(statement.test, 0), _block(statement.body)
        orelse = _block(statement.orelse)
        return lambda scope: body(scope) if test(scope) else orelse(scope)
    if isinstance(statement, ast.Try):
        return _guarded(statement)
    raise _NotPlain


def _guarded(statement: ast.Try) -> Statement:
    """`try:` plain statements `except Exception:` plain statements. An error the process would
    raise too (`_Raises`) runs the handler after what the body assigned before it, as the
    process would; any other error sends the whole script to the process."""
    if statement.orelse or statement.finalbody or len(statement.handlers) != 1:
        raise _NotPlain
    handler = statement.handlers[0]
    if not (isinstance(handler.type, ast.Name) and handler.type.id == "Exception") or handler.name:
        raise _NotPlain
    body, recover = _block(statement.body), _block(handler.body)

    def run(scope: _Scope) -> None:
        if scope.has("Exception"):  # case data under that name is what the process would catch
            raise _Declined
        try:
            body(scope)
        except _Raises:
            recover(scope)

    return run


def _assignment(statement: ast.Assign) -> Statement:
    if len(statement.targets) != 1 or not isinstance(statement.targets[0], ast.Name):
        raise _NotPlain
    name = statement.targets[0].id
    if name.startswith("_") or name in _UNASSIGNABLE:
        raise _NotPlain
    value = _build(statement.value, 0)
    return lambda scope: scope.assign(name, value(scope))


_UNASSIGNABLE = FUNCTION_NAMES | FORBIDDEN_NAMES | frozenset(SAFE_BUILTINS)
