"""The `buengobierno` command line as an operator uses it: one line per error, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from flask import Flask
from flask.cli import ScriptInfo
from sqlalchemy import Engine as DatabaseEngine
from sqlalchemy import text

from tests.conftest import BPMN
from web.app import create_app
from web.cli import cli


@pytest.fixture
def run(database: DatabaseEngine, tmp_path: Path):  # type: ignore[no-untyped-def]
    url = database.url.render_as_string(hide_password=False)
    schema = _search_path(database) if database.dialect.name == "postgresql" else None
    app = create_app({"DATABASE_URL": url, "DATABASE_SCHEMA": schema}, require_secret=False)
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(cli, list(args), obj=_script_info(app), catch_exceptions=False)

    assert invoke("init", "--demo").exit_code == 0
    return invoke


def _search_path(database: DatabaseEngine) -> str:
    with database.connect() as connection:
        return str(connection.exec_driver_sql("SHOW search_path").scalar())


def _script_info(app: Flask) -> ScriptInfo:
    return ScriptInfo(create_app=lambda: app)


def test_validate_accepts_every_procedure_in_processes(run) -> None:  # type: ignore[no-untyped-def]
    result = run("validate", str(BPMN))
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "ok"


def test_deploy_names_who_deploys_and_an_administrator_lists_incidents(run) -> None:  # type: ignore[no-untyped-def]
    deployed = run("deploy", str(BPMN / "P001_delegaciones.bpmn"), "--as", "analista")
    assert deployed.exit_code == 0, deployed.output
    assert deployed.output.strip() == "P001 v1 (nueva versión)"
    listed = run("incidents", "list", "--as", "admin")
    assert listed.exit_code == 0, listed.output
    assert listed.output == ""


def test_start_complete_and_list_tasks_through_the_cli(run) -> None:  # type: ignore[no-untyped-def]
    assert run("deploy", str(BPMN / "P001_delegaciones.bpmn")).exit_code == 0
    data = {
        "instancia": "Consejo de Seguridad",
        "asunto": "Sesión",
        "fecha_sesion": "2026-12-04",
        "tipo_delegacion": "puntual",
    }
    started = run("start", "P001", "--as", "despacho", "--data", json.dumps(data))
    assert started.exit_code == 0, started.output
    key = started.output.strip()
    assert key.startswith("P001-") and key.endswith("-00001")

    listed = json.loads(run("tasks", "--as", "despacho", "--json").output)
    assert [(t["case"], t["element"], t["group"]) for t in listed] == [
        (key, "proponer_delegado", "despacho_gobierno")
    ]
    assert set(listed[0]) >= {"id", "case", "element", "name", "group", "assignee", "due"}
    task_id = str(listed[0]["id"])

    assert run("claim", task_id, "--as", "despacho").exit_code == 0
    done = run(
        "complete",
        task_id,
        "--as",
        "despacho",
        "--data",
        '{"delegado": "delegada", "cargo_delegado": "Subsecretaria"}',
    )
    assert done.exit_code == 0, done.output
    assert run("tasks", "--as", "despacho", "--json").output.strip() == "[]"
    assert run("audit", "verify", key).exit_code == 0


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("start", "P999", "--as", "despacho"), 3, "no está desplegado"),
        (("start", "P001", "--as", "nadie"), 3, "usuario 'nadie' no existe"),
        (("start", "P001", "--as", "salud", "--data", "{}"), 4, "no puede iniciar"),
        (("start", "P001", "--as", "despacho", "--data", "{}"), 7, "instancia"),
        (("complete", "999", "--as", "despacho", "--data", "{}"), 3, "no existe"),
        (("cancel", "P001-2026-09999", "--as", "admin", "--reason", "x"), 3, "no existe"),
        (("deploy", str(BPMN), "--as", "despacho"), 4, "no puede desplegar procedimientos"),
        (("deploy", str(BPMN), "--as", "nadie"), 3, "usuario 'nadie' no existe"),
        (("incidents", "list", "--as", "despacho"), 4, "no puede ver ni reintentar incidentes"),
        (("incidents", "retry", "1", "--as", "analista"), 4, "solo administradores"),
        (("incidents", "retry", "1", "--as", "admin"), 3, "el trabajo 1 no existe"),
    ],
)
def test_errors_are_one_line_on_stderr_with_an_exit_code(run, args, code, message) -> None:  # type: ignore[no-untyped-def]
    run("deploy", str(BPMN / "P001_delegaciones.bpmn"))
    result = run(*args)
    assert result.exit_code == code
    assert len(result.stderr.strip().splitlines()) == 1
    assert message in result.stderr
    assert result.stdout == ""


def test_audit_checkpoint_and_verify_through_the_cli(run, monkeypatch, database) -> None:  # type: ignore[no-untyped-def]
    run("deploy", str(BPMN / "P001_delegaciones.bpmn"))
    data = json.dumps(
        {
            "instancia": "Consejo de Seguridad",
            "asunto": "Sesión",
            "fecha_sesion": "2026-12-04",
            "tipo_delegacion": "puntual",
        }
    )
    key = run("start", "P001", "--as", "despacho", "--data", data).output.strip()
    monkeypatch.delenv("BUENGOBIERNO_AUDIT_KEY", raising=False)
    monkeypatch.delenv("BUENGOBIERNO_AUDIT_KEY_FILE", raising=False)
    refused = run("audit", "checkpoint")
    assert refused.exit_code == 2 and "no hay clave de auditoría" in refused.stderr

    monkeypatch.setenv("BUENGOBIERNO_AUDIT_KEY", "k" * 40)
    sealed = run("audit", "checkpoint")
    assert sealed.exit_code == 0, sealed.output
    assert sealed.stdout.strip() == "punto de control #1: 1 casos sellados"
    verified = run("audit", "verify")
    assert verified.exit_code == 0 and verified.stdout.strip() == "cadena de auditoría íntegra"
    assert verified.stderr == ""

    monkeypatch.delenv("BUENGOBIERNO_AUDIT_KEY")
    unchecked = run("audit", "verify")
    assert unchecked.exit_code == 0
    assert "advertencia: el punto de control #1" in unchecked.stderr
    assert "no se pudo comprobar" in unchecked.stderr
    assert "(punto de control sin comprobar)" in unchecked.stdout

    monkeypatch.setenv("BUENGOBIERNO_AUDIT_KEY", "k" * 40)
    with database.begin() as connection:  # truncate the chain and rewind the head
        last_seq, prev = connection.execute(
            text("SELECT seq, prev_hash FROM audit_events ORDER BY seq DESC LIMIT 1")
        ).one()
        connection.execute(text("DELETE FROM audit_events WHERE seq = :s"), {"s": last_seq})
        connection.execute(
            text("UPDATE cases SET audit_seq = :s, audit_head = :h"), {"s": last_seq - 1, "h": prev}
        )
    broken = run("audit", "verify")
    assert broken.exit_code == 9
    assert f"error: cadena rota en {key} evento #{last_seq}: la cadena retrocedió" in broken.stderr

    with database.begin() as connection:
        connection.execute(text("UPDATE audit_checkpoints SET heads = '[]'"))
    tampered = run("audit", "verify")
    assert tampered.exit_code == 9
    assert "error: el punto de control #1" in tampered.stderr and "fue alterado" in tampered.stderr


def test_audit_compliance_prints_each_policy_with_its_cases_as_json(run) -> None:  # type: ignore[no-untyped-def]
    assert run("deploy", str(BPMN)).exit_code == 0
    result = run("audit", "compliance", "--json", "--from", "2026-01-01", "--to", "2026-12-31")
    assert result.exit_code == 0, result.output
    figures = {f["policy"]: f for f in json.loads(result.output)}
    assert sorted(figures) == ["1", "2", "3", "4"]
    assert set(figures["3"]["cases"]) == {"compliant", "non_compliant", "pending", "info"}
    refused = run("audit", "compliance", "--from", "2026-12-31", "--to", "2026-01-01")
    assert refused.exit_code != 0
    assert "el periodo termina antes de empezar" in refused.output


def test_an_exported_trail_is_verified_from_the_file_alone(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert run("deploy", str(BPMN / "P001_delegaciones.bpmn")).exit_code == 0
    started = run("start", "P001", "--as", "despacho", "--data", json.dumps(
        {"instancia": "Junta", "asunto": "Sesión", "fecha_sesion": "2026-12-04",
         "tipo_delegacion": "puntual"}))  # fmt: skip
    assert started.exit_code == 0, started.output
    exported = tmp_path / "traza.csv"
    assert run("audit", "export", "--output", str(exported)).exit_code == 0
    verified = run("audit", "verify-export", str(exported))
    assert verified.exit_code == 0, verified.output
    assert "todas las cadenas enlazan" in verified.output
    exported.write_text(exported.read_text(encoding="utf-8").replace(",despacho,", ",intruso,", 1))
    tampered = run("audit", "verify-export", str(exported))
    assert tampered.exit_code == 9
    assert "su contenido fue modificado" in tampered.output
