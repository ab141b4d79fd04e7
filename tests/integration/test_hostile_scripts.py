"""A deployed script can neither escape nor exhaust the server: the linter refuses what the
sandbox would refuse, and a script over its limits becomes a clear incident that writes nothing."""

from __future__ import annotations

import shutil
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from sqlalchemy import func, select

from engine import Engine, Incident, InvalidDefinition
from storage.models import Case, Definition
from tests.helpers import open_elements

DATA = Path(__file__).resolve().parent.parent / "data"
SANDBOX = DATA / "bpmn" / "SANDBOX.bpmn"
ORIGINAL_SCRIPT = 'resultado = len("calculado")'


def _diagram(tmp_path: Path, script: str) -> Path:
    folder = tmp_path / "bpmn"
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copytree(DATA / "forms", tmp_path / "forms", dirs_exist_ok=True)
    path = folder / "SANDBOX.bpmn"
    text = SANDBOX.read_text(encoding="utf-8")
    path.write_text(text.replace(ORIGINAL_SCRIPT, escape(script)), encoding="utf-8")
    return path


ESCAPES = [
    "(x for x in [1]).gi_frame.f_back.f_back.f_globals['sys'].modules['os'].system('id')",
    "clave = '{0.__globals__}'.format(today)",
    "clave = [c for c in ().__class__.__base__.__subclasses__()]",
    "import os\nos.system('id')",
    "clave = getattr(today, 'x')",
]


@pytest.mark.parametrize("script", ESCAPES)
def test_an_escaping_script_is_refused_at_deploy(
    engine: Engine, tmp_path: Path, script: str
) -> None:
    with pytest.raises(InvalidDefinition, match=r"(?s)elemento 'calcular'.*no está permitido"):
        engine.deploy([_diagram(tmp_path, script)], "analista")
    with engine.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Definition)) == 0


@pytest.mark.parametrize(
    ("script", "message"),
    [
        ("resultado = sum(range(10000000000))", "el guion superó el límite de tiempo de"),
        ("resultado = 'a' * 6000000000", "el guion superó el límite de memoria de 256 MB"),
    ],
)
def test_a_script_over_its_limits_is_a_clear_incident_and_starts_nothing(
    engine: Engine, tmp_path: Path, script: str, message: str
) -> None:
    engine.deploy([_diagram(tmp_path, script)], "analista")
    with pytest.raises(Incident, match=message):
        engine.start("SANDBOX", "despacho", {})
    with engine.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 0


def test_an_ordinary_script_runs(engine: Engine, tmp_path: Path) -> None:
    engine.deploy([_diagram(tmp_path, ORIGINAL_SCRIPT)], "analista")
    key = engine.start("SANDBOX", "despacho", {})
    assert open_elements(engine, key) == ["responder"]
    with engine.sessions() as session:
        case = session.scalars(select(Case).where(Case.business_key == key)).one()
        assert case.data["resultado"] == 9


def test_a_form_field_that_would_shadow_a_function_is_refused_at_deploy(
    engine: Engine, tmp_path: Path
) -> None:
    path = _diagram(tmp_path, ORIGINAL_SCRIPT)
    form = tmp_path / "forms" / "TIMERS.respuesta.schema.json"
    form.write_text(
        '{"type": "object", "properties": {"respuesta": {"type": "string"},'
        ' "today": {"type": "string"}}}',
        encoding="utf-8",
    )
    with pytest.raises(
        InvalidDefinition, match="el campo 'today' usa un nombre reservado de las expresiones"
    ):
        engine.deploy([path], "analista")
