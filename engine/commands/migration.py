"""Migrating running cases to another version of their procedure, one command per case.

Each case moves in a transaction of its own, under its lock, after the same check the dry run
shows (`engine.read.migration`); a refused case raises `MigrationRefused` and is left as it was.
The move is an event in the case's own audit chain, naming both versions.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.authorization import load_actor, require_can_use_workbench
from engine.bpm.runtime import CaseRun
from engine.commands.cases import case_by_key
from engine.commands.executor import CommandContext
from engine.errors import MigrationRefused
from engine.read.migration import case_refusals, target_definition


@dataclass(frozen=True)
class CaseMigrated:
    business_key: str
    from_version: int
    to_version: int


@dataclass(frozen=True)
class MigrateCase:
    """Move one running case to version `to_version` of `key` (its own procedure)."""

    business_key: str
    key: str
    to_version: int
    actor: str

    def execute(self, context: CommandContext) -> CaseMigrated:
        engine, session = context.engine, context.session
        who = load_actor(session, self.actor)
        require_can_use_workbench(who)
        case = case_by_key(session, self.business_key)
        session.refresh(case, with_for_update=True)
        target_row = target_definition(session, self.key, self.to_version)
        source = engine.definitions.get(session, case.definition_id)
        target = engine.definitions.get(session, target_row.id)
        refusals = case_refusals(case, source.key, source.version, self.key, self.to_version)
        if refusals:
            raise MigrationRefused(self.business_key, refusals)
        run = CaseRun(
            session, case, who, engine.clock, engine.services,
            definitions=engine.definitions, locked=True,
        )  # fmt: skip
        refusals = run.migration_refusals(target)
        if refusals:
            raise MigrationRefused(self.business_key, refusals)
        run.move_to(target)
        case.definition = target_row
        run.record(
            "case_migrated",
            payload={
                "from_version": source.version,
                "to_version": target.version,
                "from_definition": source.id,
                "to_definition": target.id,
            },
        )
        run.advance()
        return CaseMigrated(self.business_key, source.version, target.version)
