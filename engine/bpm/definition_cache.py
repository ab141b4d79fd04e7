"""Deployed definitions, read once per engine: a deployed version never changes.

A definition row holds the process spec, its elements, forms and BPMN (~170 KB for P001);
loading and decoding it in every command was most of a command's cost.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from engine.errors import NotFound
from storage.models import Definition


@dataclass(frozen=True)
class DeployedDefinition:
    id: int
    key: str
    version: int
    name: str
    spec: str
    elements: dict[str, dict[str, Any]]
    forms: dict[str, Any]


class DefinitionCache:
    def __init__(self) -> None:
        self._by_id: dict[int, DeployedDefinition] = {}
        self._lock = threading.Lock()

    def get(self, session: Session, definition_id: int) -> DeployedDefinition:
        cached = self._by_id.get(definition_id)
        if cached is not None:
            return cached
        row = session.get(Definition, definition_id)
        if row is None:
            raise NotFound(f"la definición {definition_id} no existe")
        deployed = DeployedDefinition(
            id=row.id,
            key=row.key,
            version=row.version,
            name=row.name,
            spec=row.spec,
            elements=row.elements,
            forms=row.forms,
        )
        with self._lock:
            self._by_id.setdefault(definition_id, deployed)
        return deployed
