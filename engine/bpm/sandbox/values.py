"""Case data across the pipe to the sandbox process: JSON, with dates, times and sets tagged.

JSON rather than pickle on purpose: the parent must never run code a sandbox process chose,
and unpickling can.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

_TAG = "$sandbox"


class UnstorableValue(TypeError):
    """A script produced a value that case data cannot hold (a function, an iterator…)."""


def encode(value: Any) -> bytes:
    return json.dumps(_tagged(value), ensure_ascii=False, separators=(",", ":")).encode()


def decode(payload: bytes) -> Any:
    return json.loads(payload, object_hook=_untagged)


def crossed(value: Any) -> Any:
    """`value` as the other side of the pipe receives it, `decode(encode(value))`; a number,
    a boolean, None or a text that can be encoded comes back equal, and immutable: itself."""
    kind = type(value)
    if kind is str:
        if not value.isascii():
            value.encode()  # a lone surrogate cannot cross the pipe (UnicodeEncodeError)
        return value
    if value is None or kind is bool:
        return value
    if kind is int and value.bit_length() < _SHORT_INT_BITS:
        return value
    if kind is float and value == value:  # NaN crosses as JSON's one shared NaN object
        return value
    return decode(encode(value))


# At most 4,200 digits: Python writes longer integers as text only up to its limit (4,300 by
# default), so those go through the encoding and fail there as they would.
_SHORT_INT_BITS = 13_950


def sendable(value: Any) -> bool:
    """Whether `encode` takes `value`: the same walk, without building the payload (a plain
    expression checks the whole case data this way before answering for the process)."""
    try:
        _check(value)
    except (UnstorableValue, UnicodeEncodeError, RecursionError):
        return False
    return True


def _check(value: Any) -> None:
    # `encode`'s walk, cheaper: case data is mostly texts, numbers and None in dicts and lists,
    # so a container looks at its items' exact types before calling itself on them.
    if isinstance(value, str):
        if not value.isascii():
            value.encode()  # a lone surrogate cannot cross the pipe
        return
    if value is None or isinstance(value, _NUMBERS):
        return
    if isinstance(value, dict):
        for key in value:
            if not isinstance(key, str):
                raise UnstorableValue("las claves de un diccionario deben ser textos")
            if not key.isascii():
                key.encode()
        _check_items(value.values())
        return
    if isinstance(value, _COLLECTIONS):
        _check_items(value)
        return
    if type(value) not in _SCALAR_TYPES:
        raise UnstorableValue(f"un valor de tipo {type(value).__name__} no se puede guardar")


def _check_items(items: Iterable[Any]) -> None:
    for item in items:
        kind = type(item)
        if kind is str:
            if not item.isascii():
                item.encode()
        elif kind not in _LEAVES:
            _check(item)


# Values `encode` always takes as they are (a text may hold a lone surrogate).
_LEAVES = frozenset({type(None), bool, int, float})
# Tuples, not `X | Y` unions: a union written in a call is built anew at every call.
_NUMBERS = (bool, int, float)
_NUMBERS_AND_TEXTS = (bool, int, float, str)
_COLLECTIONS = (list, tuple, set, frozenset)
_TAGGED_COLLECTIONS = (tuple, set, frozenset)


def _tagged(value: Any) -> Any:
    if value is None or isinstance(value, _NUMBERS_AND_TEXTS):
        return value
    if isinstance(value, list):
        return [_tagged(item) for item in value]
    if isinstance(value, dict):
        if any(not isinstance(key, str) for key in value):
            raise UnstorableValue("las claves de un diccionario deben ser textos")
        items = {key: _tagged(item) for key, item in value.items()}
        return {_TAG: "dict", "items": items} if _TAG in value else items
    for kind, tag, text in _SCALARS:
        if type(value) is kind:
            return {_TAG: tag, "value": text(value)}
    if isinstance(value, _TAGGED_COLLECTIONS):
        return {_TAG: type(value).__name__, "items": [_tagged(item) for item in value]}
    raise UnstorableValue(f"un valor de tipo {type(value).__name__} no se puede guardar")


_SCALARS: list[tuple[type, str, Any]] = [
    (datetime, "datetime", datetime.isoformat),
    (date, "date", date.isoformat),
    (time, "time", time.isoformat),
    (timedelta, "timedelta", timedelta.total_seconds),
    (Decimal, "decimal", str),
]
_SCALAR_TYPES = frozenset(kind for kind, _, _ in _SCALARS)
_FROM_TAG: dict[str, Any] = {
    "datetime": datetime.fromisoformat,
    "date": date.fromisoformat,
    "time": time.fromisoformat,
    "timedelta": lambda seconds: timedelta(seconds=seconds),
    "decimal": Decimal,
    "tuple": tuple,
    "set": set,
    "frozenset": frozenset,
    "dict": dict,
}


def _untagged(obj: dict[str, Any]) -> Any:
    tag = obj.get(_TAG)
    if tag is None or len(obj) != 2:
        return obj
    return _FROM_TAG[tag](obj["value"] if "value" in obj else obj["items"])
