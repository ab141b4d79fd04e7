"""`buengobierno users export` and `users import FILE.csv`: UTF-8 with BOM, Spanish headers,
a dry run, and all or nothing: every bad row is named with its line and no row is imported."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine as DatabaseEngine
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.people.accounts import authenticate
from storage.models import DirectoryChange, User
from tests.integration.test_cli import run  # noqa: F401  # the CLI fixture `cli` builds on


@pytest.fixture
def cli(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """`buengobierno` on a database initialised with the demo directory (test_cli's `run`)."""
    return request.getfixturevalue("run")


HEADER = "usuario;nombre;correo;cargo;grupos;coordina;activo\n"
GOOD = "maria.gomez;María Gómez;maria.gomez@cali.gov.co;Subsecretaria;dagjp,orc;dagjp;sí\n"


def _file(tmp_path: Path, text: str, encoding: str = "utf-8-sig") -> str:
    path = tmp_path / "usuarios.csv"
    path.write_text(text, encoding=encoding)
    return str(path)


def _user(database: DatabaseEngine, username: str) -> User | None:
    with Session(database) as session:
        user = session.scalars(select(User).where(User.username == username)).first()
        if user is not None:
            session.expunge(user)
        return user


def test_the_export_is_excel_csv_and_importing_it_back_changes_nothing(
    cli, database, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    exported = tmp_path / "exportados.csv"
    assert cli("users", "export", "-o", str(exported)).exit_code == 0
    data = exported.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfusuario;nombre;correo;cargo;grupos;coordina;activo\r\n")
    text = data.decode("utf-8-sig")
    assert (
        "despacho;Profesional Despacho de Gobierno;despacho@cali.gov.co;;despacho_gobierno;despacho_gobierno;sí"
        in text
    )
    result = cli("users", "import", str(exported))
    assert result.exit_code == 0, result.output
    assert "0 nuevo, 0 actualizado, 17 sin cambios" in result.output
    with Session(database) as session:
        assert (
            session.scalars(
                select(DirectoryChange.id).where(DirectoryChange.action == "user_imported")
            ).all()
            == []
        )


def test_bad_rows_are_each_named_by_line_and_nothing_is_imported(cli, database, tmp_path) -> None:  # type: ignore[no-untyped-def]
    text = (
        HEADER + GOOD
        + "Pedro;Pedro Pérez;;;orc;;\n"
        + "ana;;ana@cali.gov.co;;orc;;\n"
        + "luis;Luis;luis-arroba;;no_existe;;\n"
        + "maria.gomez;Otra María;;;orc;;\n"
        + "rosa;Rosa;;;orc;hacienda;quizás\n"
    )  # fmt: skip
    result = cli("users", "import", _file(tmp_path, text))
    assert result.exit_code != 0
    lines = result.output.splitlines()
    assert "usuarios.csv, línea 7: activo debe ser «sí» o «no», no «quizás»" in lines
    assert lines[-1] == "no se importó ninguna fila"
    assert _user(database, "maria.gomez") is None
    fixed = text.replace("quizás", "no")
    result = cli("users", "import", _file(tmp_path, fixed))
    lines = result.output.splitlines()
    assert [line for line in lines if "línea" in line] == [
        "usuarios.csv, línea 3: Pedro: usuario: use minúsculas, dígitos, punto, guion (2 a 80)",
        "usuarios.csv, línea 4: ana: nombre: este campo es obligatorio",
        "usuarios.csv, línea 5: luis: correo: «luis-arroba» no es un correo electrónico",
        "usuarios.csv, línea 6: maria.gomez: usuario repetido (ya está en la línea 2)",
        "usuarios.csv, línea 7: rosa: coordina: coordina grupos a los que no pertenece: hacienda",
    ]
    assert _user(database, "maria.gomez") is None


def test_a_dry_run_reports_each_row_and_writes_nothing(cli, database, tmp_path) -> None:  # type: ignore[no-untyped-def]
    text = HEADER + GOOD + "despacho2;Contratista;;Abogado;despacho_gobierno;;sí\n"
    result = cli("users", "import", "--dry-run", _file(tmp_path, text))
    assert result.exit_code == 0, result.output
    assert "línea 2\tmaria.gomez\tnuevo" in result.output
    assert "línea 3\tdespacho2\tactualizado" in result.output
    assert "simulación, nada se guardó: 1 nuevo, 1 actualizado, 0 sin cambios" in result.output
    assert _user(database, "maria.gomez") is None
    despacho2 = _user(database, "despacho2")
    assert despacho2 is not None and despacho2.position == ""


def test_imported_users_have_no_local_password_and_changes_are_audited(
    cli, database, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    text = (
        HEADER + GOOD + "despacho2,x;Contratista;;Abogado;despacho_gobierno;;no\n".replace(",x", "")
    )
    result = cli("users", "import", _file(tmp_path, text))
    assert result.exit_code == 0, result.output
    assert "importado: 1 nuevo, 1 actualizado, 0 sin cambios" in result.output
    with Session(database) as session:
        assert authenticate(session, "maria.gomez", "") is None
        maria = session.scalars(select(User).where(User.username == "maria.gomez")).one()
        assert sorted(m.group.code for m in maria.memberships) == ["dagjp", "orc"]
        changes = session.scalars(
            select(DirectoryChange)
            .where(DirectoryChange.action == "user_imported")
            .order_by(DirectoryChange.id)
        ).all()
        assert [(c.subject, c.actor) for c in changes] == [
            ("usuario:maria.gomez", "admin"),
            ("usuario:despacho2", "admin"),
        ]
        assert changes[1].before and changes[1].before["active"] is True
        assert changes[1].after and (changes[1].after["active"], changes[1].after["position"]) == (
            False,
            "Abogado",
        )
    despacho2 = _user(database, "despacho2")
    assert despacho2 is not None and despacho2.session_generation == 1


def test_a_file_without_the_columns_or_not_in_utf8_is_refused(cli, database, tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = cli("users", "import", _file(tmp_path, "usuario,name\nmaria.gomez,María\n"))
    assert result.exit_code != 0
    assert (
        "línea 1: faltan las columnas nombre, correo, cargo, grupos, coordina; columnas desconocidas: name"
        in result.output
    )
    latin = cli("users", "import", _file(tmp_path, HEADER + GOOD, encoding="latin-1"))
    assert latin.exit_code != 0 and "no está en UTF-8" in latin.output
    assert _user(database, "maria.gomez") is None


def test_only_administrators_import(cli, database, tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = cli("users", "import", "--as", "despacho", _file(tmp_path, HEADER + GOOD))
    assert result.exit_code == 4 and "solo administradores" in result.output
    assert _user(database, "maria.gomez") is None
