"""The Spanish (es_CO) texts of the web layer are marked for translation: Babel extracts them.

es_CO is the source language, so each msgid is the Spanish text the page shows; a string that
stops being marked (plain text again in a template, a bare literal in a view) fails here.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg

ROOT = Path(__file__).resolve().parents[2]
# As `pybabel extract -k _l`: web modules import flask_babel.lazy_gettext as `_l`.
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None}


def _only_web(dirpath: str) -> bool:
    relative = Path(dirpath).resolve().relative_to(ROOT)
    return relative == Path(".") or relative.parts[0] == "web"


@pytest.fixture(scope="module")
def extracted() -> dict[str, set[str]]:
    """Each extracted msgid (plural forms too) and the files it comes from."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg, str(ROOT / "babel.cfg"))
    messages: dict[str, set[str]] = {}
    for filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS, directory_filter=_only_web
    ):
        for msgid in message if isinstance(message, tuple) else (message,):
            if msgid:
                messages.setdefault(msgid, set()).add(filename)
    return messages


def test_the_cfg_maps_python_views_and_jinja_templates() -> None:
    with (ROOT / "babel.cfg").open(encoding="utf-8") as cfg:
        method_map, _options = parse_mapping_cfg(cfg, "babel.cfg")
    assert ("web/**.py", "python") in method_map
    assert ("web/templates/**.html", "jinja2") in method_map


@pytest.mark.parametrize(
    ("msgid", "source"),
    [
        ("Bandeja de entrada", "web/templates/layout.html"),
        ("Iniciar trámite", "web/templates/layout.html"),
        ("Mis casos", "web/templates/cases/mine.html"),
        ("Buzón", "web/templates/mailbox/index.html"),
        ("Oficina de Calidad", "web/templates/quality/index.html"),
        ("Integridad de la traza de auditoría", "web/templates/quality/index.html"),
        ("Ingresar", "web/templates/auth/login.html"),
        ("Incidentes", "web/templates/mailbox/incidents.html"),
        ("Tomar tarea", "web/templates/tasks/show.html"),
        ("Volver a la bandeja de entrada", "web/templates/errors/error.html"),
        ("Página %(page)s de %(pages)s", "web/templates/_pagination.html"),
        ("(obligatorio)", "web/templates/_form.html"),
        ("Usuario o contraseña incorrectos.", "web/auth.py"),
        ("Demasiados intentos fallidos para esta cuenta. Espere unos minutos.", "web/auth.py"),
        ("Cambiar la contraseña", "web/templates/account/password.html"),
        ("Tokens de acceso personal", "web/templates/account/tokens.html"),
        ("Las dos contraseñas nuevas no coinciden.", "web/account.py"),
        ("Tokens de acceso", "web/templates/layout.html"),
        ("Cerró su sesión.", "web/auth.py"),
        ("Inicie sesión para continuar.", "web/app.py"),
        ("Solicitud no válida", "web/errors.py"),
        ("La información cambió", "web/errors.py"),
        ("Inició el trámite %(key)s.", "web/start.py"),
        ("Completó «%(name)s» del caso %(key)s.", "web/tasks.py"),
        ("Tarea reasignada a %(user)s.", "web/inbox.py"),
        ("Sin tomar", "web/inbox.py"),
        ("Tomó la tarea", "web/filters.py"),
        ("Vencida hace %(num)d días hábiles", "web/filters.py"),
    ],
)
def test_key_strings_are_extracted(extracted: dict[str, set[str]], msgid: str, source: str) -> None:
    assert msgid in extracted, f"«{msgid}» is no longer marked for translation"
    assert source in extracted[msgid]


def test_nothing_below_the_web_layer_is_extracted(extracted: dict[str, set[str]]) -> None:
    sources = set().union(*extracted.values())
    assert sources and all(source.startswith("web/") for source in sources)
