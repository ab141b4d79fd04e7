"""A task form's first values from the case data.

A form field that declares `"x-from-case": "<variable>"` starts with that case variable's value,
so an official checks what the case already knows (the delegate, the instance, the act's number)
instead of typing it again. A form shared by procedures names a list of variables: the first
one the case has a value for wins. Fields inside an object declare it the same way. The
submitted form is validated like any other: a prefilled value is only a proposal.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

KEYWORD = "x-from-case"


def prefilled(schema: Mapping[str, Any], case_data: Mapping[str, Any]) -> dict[str, Any]:
    """The values the form starts with: every declared field the case data has a value for."""
    values: dict[str, Any] = {}
    for name, child in (schema.get("properties") or {}).items():
        if not isinstance(child, Mapping):
            continue
        source = child.get(KEYWORD)
        if isinstance(source, (str, list)):
            names = [source] if isinstance(source, str) else source
            value = next((case_data[n] for n in names if _known(case_data.get(n))), None)
            if value is not None:
                values[name] = value
        elif child.get("type") == "object":
            nested = prefilled(child, case_data)
            if nested:
                values[name] = nested
    return values


def _known(value: Any) -> bool:
    return value not in (None, "", [], {})
