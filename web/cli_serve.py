"""The web server and its secret key: serve, secret-key."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import click
from flask import current_app
from flask.cli import with_appcontext
from werkzeug.serving import run_simple

from web.cli_support import refuse_without_secret_key
from web.secret_key import create_key_file


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@with_appcontext
def serve(host: str, port: int) -> None:
    """Sirve la aplicación web (necesita BUENGOBIERNO_SECRET_KEY o BUENGOBIERNO_SECRET_KEY_FILE)."""
    refuse_without_secret_key()
    # Not app.run(): Flask ignores it inside its own CLI (FLASK_RUN_FROM_CLI).
    run_simple(host, port, cast(Any, current_app)._get_current_object(), threaded=True)


@click.command("secret-key")
@click.option("--file", "path", required=True, type=click.Path(path_type=Path))
def secret_key(path: Path) -> None:
    """Crea una clave secreta aleatoria en un archivo (modo 0600) si aún no existe."""
    created = create_key_file(path)
    click.echo(f"clave secreta {'creada' if created else 'existente'}: {path}")
