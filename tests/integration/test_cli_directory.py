"""`buengobierno users` and `organisms`: administrators manage the directory without a
programmer; each change is audited, others are refused, bad input changes nothing."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine as DatabaseEngine
from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import DirectoryChange, Group, User
from tests.conftest import BPMN
from tests.integration.test_cli import run  # noqa: F401  # the CLI fixture `cli` builds on


@pytest.fixture
def cli(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """`buengobierno` on a database initialised with the demo directory (test_cli's `run`)."""
    return request.getfixturevalue("run")


PASSWORD = "Una clave larga de prueba 7"
NEW_USER = (
    "users", "add", "maria.gomez", "--name", "María Gómez", "--email", "maria.gomez@cali.gov.co",
    "--position", "Subsecretaria de Gestión Jurídica", "--groups", "dagjp",
    "--coordinates", "dagjp", "--password", PASSWORD,
)  # fmt: skip


def _changes(database: DatabaseEngine, subject: str) -> list[DirectoryChange]:
    with Session(database) as session:
        return list(
            session.scalars(
                select(DirectoryChange)
                .where(DirectoryChange.subject == subject)
                .order_by(DirectoryChange.id)
            )
        )


def test_an_administrator_adds_a_user_with_groups_and_it_is_audited(cli, database) -> None:  # type: ignore[no-untyped-def]
    result = cli(*NEW_USER)
    assert result.exit_code == 0, result.output
    listed = cli("users", "list").output
    assert "maria.gomez\tMaría Gómez\tSubsecretaria de Gestión Jurídica\tdagjp*\tactivo" in listed
    [change] = _changes(database, "usuario:maria.gomez")
    assert (change.actor, change.action, change.before) == ("admin", "user_added", None)
    assert change.after and change.after["groups"] == ["dagjp"]
    assert "password" not in json.dumps(change.after)


def test_only_administrators_change_the_directory(cli, database) -> None:  # type: ignore[no-untyped-def]
    result = cli(*NEW_USER[:-2], "--password", PASSWORD, "--as", "despacho")
    assert result.exit_code == 4
    assert "solo administradores" in result.output
    with Session(database) as session:
        assert session.scalars(select(User).where(User.username == "maria.gomez")).first() is None


def test_bad_input_is_refused_with_its_field_and_changes_nothing(cli, database) -> None:  # type: ignore[no-untyped-def]
    unknown_group = cli(*NEW_USER[:9], "--groups", "tesoreria", "--password", PASSWORD)
    assert unknown_group.exit_code == 7
    assert "grupos desconocidos: tesoreria" in unknown_group.output
    weak = cli(*NEW_USER[:-1], "corta")
    assert weak.exit_code == 7
    assert cli("users", "add", "salud", "--name", "X", "--email", "x@cali.gov.co",
               "--password", PASSWORD).exit_code == 5  # fmt: skip
    assert _changes(database, "usuario:maria.gomez") == []


def test_set_groups_records_before_and_after(cli, database) -> None:  # type: ignore[no-untyped-def]
    result = cli("users", "set-groups", "delegada", "--groups", "secretaria_cultura,orc")
    assert result.exit_code == 0, result.output
    [change] = _changes(database, "usuario:delegada")
    assert change.before and change.before["groups"] == ["secretaria_cultura"]
    assert change.after and change.after["groups"] == ["orc", "secretaria_cultura"]


def test_a_user_who_leaves_is_deactivated_and_their_open_tasks_are_listed(cli, database) -> None:  # type: ignore[no-untyped-def]
    assert cli("deploy", str(BPMN / "P001_delegaciones.bpmn")).exit_code == 0
    data = {"instancia": "Junta", "asunto": "Sesión", "fecha_sesion": "2026-12-04",
            "tipo_delegacion": "puntual"}  # fmt: skip
    cli("start", "P001", "--as", "despacho", "--data", json.dumps(data))
    task_id = json.loads(cli("tasks", "--as", "despacho2", "--json").output)[0]["id"]
    assert cli("claim", str(task_id), "--as", "despacho2").exit_code == 0

    result = cli("users", "deactivate", "despacho2")
    assert result.exit_code == 0, result.output
    assert f"tareas abiertas para reasignar: {task_id}" in result.output
    with Session(database) as session:
        user = session.scalars(select(User).where(User.username == "despacho2")).one()
        assert not user.active  # kept, not deleted
    assert "despacho2" not in cli("users", "list").output
    assert "despacho2" in cli("users", "list", "--all").output


def test_a_user_who_comes_back_is_reactivated_and_it_is_audited(cli, database) -> None:  # type: ignore[no-untyped-def]
    assert cli("users", "deactivate", "delegada").exit_code == 0
    result = cli("users", "reactivate", "delegada")
    assert result.exit_code == 0, result.output
    assert "usuario delegada reactivado" in result.output
    assert "delegada" in cli("users", "list").output
    changes = _changes(database, "usuario:delegada")
    assert [c.action for c in changes] == ["user_deactivated", "user_reactivated"]
    assert changes[1].before and changes[1].after
    assert (changes[1].before["active"], changes[1].after["active"]) == (False, True)
    again = cli("users", "reactivate", "delegada")
    assert again.exit_code == 5 and "ya está activo" in again.output
    refused = cli("users", "reactivate", "delegada", "--as", "orc")
    assert refused.exit_code == 4


def test_reset_password_is_audited_without_the_password(cli, database) -> None:  # type: ignore[no-untyped-def]
    result = cli("users", "reset-password", "salud", "--password", PASSWORD)
    assert result.exit_code == 0, result.output
    [change] = _changes(database, "usuario:salud")
    assert (change.action, change.before, change.after) == ("password_reset", None, None)


def test_organisms_are_added_renamed_and_deactivated_with_their_history(cli, database) -> None:  # type: ignore[no-untyped-def]
    added = cli("organisms", "add", "uae_catastro", "--name", "Unidad de Catastro",
                "--category", "unidad_administrativa_especial")  # fmt: skip
    assert added.exit_code == 0, added.output
    assert cli("organisms", "rename", "uae_catastro", "--name", "Unidad Administrativa Especial de Catastro").exit_code == 0  # fmt: skip
    merged = cli("organisms", "deactivate", "uae_catastro", "--merged-into", "hacienda")
    assert merged.exit_code == 0, merged.output
    assert "uae_catastro\tUnidad Administrativa Especial de Catastro\torganism\tunidad_administrativa_especial\tinactivo (fusionado en hacienda)" in cli("organisms", "list").output  # fmt: skip
    with Session(database) as session:
        group = session.scalars(select(Group).where(Group.code == "uae_catastro")).one()
        assert [row.name for row in group.former_names] == ["Unidad de Catastro"]
    actions = [c.action for c in _changes(database, "grupo:uae_catastro")]
    assert actions == ["group_added", "group_updated", "group_updated"]


def test_an_organism_with_an_unknown_category_is_refused(cli, database) -> None:  # type: ignore[no-untyped-def]
    result = cli("organisms", "add", "x_y", "--name", "X")
    assert result.exit_code == 7
    assert "categoria" in result.output
