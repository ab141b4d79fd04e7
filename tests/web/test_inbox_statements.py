"""What one inbox page sends to the database, pinned (bench/inbox.py times it): who signs in,
with whom they substitute today, is one statement; the coordinator's reassign picker one more,
and only when it is shown; the menu's unread count one."""

from __future__ import annotations

from datetime import date

from flask import Flask

from engine import Engine
from engine.commands.absences import declare_absence
from tests.integration.test_statement_counts import counted
from tests.web.conftest import login, start_p001

# The signed-in user (session generation, groups and whom they substitute today), the page's
# rows, the two tab counts, the procedure filter's options and the menu's unread count.
PLAIN_INBOX = 6
MARK = "En suplencia de Contratista Despacho de Gobierno"


def _statements(app: Flask, p001: Engine, username: str, url: str) -> tuple[list[str], str]:
    client = app.test_client()
    login(client, username)
    client.get(url)  # the definitions are cached after the first page, as in a running server
    with counted(p001) as sent:
        response = client.get(url)
    assert response.status_code == 200
    return sent, response.text


def test_a_plain_inbox_page_of_an_official_sends_six_statements(app: Flask, p001: Engine) -> None:
    key = start_p001(p001)
    sent, page = _statements(app, p001, "despacho2", "/?bandeja=grupos")
    assert key in page
    assert len(sent) == PLAIN_INBOX, "\n\n".join(sent)
    assert sum("FROM notifications" in statement for statement in sent) == 1
    assert not any("FROM absences" in statement for statement in sent[1:])


def test_a_substitute_s_inbox_costs_no_more_statements_and_shows_the_absent_user_s_task(
    app: Flask, p001: Engine
) -> None:
    key = start_p001(p001)
    declare_absence(
        p001, "despacho2", "despacho2", "hacienda", date(2026, 12, 1), date(2026, 12, 4)
    )
    sent, page = _statements(app, p001, "hacienda", "/?bandeja=grupos")
    assert key in page and MARK in page
    assert len(sent) == PLAIN_INBOX, "\n\n".join(sent)


def test_the_reassign_picker_is_one_statement_and_only_when_it_is_shown(
    app: Flask, p001: Engine
) -> None:
    empty, page = _statements(app, p001, "despacho", "/?bandeja=grupos")
    assert "reasignar-masivo" not in page  # no rows, no bulk form
    assert len(empty) == PLAIN_INBOX, "\n\n".join(empty)

    start_p001(p001)
    sent, page = _statements(app, p001, "despacho", "/?bandeja=grupos")
    assert '<option value="despacho2">' in page
    assert len(sent) == PLAIN_INBOX + 1, "\n\n".join(sent)
