"""Issue 14: a notification names a user or a group explicitly. The demo users orc, hacienda,
planeacion and calidad share their group's code; here the user `orc` is moved out of the group
`orc` and despacho2 into it, so each kind can reach only its own addressee."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from engine import Engine
from engine.authorization import load_actor
from engine.bpm.calendar import BOGOTA
from engine.jobs.outbox import deliver_notifications
from engine.people.administration import set_groups
from engine.read.mailbox import mailbox
from storage.models import Notification
from tests.helpers import communicate_delegation, complete
from tests.integration.test_p001_paths import PROPOSAL, start


class _Recorder:
    def __init__(self) -> None:
        self.sent: list[tuple[list[str], str]] = []

    def send(self, recipients: list[str], subject: str, body: str) -> None:
        self.sent.append((recipients, subject))


def _split_orc(engine: Engine) -> None:
    set_groups(engine, "admin", "orc", ("dagjp",))
    set_groups(engine, "admin", "despacho2", ("despacho_gobierno", "orc"))


def _subjects(engine: Engine, username: str) -> list[str]:
    with engine.sessions() as session:
        return [m.subject for m in mailbox(session, load_actor(session, username))]


def test_the_delegate_notice_reaches_the_user_orc_and_not_the_members_of_the_group_orc(
    p001: Engine,
) -> None:
    _split_orc(p001)
    key = start(p001)
    complete(p001, key, "proponer_delegado", "despacho", {**PROPOSAL, "delegado": "orc"})
    complete(p001, key, "aprobar_delegacion", "secretario", {"decision_secretario": "aprobar"})
    communicate_delegation(p001, key)  # the delegate is notified once the oficio is sent
    with p001.sessions() as session:
        notice = session.scalars(
            select(Notification).where(Notification.subject.like("%Delegación:%"))
        ).one()
    assert (notice.recipient, notice.recipient_kind) == ("orc", "user")

    recorder = _Recorder()
    deliver_notifications(p001, recorder, base_url="http://127.0.0.1:5000")

    delegation = [to for to, subject in recorder.sent if "Delegación:" in subject]
    assert delegation == [["orc@cali.gov.co"]]
    assert any("Delegación:" in s for s in _subjects(p001, "orc"))
    assert not any("Delegación:" in s for s in _subjects(p001, "despacho2"))


def test_a_group_notice_reaches_the_groups_members_and_not_the_user_of_the_same_code(
    engine: Engine,
) -> None:
    _split_orc(engine)
    with engine.sessions.begin() as session:
        session.add_all(
            Notification(
                recipient="orc",
                recipient_kind=kind,
                subject=f"Aviso a {kind}",
                body="…",
                created_at=datetime(2026, 12, 1, 9, tzinfo=BOGOTA),
            )
            for kind in ("group", "user")
        )

    recorder = _Recorder()
    deliver_notifications(engine, recorder, base_url="http://127.0.0.1:5000")

    assert sorted(recorder.sent) == [
        (["despacho2@cali.gov.co"], "Aviso a group"),
        (["orc@cali.gov.co"], "Aviso a user"),
    ]
    assert _subjects(engine, "despacho2") == ["Aviso a group"]
    assert _subjects(engine, "orc") == ["Aviso a user"]
