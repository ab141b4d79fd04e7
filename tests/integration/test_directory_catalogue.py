"""The Alcaldía's organisms and roles come from a data file that init loads, never deletes,
and whose renames and mergers keep the organism's history."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import Engine as DatabaseEngine
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engine import Engine, ValidationError
from engine.people.administration import sync_catalogue
from engine.people.catalogue import CATALOGUE
from storage.models import DirectoryChange, Group, GroupFormerName
from web.app import create_app
from web.cli import cli

ORGANISMS_THE_ISSUE_NAMES = {
    "despacho_alcalde", "despacho_gobierno", "secretaria_seguridad_justicia", "secretaria_salud",
    "secretaria_educacion", "secretaria_cultura", "secretaria_bienestar_social",
    "secretaria_desarrollo_economico", "secretaria_movilidad", "secretaria_infraestructura",
    "secretaria_vivienda", "secretaria_deporte", "secretaria_participacion",
    "secretaria_gestion_riesgo", "secretaria_paz", "secretaria_turismo", "planeacion",
    "hacienda", "dagjp", "dagma", "dadii", "datic", "control_interno", "control_disciplinario",
    "contratacion_publica", "orc", "oficina_comunicaciones",
}  # fmt: skip
ROLES = {
    "secretario_gobierno",
    "comite_proyectos_acuerdo",
    "calidad",
    "analistas",
    "administradores",
}


def _catalogue(tmp_path: Path, edit: Any) -> Path:
    document = json.loads(CATALOGUE.read_text(encoding="utf-8"))
    edit(document)
    path = tmp_path / "organismos.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def _organism(document: dict[str, Any], code: str) -> dict[str, Any]:
    return next(o for o in document["organisms"] if o["code"] == code)


def test_init_loads_every_organism_and_role_of_the_catalogue(database: DatabaseEngine) -> None:
    url = database.url.render_as_string(hide_password=False)
    schema = None
    if database.dialect.name == "postgresql":
        with database.connect() as connection:
            schema = str(connection.exec_driver_sql("SHOW search_path").scalar())
    app = create_app({"DATABASE_URL": url, "DATABASE_SCHEMA": schema}, require_secret=False)
    result = CliRunner().invoke(
        cli, ["init", "--admin-password", "Una clave larga de prueba 7"],
        obj=ScriptInfo(create_app=lambda: app),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "34 nuevos" in result.output
    with Session(database) as session:
        groups = {g.code: g for g in session.scalars(select(Group))}
        changes = session.scalars(select(DirectoryChange.subject)).all()
    assert {c for c, g in groups.items() if g.kind == "organism"} >= ORGANISMS_THE_ISSUE_NAMES
    assert {c for c, g in groups.items() if g.kind == "role"} >= ROLES
    assert groups["dagma"].category == "departamento_administrativo"
    assert groups["secretaria_turismo"].active
    assert "grupo:dagma" in changes  # who loaded the catalogue, and when, is on record


def test_a_rename_keeps_the_former_name_and_records_before_and_after(
    engine: Engine, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    renamed = _catalogue(
        tmp_path, lambda d: _organism(d, "orc").update(name="Oficina de Cooperación Internacional")
    )
    loaded = sync_catalogue(engine, "admin", renamed)
    assert (loaded.added, loaded.renamed, loaded.deactivated) == (0, 1, 0)
    with sessions() as session:
        orc = session.scalars(select(Group).where(Group.code == "orc")).one()
        former = [row.name for row in orc.former_names]
        change = session.scalars(
            select(DirectoryChange).where(DirectoryChange.subject == "grupo:orc")
        ).one()
    assert orc.name == "Oficina de Cooperación Internacional"
    assert former == ["Oficina de Relaciones y Cooperación"]
    assert change.actor == "admin" and change.action == "group_updated"
    assert change.before and change.before["name"] == "Oficina de Relaciones y Cooperación"
    assert change.after and change.after["name"] == "Oficina de Cooperación Internacional"


def test_a_merged_organism_becomes_inactive_and_names_its_successor(
    engine: Engine, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    merged = _catalogue(
        tmp_path, lambda d: _organism(d, "secretaria_turismo").update(merged_into="secretaria_desarrollo_economico")
    )  # fmt: skip
    assert sync_catalogue(engine, "admin", merged).deactivated == 1
    with sessions() as session:
        turismo = session.scalars(select(Group).where(Group.code == "secretaria_turismo")).one()
    assert not turismo.active
    assert turismo.merged_into == "secretaria_desarrollo_economico"


def test_an_organism_left_out_of_the_file_is_never_deleted(
    engine: Engine, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    def drop_dagma(document: dict[str, Any]) -> None:
        document["organisms"] = [o for o in document["organisms"] if o["code"] != "dagma"]

    sync_catalogue(engine, "admin", _catalogue(tmp_path, drop_dagma))
    with sessions() as session:
        assert session.scalars(select(Group).where(Group.code == "dagma")).one().active


def test_the_shipped_former_names_are_kept(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        names = set(session.scalars(select(GroupFormerName.name)))
    assert "Secretaría de Tránsito y Transporte" in names


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (lambda d: d["organisms"].append({"code": "orc", "name": "Otra", "category": "oficina"}), "catalogo"),
        (lambda d: d["organisms"].append({"code": "x", "name": "X", "category": "ministerio"}), "organisms.29"),
        (lambda d: _organism(d, "dagma").update(merged_into="no_existe"), "catalogo"),
    ],
)  # fmt: skip
def test_a_malformed_catalogue_is_refused_whole(
    engine: Engine, sessions: sessionmaker[Session], tmp_path: Path, edit: Any, field: str
) -> None:
    with sessions() as session:
        before = session.scalars(select(Group.code)).all()
    with pytest.raises(ValidationError) as refused:
        sync_catalogue(engine, "admin", _catalogue(tmp_path, edit))
    assert field in refused.value.field_errors
    with sessions() as session:
        assert session.scalars(select(Group.code)).all() == before
