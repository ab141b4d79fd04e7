"""Notifications are written with the case and delivered after commit: by SMTP when
configured (a real local SMTP server receives them), otherwise kept in the mailbox."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from email import message_from_bytes
from email.message import EmailMessage, Message
from email.policy import default
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from engine import Engine
from engine.jobs.outbox import SmtpTransport, deliver_notifications
from storage.models import Notification
from tests.helpers import communicate_delegation, complete
from tests.integration.test_p001_paths import PROPOSAL, start


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append(
            (list(envelope.rcpt_tos), message_from_bytes(envelope.content, policy=default))
        )
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[tuple[int, _Inbox]]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, inbox
    controller.stop()


def _pending(engine: Engine) -> int:
    with engine.sessions() as session:
        return int(
            session.scalar(
                select(func.count()).select_from(Notification).where(Notification.sent_at.is_(None))
            )
            or 0
        )


def test_a_local_smtp_server_receives_the_delegate_notice_with_the_case_link(
    p001: Engine, smtp_server: tuple[int, _Inbox]
) -> None:
    port, inbox = smtp_server
    key = start(p001)
    complete(p001, key, "proponer_delegado", "despacho", PROPOSAL)
    complete(p001, key, "aprobar_delegacion", "secretario", {"decision_secretario": "aprobar"})
    communicate_delegation(p001, key)
    assert _pending(p001) > 0  # written with the case, not sent yet

    transport = SmtpTransport(f"smtp://127.0.0.1:{port}?from=bandeja@cali.gov.co")
    sent = deliver_notifications(p001, transport, base_url="https://buengobierno.cali.gov.co")
    assert sent > 0 and _pending(p001) == 0

    to_delegate = [
        m
        for rcpt, m in inbox.messages
        if rcpt == ["delegada@cali.gov.co"] and "Delegación" in m["Subject"]
    ]
    assert len(to_delegate) == 1
    message = to_delegate[0]
    assert message["From"] == "bandeja@cali.gov.co"
    assert isinstance(message, EmailMessage)
    body = message.get_content()
    assert f"https://buengobierno.cali.gov.co/casos/{key}" in body
    assert "Junta Directiva de EMCALI" in body
    assert "Oficio 202641730100021" in body  # the written delegation it relies on
    # Group notices reach every member of the group.
    offered = {
        tuple(rcpt)
        for rcpt, m in inbox.messages
        if "Nueva tarea: Proponer delegado" in m["Subject"]
    }
    assert offered == {("despacho@cali.gov.co",), ("despacho2@cali.gov.co",)}


def test_without_smtp_notifications_stay_in_the_mailbox_marked_delivered(p001: Engine) -> None:
    start(p001)
    assert deliver_notifications(p001, None, base_url="http://127.0.0.1:5000") > 0
    assert _pending(p001) == 0
    assert deliver_notifications(p001, None, base_url="http://127.0.0.1:5000") == 0
