"""Versions of a saved case state, and the migrations that bring an older one up to date.

A state carries two versions: `format`, ours (what `engine.bpm.spiff_state` adds to and removes
from SpiffWorkflow's dictionary: the spec stored once per definition, the pruned tree), and
`serializer_version`, SpiffWorkflow's (the layout of its own dictionary). Ours is upgraded
here, one registered step at a time (format n → n+1, a function over the decoded dictionary);
SpiffWorkflow's with the migrations SpiffWorkflow ships (`engine.bpm.spiff_state`). A version this
code does not know, newer or unknown, is refused before anything is read, so the case stays
exactly as it was. How to add a migration: docs/engine-decisions.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from SpiffWorkflow.bpmn.serializer.workflow import VERSION, BpmnWorkflowSerializer

from engine.errors import UnreadableState

STATE_FORMAT = 2
FORMAT_KEY = "format"
SPIFF_VERSION: str = VERSION
SPIFF_VERSION_KEY: str = BpmnWorkflowSerializer.VERSION_KEY
# Format 1 did not record it: every format-1 state and every spec deployed before format 2 was
# written by SpiffWorkflow 3.2, whose serializer is version 1.5.
FORMAT_1_SPIFF_VERSION = "1.5"

Migration = Callable[[dict[str, Any]], None]
MIGRATIONS: dict[int, Migration] = {}


def migration(from_format: int) -> Callable[[Migration], Migration]:
    """Register a function that turns a state of `from_format` into one of `from_format + 1`."""

    def register(function: Migration) -> Migration:
        if from_format in MIGRATIONS:
            raise ValueError(f"format {from_format} already has a migration")
        MIGRATIONS[from_format] = function
        return function

    return register


@migration(1)
def _record_spiff_version(state: dict[str, Any]) -> None:
    state[SPIFF_VERSION_KEY] = FORMAT_1_SPIFF_VERSION


def upgrade(state: dict[str, Any], case: str) -> None:
    """Bring a decoded state to `STATE_FORMAT` in place; refuse a format this code cannot read."""
    found = state.get(FORMAT_KEY)
    if type(found) is not int or not 1 <= found <= STATE_FORMAT:
        raise UnreadableState(_refusal(case, found))
    for step in range(found, STATE_FORMAT):
        MIGRATIONS[step](state)
        state[FORMAT_KEY] = step + 1


def _refusal(case: str, found: object) -> str:
    if type(found) is int and found > STATE_FORMAT:
        return (
            f"el caso {case} está guardado en el formato {found} del motor, más nuevo que el "
            f"{STATE_FORMAT} que esta versión sabe leer: actualice Buen Gobierno para abrirlo; "
            "no se cambió nada"
        )
    return (
        f"el caso {case} está guardado en un formato del motor desconocido ({found!r}); "
        "no se cambió nada"
    )
