"""What every `buengobierno` command shares: the app context, the engine, one-line errors."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from engine import Engine, EngineError, InvalidDefinition, exit_code_for
from engine.commands.database_faults import describe, is_missing_schema, unavailable_from
from web.engine_app import engine_of
from web.secret_key import MissingSecretKey, require_secret_key

F = TypeVar("F", bound=Callable[..., Any])
EXIT_MISSING_SECRET = 10
EXIT_DATABASE = 2  # a schema that is missing (run `init`) or a statement the database refused


def engine_command(function: F) -> F:
    """Run inside the app context; an EngineError becomes one line on stderr and an exit code.

    A raw database error from a read is told apart the same way the engine does: a database that
    does not answer is `Unavailable` (exit 11), a missing schema asks for `buengobierno init`.
    """

    @wraps(function)
    @with_appcontext
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except InvalidDefinition as error:
            for problem in error.problems:
                click.echo(f"error: {problem}", err=True)
            sys.exit(exit_code_for(error))
        except EngineError as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(exit_code_for(error))
        except (DBAPIError, PoolTimeout) as error:
            unavailable = unavailable_from(error)
            if unavailable is not None:
                click.echo(f"error: {unavailable}", err=True)
                sys.exit(exit_code_for(unavailable))
            if is_missing_schema(error):
                click.echo(
                    f"error: la base de datos no está inicializada (ejecute 'buengobierno init'): {describe(error)}",
                    err=True,
                )
            else:
                click.echo(
                    f"error: la base de datos rechazó la operación: {describe(error)}", err=True
                )
            sys.exit(EXIT_DATABASE)

    return wrapper  # type: ignore[return-value]


def json_object(value: str) -> dict[str, Any]:
    try:
        data = json.loads(value)
    except json.JSONDecodeError as error:
        raise click.BadParameter(f"JSON inválido: {error}") from None
    if not isinstance(data, dict):
        raise click.BadParameter("debe ser un objeto JSON")
    return data


def current_engine() -> Engine:
    return engine_of(current_app)


def refuse_without_secret_key() -> None:
    """`serve` and `worker` sign sessions and links: without a key they do not start."""
    try:
        require_secret_key(current_app)
    except MissingSecretKey as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(EXIT_MISSING_SECRET)
