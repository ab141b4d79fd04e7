"""Directory-backed form fields (`x-directory`, see `engine.people.pickers`) given their choices.

A form schema names what a field picks, never the list: before the form is built, each such
field gets a `oneOf` of the directory's organisms or people. A form to fill offers only the
active ones; a read-only form also knows the inactive ones, so an old case still shows the
organism it named.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from flask import g

from engine.people.pickers import KEYWORD, Picker, picker_of
from engine.read.directory import DirectoryChoices, directory_choices
from web.current import engine


def with_directory_choices(schema: Mapping[str, Any], *, for_new: bool) -> dict[str, Any]:
    """A copy of `schema` where every directory-backed field lists its choices."""
    if KEYWORD not in str(schema):  # most forms pick nothing: no copy, no query
        return dict(schema)
    resolved = copy.deepcopy(dict(schema))
    _resolve(resolved, _choices(), for_new)
    return resolved


def _choices() -> DirectoryChoices:
    # Once per request: a case page shows many forms.
    if "directory_choices" not in g:
        with engine().sessions() as session:
            g.directory_choices = directory_choices(session)
    choices: DirectoryChoices = g.directory_choices
    return choices


def _resolve(schema: dict[str, Any], choices: DirectoryChoices, for_new: bool) -> None:
    picker = picker_of(schema)
    if picker is not None:
        schema["oneOf"] = _options(picker, choices, for_new) or [{"const": "", "title": "—"}]
    for child in (schema.get("properties") or {}).values():
        if isinstance(child, dict):
            _resolve(child, choices, for_new)
    if isinstance(schema.get("items"), dict):
        _resolve(schema["items"], choices, for_new)


def _options(picker: Picker, choices: DirectoryChoices, for_new: bool) -> list[dict[str, str]]:
    inactive = " (inactivo)"
    if picker.picks == "organism":
        return [
            {"const": o.code, "title": o.name + ("" if o.active else inactive)}
            for o in choices.organisms
            if o.active or not for_new
        ]
    return [
        {"const": p.username, "title": p.title + ("" if p.active else inactive)}
        for p in choices.people
        if (p.active or not for_new) and (picker.group is None or picker.group in p.groups)
    ]
