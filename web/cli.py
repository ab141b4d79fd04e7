"""The `buengobierno` command line. Every error: one line on stderr, a non-zero exit, no change."""

from __future__ import annotations

import json
import logging
import os
import socket
import sys
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar, cast

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy.exc import OperationalError, ProgrammingError
from werkzeug.serving import run_simple

from engine import (
    EngineError,
    InvalidDefinition,
    JobRunner,
    exit_code_for,
    incidents,
    retry_incident,
)
from engine.directory import DEMO_USERS, ensure_groups, load_demo_users
from engine.outbox import SmtpTransport
from engine.quality import compliance, export_csv, export_xes
from engine.worker import Worker
from storage.migrate import upgrade_to_head
from web.app import PROCESSES_DIRECTORY, create_app, engine_of
from web.scratch import run_scenarios_in_scratch_database

SCENARIOS_DIRECTORY = PROCESSES_DIRECTORY / "scenarios"

F = TypeVar("F", bound=Callable[..., Any])


def _create_app() -> Flask:
    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=False)
def cli() -> None:
    """Motor de flujo de trabajo de Gestión del Buen Gobierno (MEDE01.09)."""


def engine_command(function: F) -> F:
    """Run inside the app context; an EngineError becomes one line on stderr and an exit code."""

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
        except (OperationalError, ProgrammingError) as error:
            click.echo(
                f"error: base de datos no disponible o sin inicializar (ejecute 'buengobierno init'): {error.orig}",
                err=True,
            )
            sys.exit(2)

    return wrapper  # type: ignore[return-value]


def _json_object(value: str) -> dict[str, Any]:
    try:
        data = json.loads(value)
    except json.JSONDecodeError as error:
        raise click.BadParameter(f"JSON inválido: {error}") from None
    if not isinstance(data, dict):
        raise click.BadParameter("debe ser un objeto JSON")
    return data


def _engine() -> Any:
    return engine_of(current_app)


@cli.command()
@click.option("--demo", is_flag=True, help="Agrega usuarios de demostración para cada grupo.")
@engine_command
def init(demo: bool) -> None:
    """Crea o actualiza la base de datos y los grupos (y los usuarios de demostración)."""
    upgrade_to_head(current_app.extensions["database"])
    with _engine().unit_of_work() as session:
        ensure_groups(session)
        created = load_demo_users(session) if demo else 0
    click.echo(
        f"base de datos lista; {created} usuarios de demostración creados"
        if demo
        else "base de datos lista"
    )
    if demo and created == 0:
        click.echo(f"(los {len(DEMO_USERS)} usuarios de demostración ya existían)")


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--as", "actor", default="admin", show_default=True, help="Quién despliega.")
@engine_command
def deploy(paths: tuple[Path, ...], actor: str) -> None:
    """Despliega diagramas BPMN (archivos o carpetas) con sus formularios."""
    for deployment in _engine().deploy(list(paths), actor):
        state = "nueva versión" if deployment.created else "sin cambios"
        click.echo(f"{deployment.key} v{deployment.version} ({state})")


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@engine_command
def validate(paths: tuple[Path, ...]) -> None:
    """Valida diagramas BPMN sin desplegarlos."""
    problems = _engine().validate(list(paths))
    for problem in problems:
        click.echo(f"error: {problem}", err=True)
    if problems:
        sys.exit(exit_code_for(InvalidDefinition(problems)))
    click.echo("ok")


@cli.command()
@click.argument("key")
@click.option("--as", "actor", required=True)
@click.option("--data", default="{}", help="Datos de inicio (objeto JSON).")
@engine_command
def start(key: str, actor: str, data: str) -> None:
    """Inicia un caso del procedimiento KEY e imprime su número de radicación."""
    click.echo(_engine().start(key, actor, _json_object(data)))


@cli.command()
@click.option("--as", "actor", default=None, help="Solo las tareas de este usuario.")
@click.option("--json", "as_json", is_flag=True)
@engine_command
def tasks(actor: str | None, as_json: bool) -> None:
    """Lista las tareas abiertas."""
    views = _engine().tasks(actor)
    if as_json:
        click.echo(json.dumps([view.as_json() for view in views], ensure_ascii=False, indent=2))
        return
    for view in views:
        due = view.due.isoformat() if view.due else "-"
        holder = view.assignee or f"grupo {view.group}"
        click.echo(f"{view.id}\t{view.case}\t{view.name}\t{holder}\tvence {due}")


@cli.command()
@click.argument("task", type=int)
@click.option("--as", "actor", required=True)
@engine_command
def claim(task: int, actor: str) -> None:
    """Reclama una tarea ofrecida a un grupo del usuario."""
    _engine().claim(task, actor)
    click.echo(f"tarea {task} reclamada por {actor}")


@cli.command()
@click.argument("task", type=int)
@click.option("--as", "actor", required=True)
@engine_command
def unclaim(task: int, actor: str) -> None:
    """Libera una tarea reclamada."""
    _engine().unclaim(task, actor)
    click.echo(f"tarea {task} liberada")


@cli.command()
@click.argument("task", type=int)
@click.option("--as", "actor", required=True)
@click.option("--data", required=True, help="Datos del formulario (objeto JSON).")
@engine_command
def complete(task: int, actor: str, data: str) -> None:
    """Completa una tarea con los datos de su formulario."""
    _engine().complete(task, actor, _json_object(data))
    click.echo(f"tarea {task} completada")


@cli.command()
@click.argument("case")
@click.option("--as", "actor", required=True)
@click.option("--reason", required=True)
@engine_command
def cancel(case: str, actor: str, reason: str) -> None:
    """Anula un caso en curso."""
    _engine().cancel(case, actor, reason)
    click.echo(f"caso {case} anulado")


@cli.group()
def audit() -> None:
    """Auditoría: verificación de la cadena de eventos."""


@audit.command("verify")
@click.argument("case", required=False)
@engine_command
def audit_verify(case: str | None) -> None:
    """Verifica la cadena de auditoría de un caso o de todos."""
    broken = _engine().verify_audit(case)
    for link in broken:
        click.echo(f"error: cadena rota en {link}", err=True)
    if broken:
        sys.exit(9)
    click.echo("cadena de auditoría íntegra")


@audit.command("export")
@click.option(
    "--format", "kind", type=click.Choice(["csv", "xes"]), default="csv", show_default=True
)
@click.option("--procedure", default=None, help="Solo este procedimiento (p. ej. P001).")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Archivo (por defecto, la salida estándar).",
)
@engine_command
def audit_export(kind: str, procedure: str | None, output: Path | None) -> None:
    """Exporta la traza de auditoría (CSV, o XES para minería de procesos)."""
    with _engine().sessions() as session:
        content = (
            export_xes(session, procedure)
            if kind == "xes"
            else export_csv(session, procedure).encode()
        )
    if output is None:
        sys.stdout.buffer.write(content)
    else:
        output.write_bytes(content)
        click.echo(f"{output}: {len(content)} bytes", err=True)


@audit.command("compliance")
@click.option("--json", "as_json", is_flag=True)
@engine_command
def audit_compliance(as_json: bool) -> None:
    """Cifras de cumplimiento de las cuatro políticas de operación."""
    with _engine().sessions() as session:
        figures = compliance(session, _engine().clock.now())
    if as_json:
        click.echo(
            json.dumps([figure.as_json() for figure in figures], ensure_ascii=False, indent=2)
        )
        return
    for figure in figures:
        percent = "-" if figure.percent is None else f"{figure.percent}%"
        click.echo(
            f"Política {figure.policy}: {figure.met}/{figure.total} ({percent}) {figure.description}"
        )
        if figure.detail:
            click.echo(f"    {figure.detail}")


@cli.group()
def scenarios() -> None:
    """Escenarios de prueba de los procedimientos (processes/scenarios)."""


@scenarios.command("run")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
def scenarios_run(paths: tuple[Path, ...]) -> None:
    """Ejecuta escenarios en una base de datos temporal (no toca la base real)."""
    results, _ = run_scenarios_in_scratch_database(list(paths) or [SCENARIOS_DIRECTORY])
    for result in results:
        mark = "ok   " if result.passed else "FALLA"
        click.echo(
            f"{mark} {result.scenario.procedure} {result.scenario.name} {result.business_key or ''}"
        )
        for failure in result.failures:
            click.echo(f"        {failure}", err=True)
    failed = sum(not r.passed for r in results)
    click.echo(f"{len(results) - failed} de {len(results)} escenarios pasaron")
    if failed:
        sys.exit(1)


@scenarios.command("coverage")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
def scenarios_coverage(paths: tuple[Path, ...]) -> None:
    """Lista, por procedimiento, los flujos de secuencia que ningún escenario recorre."""
    results, untaken = run_scenarios_in_scratch_database(list(paths) or [SCENARIOS_DIRECTORY])
    for key, flows in untaken.items():
        click.echo(
            f"{key}: {'todos los flujos recorridos' if not flows else f'{len(flows)} flujos sin recorrer'}"
        )
        for flow in flows:
            click.echo(f"    {flow.id}: {flow.source} -> {flow.target}")
    if any(not r.passed for r in results):
        click.echo("error: hay escenarios que fallan; la cobertura no es confiable", err=True)
        sys.exit(1)
    if any(untaken.values()):
        sys.exit(1)


@cli.command()
@click.option("--once", is_flag=True, help="Termina cuando no quede nada pendiente.")
@click.option("--batch", default=10, show_default=True, help="Trabajos por adquisición.")
@click.option("--poll", default=5.0, show_default=True, help="Segundos de espera sin trabajo.")
@engine_command
def worker(once: bool, batch: int, poll: float) -> None:
    """Dispara temporizadores y envía notificaciones (varios pueden correr a la vez)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    owner = f"{socket.gethostname()}:{os.getpid()}"
    smtp_url = current_app.config.get("SMTP_URL")
    runner = Worker(
        JobRunner(_engine(), owner),
        transport=SmtpTransport(smtp_url) if smtp_url else None,
        base_url=current_app.config["BASE_URL"],
        batch=batch,
        poll=timedelta(seconds=poll),
        progress=lambda stats: click.echo(
            f"procesados: {stats.jobs} trabajos ({stats.failures} con error), "
            f"{stats.notifications} notificaciones",
            err=True,
        ),
    )
    runner.install_signal_handlers()
    runner.run(once=once)


@cli.group("incidents")
def incidents_group() -> None:
    """Incidentes: trabajos que agotaron sus reintentos."""


@incidents_group.command("list")
@engine_command
def incidents_list() -> None:
    """Lista los incidentes abiertos."""
    for incident in incidents(_engine()):
        click.echo(
            f"{incident.job_id}\t{incident.business_key}\t{incident.element}\t{incident.attempts} intentos\t{incident.error}"
        )


@incidents_group.command("retry")
@click.argument("job", type=int)
@click.option("--as", "actor", required=True)
@engine_command
def incidents_retry(job: int, actor: str) -> None:
    """Reintenta un incidente (el próximo paso del worker lo ejecuta)."""
    retry_incident(_engine(), job, actor)
    click.echo(f"incidente {job} reprogramado")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@with_appcontext
def serve(host: str, port: int) -> None:
    """Sirve la aplicación web."""
    # Not app.run(): Flask ignores it inside its own CLI (FLASK_RUN_FROM_CLI).
    run_simple(host, port, cast(Any, current_app)._get_current_object(), threaded=True)


def main() -> None:
    cli(prog_name="buengobierno")
