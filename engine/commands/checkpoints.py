"""The audit's checkpoints, sealed by the worker or an administrator, run by the executor.

Apart from `engine.commands.admin`, whose deployment brings the linter and the BPMN parser: the
worker seals checkpoints and deploys nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from engine.audit.trail import CheckpointSummary, latest_checkpoint, seal_checkpoint
from engine.commands.executor import CommandContext


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
