"""The mailbox: notifications addressed to a user or to one of the user's groups, each with the
task it is about, and which of them the user has not read yet.

A substitute (`Actor.stands_in_for`, today) also reads the notices addressed by name to the
absent user since the absence began, each marked with whom it reached them for; when the
absence ends, or is cancelled, they stay the absent user's only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from engine.authorization import Actor
from engine.bpm.calendar import BOGOTA
from storage.models import Case, Group, MailboxRead, Notification, Task, User


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
    # The task the notice is about: the one it announced or was commented on; for a reminder a
    # service sent (no task of its own), the case's open task offered to the same recipient.
    task_id: int | None = None
    task_name: str | None = None
    unread: bool = False
    # The absent user's name when it reached the reader as their substitute.
    on_behalf_of: str | None = None


def _addressed_to(actor: Actor) -> ColumnElement[bool]:
    """To the actor by name, or to one of their groups: `recipient_kind` says which a row means
    (a user and a group may share a code)."""
    return or_(
        and_(Notification.recipient_kind == "user", Notification.recipient == actor.username),
        and_(
            Notification.recipient_kind == "group",
            Notification.recipient.in_(sorted(actor.groups)),
        ),
        *(
            and_(
                Notification.recipient_kind == "user",
                Notification.recipient == absentee.username,
                Notification.created_at >= datetime.combine(absentee.since, time.min, BOGOTA),
            )
            for absentee in actor.stands_in_for
        ),
    )


def read_up_to(session: Session, username: str) -> int:
    """The id of the last notice `username` has read (0: none)."""
    mark = session.get(MailboxRead, username)
    return mark.read_up_to if mark else 0


def unread_count(session: Session, actor: Actor) -> int:
    """Notices to the actor or their groups newer than what they have read: the menu's badge,
    on every page, so one statement (the read mark as a subquery)."""
    mark = (
        select(MailboxRead.read_up_to)
        .where(MailboxRead.username == actor.username)
        .scalar_subquery()
    )
    count = session.scalar(
        select(func.count(Notification.id)).where(
            _addressed_to(actor), Notification.id > func.coalesce(mark, 0)
        )
    )
    return int(count or 0)


def mailbox(session: Session, actor: Actor, limit: int = 100) -> list[MailboxMessage]:
    seen = read_up_to(session, actor.username)
    rows = session.execute(
        select(Notification, Case.business_key, Group.name, User.full_name, Task.name)
        .outerjoin(Case, Case.id == Notification.case_id)
        .outerjoin(
            Group,
            and_(Notification.recipient_kind == "group", Group.code == Notification.recipient),
        )
        .outerjoin(
            User,
            and_(Notification.recipient_kind == "user", User.username == Notification.recipient),
        )
        .outerjoin(Task, Task.id == Notification.task_id)
        .where(_addressed_to(actor))
        .order_by(Notification.id.desc())
        .limit(limit)
    ).all()
    fallback = _open_tasks_by_recipient(
        session, {n.case_id for n, *_ in rows if n.task_id is None and n.case_id is not None}
    )
    absent = {a.username: a.full_name for a in actor.stands_in_for}
    messages = []
    for n, key, group_name, person_name, named in rows:
        task_id: int | None = n.task_id
        task_name: str | None = named
        if task_id is None and n.case_id is not None:
            task_id, task_name = fallback.get((n.case_id, n.recipient), (None, None))
        messages.append(
            MailboxMessage(
                n.id,
                key,
                n.recipient,
                group_name or person_name or n.recipient,
                n.subject,
                n.body,
                n.created_at,
                n.sent_at,
                task_id,
                task_name,
                n.id > seen,
                absent.get(n.recipient) if n.recipient_kind == "user" else None,
            )
        )
    return messages


def _open_tasks_by_recipient(
    session: Session, case_ids: set[int]
) -> dict[tuple[int, str], tuple[int, str]]:
    """The first open task of each case for each person or group it is offered to."""
    if not case_ids:
        return {}
    found: dict[tuple[int, str], tuple[int, str]] = {}
    for task in session.scalars(
        select(Task).where(Task.case_id.in_(case_ids), Task.state == "open").order_by(Task.id)
    ):
        for recipient in (task.assignee, task.candidate_group):
            if recipient:
                found.setdefault((task.case_id, recipient), (task.id, task.name))
    return found
