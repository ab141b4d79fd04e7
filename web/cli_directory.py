"""`buengobierno users` and `buengobierno organisms`: the directory administered from the
command line, by an administrator (`--as`); every change is an audited executor command."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import click
from sqlalchemy import select

from engine import ValidationError, exit_code_for
from engine.people.administration import (
    NewUser,
    add_user,
    deactivate_organism,
    deactivate_user,
    reactivate_user,
    reset_password,
    save_organism,
    set_groups,
    sync_catalogue,
)
from engine.people.catalogue import CATEGORIES
from engine.people.user_csv import import_users, read_user_rows, users_csv
from storage.models import Group, User
from web.cli_support import current_engine, engine_command

AS_OPTION = click.option(
    "--as", "actor", default="admin", show_default=True, help="Administrador que hace el cambio."
)


def _codes(value: str) -> tuple[str, ...]:
    return tuple(code.strip() for code in value.split(",") if code.strip())


@click.group("users")
def users_group() -> None:
    """Usuarios: listar, agregar, asignar grupos, desactivar, reactivar, restablecer la contraseña,
    importar y exportar CSV."""


@users_group.command("list")
@click.option("--all", "everyone", is_flag=True, help="Incluye los usuarios inactivos.")
@engine_command
def list_users(everyone: bool) -> None:
    """Usuario, nombre, cargo, grupos (* coordina) y estado, uno por línea."""
    with current_engine().sessions() as session:
        query = select(User).order_by(User.username)
        for user in session.scalars(query if everyone else query.where(User.active.is_(True))):
            groups = ",".join(
                m.group.code + ("*" if m.is_coordinator else "")
                for m in sorted(user.memberships, key=lambda m: m.group.code)
            )
            state = "activo" if user.active else "inactivo"
            click.echo(f"{user.username}\t{user.full_name}\t{user.position}\t{groups}\t{state}")


@users_group.command("add")
@click.argument("username")
@click.option("--name", "full_name", required=True, help="Nombre completo.")
@click.option("--email", required=True)
@click.option("--position", default="", help="Cargo.")
@click.option("--groups", default="", help="Códigos de grupo separados por comas.")
@click.option("--coordinates", default="", help="Grupos que coordina (de los anteriores).")
@click.password_option("--password", help="Contraseña inicial (cumple la política).")
@AS_OPTION
@engine_command
def add(
    username: str,
    full_name: str,
    email: str,
    position: str,
    groups: str,
    coordinates: str,
    password: str,
    actor: str,
) -> None:
    """Crea un usuario con sus grupos."""
    user = NewUser(username, full_name, email, position, _codes(groups), _codes(coordinates))
    add_user(current_engine(), actor, user, password)
    click.echo(f"usuario {username} creado")


@users_group.command("set-groups")
@click.argument("username")
@click.option("--groups", required=True, help="Códigos de grupo separados por comas.")
@click.option("--coordinates", default="", help="Grupos que coordina (de los anteriores).")
@AS_OPTION
@engine_command
def set_groups_command(username: str, groups: str, coordinates: str, actor: str) -> None:
    """Reemplaza los grupos de un usuario."""
    set_groups(current_engine(), actor, username, _codes(groups), _codes(coordinates))
    click.echo(f"grupos de {username}: {groups}")


@users_group.command("deactivate")
@click.argument("username")
@AS_OPTION
@engine_command
def deactivate(username: str, actor: str) -> None:
    """Desactiva un usuario (nunca se borra) y lista sus tareas abiertas para reasignarlas."""
    open_tasks = deactivate_user(current_engine(), actor, username)
    click.echo(f"usuario {username} desactivado")
    if open_tasks:
        click.echo("tareas abiertas para reasignar: " + ", ".join(str(task) for task in open_tasks))


@users_group.command("reactivate")
@click.argument("username")
@AS_OPTION
@engine_command
def reactivate(username: str, actor: str) -> None:
    """Reactiva un usuario desactivado, con los grupos que tenía."""
    reactivate_user(current_engine(), actor, username)
    click.echo(f"usuario {username} reactivado")


@users_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Revisa el archivo y dice qué haría, sin guardar.")
@AS_OPTION
@engine_command
def import_command(path: Path, dry_run: bool, actor: str) -> None:
    """Importa usuarios de un CSV (las columnas de `users export`): todo o nada.

    Si alguna fila tiene errores, se listan todas con su número de línea y no se guarda ninguna.
    Los usuarios nuevos no tienen contraseña local: ingresan con el directorio de la Alcaldía
    (o un administrador les asigna una con `users reset-password`).
    """
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise click.ClickException(
            "el archivo no está en UTF-8 (en Excel: Guardar como «CSV UTF-8»)"
        ) from None
    try:
        outcomes = import_users(current_engine(), actor, read_user_rows(text), dry_run=dry_run)
    except ValidationError as error:
        for where, problem in error.field_errors.items():
            click.echo(f"{path.name}, {where}: {problem}", err=True)
        click.echo("no se importó ninguna fila", err=True)
        sys.exit(exit_code_for(error))
    for outcome in outcomes:
        click.echo(f"línea {outcome.line}\t{outcome.username}\t{outcome.outcome}")
    counts = Counter(outcome.outcome for outcome in outcomes)
    summary = ", ".join(
        f"{counts[kind]} {kind}" for kind in ("nuevo", "actualizado", "sin cambios")
    )
    click.echo(("simulación, nada se guardó: " if dry_run else "importado: ") + summary)


@users_group.command("export")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Archivo de salida (por omisión, la salida estándar).",
)
@engine_command
def export_command(output: Path | None) -> None:
    """Exporta todos los usuarios a CSV (UTF-8 con BOM, separado por «;», como lo abre Excel)."""
    with current_engine().sessions() as session:
        text = users_csv(session)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8", newline="")
        click.echo(f"usuarios exportados a {output}", err=True)


@users_group.command("reset-password")
@click.argument("username")
@click.password_option("--password", help="Nueva contraseña (cumple la política).")
@AS_OPTION
@engine_command
def reset(username: str, password: str, actor: str) -> None:
    """Asigna una contraseña nueva y cierra todas las sesiones del usuario."""
    reset_password(current_engine(), actor, username, password)
    click.echo(f"contraseña de {username} restablecida; sus sesiones se cerraron")


@click.group("organisms")
def organisms_group() -> None:
    """Organismos y roles: listar, agregar, renombrar, desactivar, cargar un catálogo."""


@organisms_group.command("list")
@engine_command
def list_organisms() -> None:
    """Código, nombre, tipo, categoría y estado, uno por línea."""
    with current_engine().sessions() as session:
        for group in session.scalars(select(Group).order_by(Group.kind, Group.code)):
            state = "activo" if group.active else "inactivo"
            if group.merged_into:
                state += f" (fusionado en {group.merged_into})"
            click.echo(f"{group.code}\t{group.name}\t{group.kind}\t{group.category}\t{state}")


@organisms_group.command("add")
@click.argument("code")
@click.option("--name", required=True, help="Nombre oficial.")
@click.option("--category", type=click.Choice(list(CATEGORIES)), default=None)
@click.option("--role", is_flag=True, help="Es un rol (no un organismo).")
@AS_OPTION
@engine_command
def add_organism(code: str, name: str, category: str | None, role: bool, actor: str) -> None:
    """Agrega un organismo o rol."""
    kind = "role" if role else "organism"
    save_organism(current_engine(), actor, code=code, name=name, kind=kind, category=category or "")
    click.echo(f"{code} agregado")


@organisms_group.command("rename")
@click.argument("code")
@click.option("--name", required=True, help="Nombre oficial nuevo (el anterior se conserva).")
@AS_OPTION
@engine_command
def rename(code: str, name: str, actor: str) -> None:
    """Renombra un organismo; el código no cambia y el nombre anterior queda en la historia."""
    with current_engine().sessions() as session:
        group = session.scalars(select(Group).where(Group.code == code)).first()
        kind = group.kind if group else "organism"
    save_organism(current_engine(), actor, code=code, name=name, kind=kind)
    click.echo(f"{code} renombrado: {name}")


@organisms_group.command("deactivate")
@click.argument("code")
@click.option("--merged-into", default=None, help="Organismo que asume sus funciones.")
@AS_OPTION
@engine_command
def deactivate_organism_command(code: str, merged_into: str | None, actor: str) -> None:
    """Desactiva un organismo: no se ofrece en casos nuevos; los casos que lo nombran lo muestran."""
    deactivate_organism(current_engine(), actor, code, merged_into)
    click.echo(f"{code} desactivado")


@organisms_group.command("load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@AS_OPTION
@engine_command
def load(path: Path, actor: str) -> None:
    """Carga un catálogo (mismo formato que processes/directory/organisms.json)."""
    loaded = sync_catalogue(current_engine(), actor, path)
    click.echo(
        f"{loaded.added} nuevos, {loaded.renamed} renombrados, {loaded.deactivated} desactivados"
    )
