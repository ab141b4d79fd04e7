"""The database and the cases from the command line: init, deploy, validate, start, tasks,
claim, unclaim, complete, cancel."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app

from engine import InvalidDefinition, exit_code_for
from engine.people.administration import sync_catalogue
from engine.people.directory import (
    ADMINISTRATOR,
    DEMO_USERS,
    ensure_administrator,
    load_demo_users,
)
from engine.people.password_policy import require_acceptable_password
from storage.migrate import upgrade_to_head
from web.cli_support import current_engine, engine_command, json_object


@click.command()
@click.option("--demo", is_flag=True, help="Agrega usuarios de demostración para cada grupo.")
@click.option(
    "--admin-password",
    default=None,
    help="Contraseña del usuario admin (sin --demo); sin ella se genera una al azar.",
)
@engine_command
def init(demo: bool, admin_password: str | None) -> None:
    """Crea o actualiza la base de datos y los grupos (y los usuarios de demostración).

    Sin --demo no crea ninguna cuenta con una contraseña conocida: si no hay administrador,
    crea `admin` con --admin-password (que debe cumplir la política) o con una contraseña al
    azar que se muestra una sola vez.
    """
    if demo and admin_password is not None:
        raise click.UsageError("--admin-password no se usa con --demo")
    if admin_password is not None:
        require_acceptable_password(
            admin_password, ADMINISTRATOR.username, field="--admin-password"
        )
    upgrade_to_head(current_app.extensions["database"])
    loaded = sync_catalogue(current_engine(), "init", by_administrator=False)
    with current_engine().unit_of_work() as session:
        created = load_demo_users(session) if demo else 0
        password = None if demo else ensure_administrator(session, admin_password)
    click.echo(
        f"catálogo de organismos y roles: {loaded.added} nuevos, {loaded.renamed} renombrados, "
        f"{loaded.deactivated} desactivados"
    )
    if demo:
        click.echo(f"base de datos lista; {created} usuarios de demostración creados")
        if created == 0:
            click.echo(f"(los {len(DEMO_USERS)} usuarios de demostración ya existían)")
        return
    click.echo("base de datos lista")
    if password is not None and admin_password is None:
        click.echo(
            f"usuario admin creado con la contraseña {password} "
            "(se muestra solo esta vez: cámbiela en /cuenta/contrasena)"
        )
    elif password is not None:
        click.echo("usuario admin creado con la contraseña indicada")


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--as",
    "actor",
    default="admin",
    show_default=True,
    help="Quién despliega (un analista de procesos o un administrador).",
)
@engine_command
def deploy(paths: tuple[Path, ...], actor: str) -> None:
    """Despliega diagramas BPMN (archivos o carpetas) con sus formularios."""
    for deployment in current_engine().deploy(list(paths), actor):
        state = "nueva versión" if deployment.created else "sin cambios"
        click.echo(f"{deployment.key} v{deployment.version} ({state})")


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@engine_command
def validate(paths: tuple[Path, ...]) -> None:
    """Valida diagramas BPMN sin desplegarlos."""
    problems = current_engine().validate(list(paths))
    for problem in problems:
        click.echo(f"error: {problem}", err=True)
    if problems:
        sys.exit(exit_code_for(InvalidDefinition(problems)))
    click.echo("ok")


@click.command()
@click.argument("key")
@click.option("--as", "actor", required=True)
@click.option("--data", default="{}", help="Datos de inicio (objeto JSON).")
@engine_command
def start(key: str, actor: str, data: str) -> None:
    """Inicia un caso del procedimiento KEY e imprime su número de radicación."""
    click.echo(current_engine().start(key, actor, json_object(data)))


@click.command()
@click.option("--as", "actor", default=None, help="Solo las tareas de este usuario.")
@click.option("--json", "as_json", is_flag=True)
@engine_command
def tasks(actor: str | None, as_json: bool) -> None:
    """Lista las tareas abiertas."""
    views = current_engine().tasks(actor)
    if as_json:
        click.echo(json.dumps([view.as_json() for view in views], ensure_ascii=False, indent=2))
        return
    for view in views:
        due = view.due.isoformat() if view.due else "-"
        holder = view.assignee or f"grupo {view.group}"
        click.echo(f"{view.id}\t{view.case}\t{view.name}\t{holder}\tvence {due}")


@click.command()
@click.argument("task", type=int)
@click.option("--as", "actor", required=True)
@engine_command
def claim(task: int, actor: str) -> None:
    """Toma una tarea ofrecida a un grupo del usuario."""
    current_engine().claim(task, actor)
    click.echo(f"tarea {task} tomada por {actor}")


@click.command()
@click.argument("task", type=int)
@click.option("--as", "actor", required=True)
@engine_command
def unclaim(task: int, actor: str) -> None:
    """Libera una tarea tomada."""
    current_engine().unclaim(task, actor)
    click.echo(f"tarea {task} liberada")


@click.command()
@click.argument("task", type=int)
@click.option("--as", "actor", required=True)
@click.option("--data", required=True, help="Datos del formulario (objeto JSON).")
@engine_command
def complete(task: int, actor: str, data: str) -> None:
    """Completa una tarea con los datos de su formulario."""
    current_engine().complete(task, actor, json_object(data))
    click.echo(f"tarea {task} completada")


@click.command()
@click.argument("case")
@click.option("--as", "actor", required=True)
@click.option("--reason", required=True)
@engine_command
def cancel(case: str, actor: str, reason: str) -> None:
    """Anula un caso en curso."""
    current_engine().cancel(case, actor, reason)
    click.echo(f"caso {case} anulado")
