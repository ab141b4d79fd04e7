"""The mailbox: notifications addressed to a user or to one of the user's groups."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from engine.authorization import Actor
from storage.models import Case, Group, Notification, User


@dataclass(frozen=True)
class MailboxMessage:
    id: int
    business_key: str | None
    recipient: str
    # The organism's or the person's name: codes and usernames are for the model.
    recipient_name: str
    subject: str
    body: str
    created_at: datetime
    sent_at: datetime | None


def mailbox(session: Session, actor: Actor, limit: int = 100) -> list[MailboxMessage]:
    rows = session.execute(
        select(Notification, Case.business_key, Group.name, User.full_name)
        .outerjoin(Case, Case.id == Notification.case_id)
        .outerjoin(
            Group,
            and_(Notification.recipient_kind == "group", Group.code == Notification.recipient),
        )
        .outerjoin(
            User,
            and_(Notification.recipient_kind == "user", User.username == Notification.recipient),
        )
        .where(
            or_(
                and_(
                    Notification.recipient_kind == "user",
                    Notification.recipient == actor.username,
                ),
                and_(
                    Notification.recipient_kind == "group",
                    Notification.recipient.in_(sorted(actor.groups)),
                ),
            )
        )
        .order_by(Notification.id.desc())
        .limit(limit)
    )
    return [
        MailboxMessage(
            n.id,
            key,
            n.recipient,
            group_name or person_name or n.recipient,
            n.subject,
            n.body,
            n.created_at,
            n.sent_at,
        )
        for n, key, group_name, person_name in rows
    ]
