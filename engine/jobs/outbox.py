"""Delivery of the notifications outbox, after the commands that wrote them have committed.

With `BUENGOBIERNO_SMTP_URL` set (smtp://user:password@host:port?from=bandeja@cali.gov.co,
smtp+starttls://… for STARTTLS) messages go out by e-mail; without it they stay in the mailbox
page of each user. Delivery is at least once: a message is marked sent in the transaction that
sent it, so a crash between sending and committing may send it again, never lose it.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from jinja2 import Environment, StrictUndefined
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.commands.executor import CommandContext
from engine.commands.facade import Engine
from storage.models import Case, Group, Membership, Notification, User

_TEMPLATE = Environment(undefined=StrictUndefined, autoescape=False).from_string(
    """Cordial saludo, {{ name }}:

{{ body }}

Caso: {{ business_key }}
Consulte el caso y sus tareas en {{ base_url }}/casos/{{ business_key }}

--
Gestión del Buen Gobierno (MEDE01.09) · Alcaldía de Santiago de Cali
Mensaje automático; por favor no responda a este correo.
"""
)


class MailTransport(Protocol):
    def send(self, recipients: list[str], subject: str, body: str) -> None: ...


class SmtpTransport:
    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtp+starttls"):
            raise ValueError(f"URL SMTP no soportada: {parts.scheme}")
        self.host = parts.hostname or "localhost"
        self.port = parts.port or 25
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.starttls = parts.scheme == "smtp+starttls"
        self.sender = parse_qs(parts.query).get("from", ["bandeja@cali.gov.co"])[0]

    def send(self, recipients: list[str], subject: str, body: str) -> None:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = ", ".join(recipients)
        message["Subject"] = subject
        message.set_content(body)
        with smtplib.SMTP(self.host, self.port, timeout=30) as client:
            if self.starttls:
                client.starttls()
            if self.username:
                client.login(self.username, self.password or "")
            client.send_message(message)


def deliver_notifications(
    engine: Engine, transport: MailTransport | None, *, base_url: str, batch: int = 50
) -> int:
    """Send (or file in the mailbox) up to `batch` pending notifications; returns how many."""
    sent: int = engine.executor.execute(DeliverNotifications(transport, base_url, batch))
    return sent


@dataclass(frozen=True)
class DeliverNotifications:
    transport: MailTransport | None
    base_url: str
    batch: int

    def execute(self, context: CommandContext) -> int:
        session = context.session
        query = (
            select(Notification)
            .where(Notification.sent_at.is_(None))
            .order_by(Notification.id)
            .limit(self.batch)
        )
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        pending = list(session.scalars(query))
        for notification in pending:
            if self.transport is not None:
                case = session.get(Case, notification.case_id) if notification.case_id else None
                recipients = _recipients(
                    session, notification.recipient, notification.recipient_kind
                )
                for user in recipients:
                    body = _TEMPLATE.render(
                        name=user.full_name,
                        body=notification.body,
                        business_key=case.business_key if case else "",
                        base_url=self.base_url.rstrip("/"),
                    )
                    self.transport.send([user.email], notification.subject, body)
            notification.sent_at = context.engine.clock.now()
        return len(pending)


def _recipients(session: Session, recipient: str, kind: str) -> list[User]:
    """A user notification reaches that person; a group one, every active member of the group
    (never a user who happens to have the group's code as username, nor the reverse)."""
    if kind == "user":
        return list(session.scalars(select(User).where(User.username == recipient, User.active)))
    return list(
        session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .join(Group, Group.id == Membership.group_id)
            .where(Group.code == recipient, User.active)
            .order_by(User.username)
        )
    )
