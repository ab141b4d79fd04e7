"""The directory administered without a programmer: every change is an executor command, audited
in `directory_changes` (who, when, before and after)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engine.commands.executor import CommandContext
from engine.commands.facade import Engine
from engine.people.catalogue import CATALOGUE, CatalogueLoad, load_catalogue, read_catalogue


@dataclass(frozen=True)
class LoadCatalogue:
    """Synchronise the groups with a catalogue file, as `actor`."""

    path: Path
    actor: str

    def execute(self, context: CommandContext) -> CatalogueLoad:
        entries = read_catalogue(self.path)
        return load_catalogue(context.session, entries, self.actor, context.engine.clock.now())


def sync_catalogue(engine: Engine, actor: str, path: Path = CATALOGUE) -> CatalogueLoad:
    """Load `path` (by default the shipped catalogue) into the directory; see `catalogue`."""
    result: CatalogueLoad = engine.executor.execute(LoadCatalogue(path, actor))
    return result
