"""The `buengobierno` command line. Every error: one line on stderr, a non-zero exit, no change.

Each command is imported when it is run (click's lazily loaded subcommands): `buengobierno
worker` imports the worker's module and the engine, not the views, the workbench, the
scenario runner, LDAP or Alembic; and only `serve` builds the application with its pages.
A worker restarted, or run from cron with `--once`, starts in a fraction of the time.
"""

from __future__ import annotations

from importlib import import_module

import click
from flask import Flask
from flask.cli import FlaskGroup

from web.engine_app import create_engine_app

# Command name -> "module:attribute" of the click command.
COMMANDS = {
    **{name: f"web.cli_cases:{name}" for name in ("init", "deploy", "validate", "start", "tasks")},
    **{name: f"web.cli_cases:{name}" for name in ("claim", "unclaim", "complete", "cancel")},
    "serve": "web.cli_serve:serve",
    "secret-key": "web.cli_serve:secret_key",
    "audit": "web.cli_operations:audit",
    "scenarios": "web.cli_operations:scenarios",
    "incidents": "web.cli_operations:incidents_group",
    "worker": "web.cli_worker:worker",
    "tokens": "web.cli_accounts:tokens_group",
    "users": "web.cli_directory:users_group",
    "organisms": "web.cli_directory:organisms_group",
    "migrate": "web.cli_migrate:migrate",
}
# The commands that serve pages: the others run in the application without them.
WEB_COMMANDS = frozenset({"serve"})


class LazyGroup(FlaskGroup):
    """A FlaskGroup whose commands are imported by name when they are run (or listed)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return super().get_command(ctx, name)
        module, attribute = COMMANDS[name].split(":")
        command = getattr(import_module(module), attribute)
        assert isinstance(command, click.Command)
        return command


def _create_app() -> Flask:
    """The application of the command being run: with the web's pages only for `serve`."""
    command = click.get_current_context().find_root().invoked_subcommand
    if command in WEB_COMMANDS:
        from web.app import create_app  # the views, only for the one command that serves them

        return create_app(require_secret=False)
    return create_engine_app(require_secret=False)


@click.group(cls=LazyGroup, create_app=_create_app, add_default_commands=False)
def cli() -> None:
    """Motor de flujo de trabajo de Gestión del Buen Gobierno (MEDE01.09)."""


def main() -> None:
    cli(prog_name="buengobierno")
