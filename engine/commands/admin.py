"""Commands that change definitions and the audit's checkpoints, run by the executor."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from engine.audit.trail import CheckpointSummary, latest_checkpoint, seal_checkpoint
from engine.authorization import load_actor, require_can_deploy
from engine.bpm.deployment import Deployment, bundles_for, deploy_bundle
from engine.commands.executor import CommandContext


@dataclass(frozen=True)
class DeployBundles:
    """Deploy every file; identical content is a no-op, changed content a new version.
    Only process analysts and administrators deploy."""

    paths: Sequence[Path]
    actor: str

    def execute(self, context: CommandContext) -> list[Deployment]:
        engine, session = context.engine, context.session
        who = load_actor(session, self.actor)
        require_can_deploy(who)
        return [
            deploy_bundle(session, bundle, who.username, engine.clock.now())
            for bundle in bundles_for(session, self.paths, engine.services.names())
        ]


@dataclass(frozen=True)
class SealAuditCheckpoint:
    """Seal every case's chain head under `key`; with `unless_within`, only when the latest
    checkpoint is older than that (None: nothing sealed)."""

    key: bytes
    actor: str
    unless_within: timedelta | None = None

    def execute(self, context: CommandContext) -> CheckpointSummary | None:
        session, now = context.session, context.engine.clock.now()
        if self.unless_within is not None:
            latest = latest_checkpoint(session)
            if latest is not None and latest.created_at > now - self.unless_within:
                return None
        return seal_checkpoint(session, self.key, at=now, actor=self.actor)
