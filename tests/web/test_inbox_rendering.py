"""What each inbox row shows, and what rendering it costs: every card (the phone layout) carries
the seven column labels and its own texts, values escaped; the texts the rows repeat are looked up
in the catalog once a page, not once a row (bench/inbox.py --profile counts them on 10,000 cases)."""

from __future__ import annotations

import cProfile
import pstats
import re
from datetime import date

from flask.testing import FlaskClient
from sqlalchemy import update

from engine import Engine
from engine.commands.absences import declare_absence
from storage.models import Group, User
from tests.helpers import task_for
from tests.web.conftest import login, start_p001

LABELS = [
    "Procedimiento",
    "Radicado",
    "Tarea",
    "Asunto del caso",
    "Asignación",
    "Fecha límite",
    "Seguimiento",
]


def _rows(html: str) -> list[str]:
    body = html[html.index("<tbody>") : html.index("</tbody>")]
    return re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)


def _rename(engine: Engine, group: str = "", user: str = "", name: str = "") -> None:
    with engine.sessions() as session, session.begin():
        if group:
            session.execute(update(Group).where(Group.code == group).values(name=name))
        if user:
            session.execute(update(User).where(User.username == user).values(full_name=name))


def test_every_card_carries_the_column_labels_and_its_own_texts_escaped(
    client: FlaskClient, p001: Engine
) -> None:
    free, taken, mine = (start_p001(p001) for _ in range(3))
    p001.claim(task_for(p001, taken, "proponer_delegado").id, "despacho2")
    p001.claim(task_for(p001, mine, "proponer_delegado").id, "despacho")
    _rename(p001, group="despacho_gobierno", name="Despacho <de> Gobierno & Cía")
    login(client, "despacho")

    rows = _rows(client.get("/?bandeja=grupos").text) + _rows(client.get("/?bandeja=mias").text)

    by_key = {key: row for row in rows for key in (free, taken, mine) if f">{key}</a>" in row}
    assert len(rows) == 3 and set(by_key) == {free, taken, mine}
    for key, row in by_key.items():
        assert re.findall(r'data-label="([^"]*)"', row) == LABELS
        assert f"Seleccionar Proponer delegado del caso {key}</span>" in row
    assert "Sin tomar · Despacho &lt;de&gt; Gobierno &amp; Cía" in by_key[free]
    hidden = '<span class="visually-hidden"> Proponer delegado del caso'
    assert f"Tomar{hidden} {free}</span>" in by_key[free]
    assert "Tomada por despacho2" in by_key[taken] and "<button" not in by_key[taken]
    assert "Asignada a usted" in by_key[mine]
    assert f"Liberar{hidden} {mine}</span>" in by_key[mine]


def test_a_substitute_s_card_names_the_absent_official_escaped(
    client: FlaskClient, p001: Engine
) -> None:
    key = start_p001(p001)
    _rename(p001, user="despacho2", name="Ana <b>O'Neil</b> & Cía")
    declare_absence(
        p001, "despacho2", "despacho2", "hacienda", date(2026, 12, 1), date(2026, 12, 4)
    )
    login(client, "hacienda")

    (row,) = _rows(client.get("/?bandeja=grupos").text)

    assert key in row
    assert "En suplencia de Ana &lt;b&gt;O&#39;Neil&lt;/b&gt; &amp; Cía" in row


def _lookups(client: FlaskClient, url: str) -> int:
    """How many texts one page looks up in the translation catalog (the standard library's
    gettext classes, which Babel's translations extend)."""
    profile = cProfile.Profile()
    profile.enable()
    response = client.get(url)
    profile.disable()
    assert response.status_code == 200
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    return sum(
        calls
        for (filename, _line, function), (_cc, calls, *_rest) in stats.items()
        if function == "gettext" and filename.endswith("/gettext.py")
    )


def test_the_texts_the_rows_repeat_are_looked_up_once_a_page_not_once_a_row(
    client: FlaskClient, p001: Engine
) -> None:
    first = start_p001(p001)
    start_p001(p001)
    login(client, "despacho")
    client.get("/?bandeja=grupos")  # the definitions are cached after the first page
    two_rows = _lookups(client, "/?bandeja=grupos")

    for _ in range(4):
        start_p001(p001)
    p001.claim(task_for(p001, first, "proponer_delegado").id, "despacho2")
    page = client.get("/?bandeja=grupos").text
    assert len(_rows(page)) == 6 and "Tomada por despacho2" in page

    assert _lookups(client, "/?bandeja=grupos") == two_rows
