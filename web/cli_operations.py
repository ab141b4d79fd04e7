"""Operations commands: audit (verify, export, compliance), scenarios, incidents."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from engine import ValidationError, exit_code_for, incidents, retry_incident
from engine.audit.export_check import verify_export
from engine.audit.indicators import Filters, compliance
from engine.audit.quality import export_csv, export_xes
from web.cli_support import current_engine, engine_command
from web.engine_app import PROCESSES_DIRECTORY
from web.scratch import run_scenarios_in_scratch_database

SCENARIOS_DIRECTORY = PROCESSES_DIRECTORY / "scenarios"


@click.group()
def audit() -> None:
    """Auditoría: verificación de la cadena de eventos."""


@audit.command("verify")
@click.argument("case", required=False)
@engine_command
def audit_verify(case: str | None) -> None:
    """Verifica la cadena de auditoría de un caso o de todos, contra el último punto de control."""
    report = current_engine().audit_report(case)
    for link in report.broken:
        click.echo(f"error: cadena rota en {link}", err=True)
    if report.checkpoint.state == "tampered":
        click.echo(f"error: {report.checkpoint}", err=True)
    elif report.checkpoint.state != "verified":
        click.echo(f"advertencia: {report.checkpoint}", err=True)
    if not report.ok:
        sys.exit(9)
    click.echo(
        "cadena de auditoría íntegra"
        + ("" if report.checkpoint.state == "verified" else " (punto de control sin comprobar)")
    )


@audit.command("verify-export")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def audit_verify_export(file: Path) -> None:
    """Verifica sin base de datos la cadena de una traza exportada en CSV (audit export)."""
    try:
        report = verify_export(file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValidationError) as error:
        click.echo(f"error: {file}: {error}", err=True)
        sys.exit(exit_code_for(ValidationError({})))
    for link in report.broken:
        click.echo(f"error: cadena rota en {link}", err=True)
    if not report.ok:
        sys.exit(9)
    click.echo(
        f"{file}: {report.events} eventos de {report.cases} casos; todas las cadenas enlazan "
        "(compare la última cabeza de cada caso con un punto de control para descartar un corte)"
    )
    for key, (seq, head) in sorted(report.heads.items()):
        click.echo(f"    {key} #{seq} {head}")


@audit.command("checkpoint")
@engine_command
def audit_checkpoint() -> None:
    """Sella la cabeza de la cadena de cada caso con la clave de auditoría (HMAC-SHA256)."""
    sealed = current_engine().checkpoint_audit()
    assert sealed is not None
    click.echo(f"punto de control #{sealed.id}: {sealed.cases} casos sellados")


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
    with current_engine().sessions() as session:
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
@click.option("--json", "as_json", is_flag=True, help="Cifras y casos en JSON.")
@click.option("--from", "start", default=None, help="Desde (AAAA-MM-DD, inclusive).")
@click.option("--to", "end", default=None, help="Hasta (AAAA-MM-DD, inclusive).")
@click.option("--procedure", default=None, help="Solo este procedimiento (p. ej. P003).")
@click.option("--organism", default=None, help="Solo este organismo (código de grupo).")
@click.option("--version", "version", default=None, help="Solo esta versión del procedimiento.")
@engine_command
def audit_compliance(
    as_json: bool,
    start: str | None,
    end: str | None,
    procedure: str | None,
    organism: str | None,
    version: str | None,
) -> None:
    """Cifras de cumplimiento de las cuatro políticas de operación, con los casos detrás."""
    filters = Filters.parse(start, end, procedure, organism, version)
    with current_engine().sessions() as session:
        indicators = compliance(session, current_engine().clock.now(), filters)
    if as_json:
        click.echo(json.dumps([i.as_json() for i in indicators], ensure_ascii=False, indent=2))
        return
    for indicator in indicators:
        percent = (
            "-"
            if indicator.percent is None
            else f"{indicator.percent:.1f}".replace(".", ",") + " %"
        )
        click.echo(
            f"Política {indicator.policy}: {indicator.compliant} de {indicator.measured} "
            f"({percent}), {indicator.pending} pendientes. {indicator.title}"
        )
        for bucket in indicator.buckets:
            if bucket.items:
                keys = ", ".join(sorted({i.business_key for i in bucket.items}))
                click.echo(f"    {bucket.label}: {len(bucket.items)} ({keys})")


@click.group()
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


@click.group("incidents")
def incidents_group() -> None:
    """Incidentes: trabajos que agotaron sus reintentos."""


@incidents_group.command("list")
@click.option("--as", "actor", required=True, help="Un administrador.")
@engine_command
def incidents_list(actor: str) -> None:
    """Lista los incidentes abiertos (solo administradores)."""
    for incident in incidents(current_engine(), actor):
        click.echo(
            f"{incident.job_id}\t{incident.business_key}\t{incident.element}\t{incident.attempts} intentos\t{incident.error}"
        )


@incidents_group.command("retry")
@click.argument("job", type=int)
@click.option("--as", "actor", required=True, help="Un administrador.")
@engine_command
def incidents_retry(job: int, actor: str) -> None:
    """Reintenta un incidente (el próximo paso del worker lo ejecuta)."""
    retry_incident(current_engine(), job, actor)
    click.echo(f"incidente {job} reprogramado")
