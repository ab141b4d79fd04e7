"""Commands that change definitions, run by the executor (the audit's checkpoints are in
`engine.commands.checkpoints`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

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
