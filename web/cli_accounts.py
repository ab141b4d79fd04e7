"""`buengobierno tokens`: personal access tokens for the JSON API, from the command line."""

from __future__ import annotations

import click

from engine.people.access_tokens import DEFAULT_DAYS, create_token, list_tokens, revoke_token
from web.cli_support import current_engine, engine_command


@click.group("tokens")
def tokens_group() -> None:
    """Tokens de acceso personal para la API JSON (Authorization: Bearer <token>)."""


@tokens_group.command("create")
@click.option("--as", "actor", required=True, help="Dueño del token.")
@click.option("--name", required=True, help="Para qué se usa (p. ej. «gestor documental»).")
@click.option("--days", default=DEFAULT_DAYS, show_default=True, type=int, help="Vigencia.")
@engine_command
def create(actor: str, name: str, days: int) -> None:
    """Crea un token e imprime su valor (se muestra solo esta vez)."""
    new = create_token(current_engine(), actor, name, days)
    click.echo(new.secret)
    click.echo(
        f"token {new.id} «{new.name}» de {actor}, vence {new.expires_at:%Y-%m-%d %H:%M} UTC "
        "(guárdelo ahora: no se volverá a mostrar)",
        err=True,
    )


@tokens_group.command("list")
@click.option("--as", "actor", required=True)
@engine_command
def list_command(actor: str) -> None:
    """Lista los tokens del usuario: número, nombre, vencimiento, último uso, estado."""
    engine = current_engine()
    now = engine.clock.now()
    for token in list_tokens(engine, actor):
        used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "nunca"
        click.echo(
            f"{token.id}\t{token.name}\tvence {token.expires_at:%Y-%m-%d}\t"
            f"último uso {used}\t{token.state(now)}"
        )


@tokens_group.command("revoke")
@click.argument("token_id", type=int)
@click.option("--as", "actor", required=True)
@engine_command
def revoke(token_id: int, actor: str) -> None:
    """Revoca un token del usuario."""
    revoke_token(current_engine(), actor, token_id)
    click.echo(f"token {token_id} revocado")
