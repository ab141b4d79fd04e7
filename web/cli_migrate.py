"""`buengobierno migrate`: move running cases to another version of their procedure."""

from __future__ import annotations

import json
import sys

import click

from engine import Conflict, exit_code_for
from web.cli_support import current_engine, engine_command


@click.command()
@click.argument("key")
@click.option("--to", "to_version", required=True, type=int, help="Versión de destino.")
@click.option(
    "--from", "from_version", type=int, default=None, help="Solo los casos de esta versión."
)
@click.option("--case", "cases", multiple=True, help="Solo este caso (se puede repetir).")
@click.option(
    "--dry-run", is_flag=True, help="Solo revisa: dice qué casos se migrarían y por qué no."
)
@click.option("--as", "actor", default="admin", show_default=True, help="Analista o administrador.")
@click.option("--json", "as_json", is_flag=True)
@engine_command
def migrate(
    key: str,
    to_version: int,
    from_version: int | None,
    cases: tuple[str, ...],
    dry_run: bool,
    actor: str,
    as_json: bool,
) -> None:
    """Migra los casos en curso del procedimiento KEY a la versión --to.

    Cada caso se revisa y se migra por separado; un caso rechazado no cambia. Termina con
    código 5 si algún caso fue (o sería) rechazado.
    """
    engine = current_engine()
    run = engine.check_migration if dry_run else engine.migrate
    report = run(key, to_version, actor, from_version=from_version, cases=cases)
    if as_json:
        click.echo(json.dumps(report.summary(), ensure_ascii=False, indent=2))
    else:
        verb = "se migraría" if dry_run else "migrado"
        for case in report.cases:
            if case.migratable:
                click.echo(f"{verb}\t{case.business_key}\tv{case.from_version} → v{to_version}")
            else:
                click.echo(f"rechazado\t{case.business_key}\t{'; '.join(case.refusals)}")
        done = "se migrarían" if dry_run else "migrados"
        click.echo(f"{len(report.migrated)} casos {done}, {len(report.refused)} rechazados")
    if report.refused:
        sys.exit(exit_code_for(Conflict("")))
