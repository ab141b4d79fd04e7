"""What an official reads of the model: the BPMN's words without the analyst's notes.

The documentation of an element ends with the analyst's assumptions ("Supuesto: …",
"Supuestos: …", docs/bpmn-conventions.md); they explain the model, not the work, so officials
never see them (the workbench shows the whole text). Gateways are routing, not steps anyone
took: the case page names the tasks and events a case went through.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

_ASSUMPTIONS = re.compile(r"\s*\bSupuestos?\b[^:]{0,40}:.*?(?=\n\s*\n|\Z)", re.DOTALL)


def for_officials(documentation: str) -> str:
    """The documentation without its assumptions (each paragraph's tail from "Supuesto:")."""
    return _ASSUMPTIONS.sub("", documentation).strip()


def step_names(elements: dict[str, dict[str, Any]], element_ids: Iterable[str]) -> list[str]:
    """The names of the steps among `element_ids`: no gateways, nothing unnamed, no repeats."""
    names: list[str] = []
    for element_id in element_ids:
        element = elements.get(element_id) or {}
        name = str(element.get("name") or "")
        if name and not str(element.get("kind") or "").endswith("Gateway") and name not in names:
            names.append(name)
    return names
