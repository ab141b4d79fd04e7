"""Commenting on a case or one of its tasks: the comment, its audit event and a Buzón notice to
each person it mentions, in one transaction (run by `engine.commands.executor`).

Who writes is checked by `engine.authorization` (`can_comment_on_case`, and on a task
`can_comment_on_task`), counting whom the author substitutes today: such a comment's audit event
notes the absent user (`on_behalf_of`), as a substitute's work on a task does.

A mention is "@" and a username of the directory ("@juridica"). Each one must name an active
user who can read the case (a notice about a case one cannot open tells nothing); otherwise the
comment is refused with a field error and nothing is stored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from engine.audit.trail import append_event
from engine.authorization import Actor, load_actor, with_substitutions
from engine.bpm.calendar import local_date
from engine.commands.cases import case_by_key
from engine.commands.executor import CommandContext
from engine.errors import Conflict, NotFound, ValidationError
from engine.read.case_access import CaseAccess, case_access
from engine.read.comments import MAX_COMMENT_LENGTH
from storage.models import Case, Comment, Notification, Task

# The form field the text comes from: field errors are reported under it.
TEXT_FIELD = "texto"
# "@" not preceded by a letter, digit or dot (so an e-mail address mentions nobody), then a
# username as the directory spells them (engine.people.administration.USERNAME_PATTERN).
_MENTION = re.compile(r"(?<![\w.@])@([A-Za-z0-9][A-Za-z0-9._-]*)")
# How much of the comment a notice quotes.
_QUOTED = 500


def mentioned_usernames(text: str) -> list[str]:
    """The usernames `text` mentions, in order, once each; a sentence's final dot is not part
    of the name ("… @juridica." mentions juridica)."""
    found: list[str] = []
    for match in _MENTION.finditer(text):
        username = match.group(1).rstrip("._-").lower()
        if username and username not in found:
            found.append(username)
    return found


@dataclass(frozen=True)
class AddComment:
    """Comment on the case `business_key`, or on the task `task_id` (its case is the task's);
    returns the new comment's id."""

    actor: str
    text: str
    business_key: str | None = None
    task_id: int | None = None

    def execute(self, context: CommandContext) -> int:
        session = context.session
        case, task = self._target(session)
        access = case_access(session, case)
        who = _writer(context, load_actor(session, self.actor), access, task)
        stand_in = access.comment_stand_in(who, task)
        _require_running(case)
        text = _normalized(self.text)
        mentions = _mentions(session, text, access)
        case = _lock_case(session, case.id)
        _require_running(case)  # it may have ended while we waited for its lock
        now = context.engine.clock.now()
        comment = Comment(
            case_id=case.id,
            task_id=task.id if task else None,
            author=who.username,
            body=text,
            mentions=mentions,
            created_at=now,
        )
        session.add(comment)
        session.flush()
        append_event(
            session,
            case,
            context.engine.definitions.get(session, case.definition_id).version,
            at=now,
            actor=who.username,
            action="task_commented" if task else "case_commented",
            element_id=task.element_id if task else None,
            payload={
                "comment": comment.id,
                **({"task": task.id} if task else {}),
                "text": text,
                "mentions": mentions,
                **({"on_behalf_of": stand_in.username} if stand_in else {}),
            },
        )
        session.add_all(
            _notice(case, task, who, text, username, now)
            for username in mentions
            if username != who.username
        )
        return comment.id

    def _target(self, session: Session) -> tuple[Case, Task | None]:
        if self.task_id is not None:
            task = session.get(Task, self.task_id)
            if task is None:
                raise NotFound(f"la tarea {self.task_id} no existe")
            return task.case, task
        if self.business_key is None:
            raise NotFound("el comentario no dice sobre qué caso ni qué tarea es")
        return case_by_key(session, self.business_key), None


def _writer(context: CommandContext, who: Actor, access: CaseAccess, task: Task | None) -> Actor:
    """The author, checked: may read the case and write there (on the task, when on one). Whom
    they substitute today is read only when their own rights do not reach (one statement
    fewer for everyone else), and then it counts as theirs (`engine.authorization`)."""
    if not (access.can_view(who) and access.can_comment(who, task)):
        who = with_substitutions(context.session, who, local_date(context.engine.clock.now()))
    access.require_view(who)
    access.require_comment(who, task)
    return who


def _require_running(case: Case) -> None:
    if case.status != "running":
        raise Conflict(
            f"el caso {case.business_key} ya terminó: sus comentarios son de solo lectura"
        )


def _normalized(text: str) -> str:
    """The text as typed, without the surrounding blank space; refused when empty or too long."""
    text = text.replace("\r\n", "\n").strip()
    if not text:
        raise ValidationError({TEXT_FIELD: "escriba el comentario"})
    if len(text) > MAX_COMMENT_LENGTH:
        raise ValidationError(
            {
                TEXT_FIELD: f"el comentario tiene {len(text)} caracteres; "
                f"el máximo es {MAX_COMMENT_LENGTH}"
            }
        )
    return text


def _mentions(session: Session, text: str, access: CaseAccess) -> list[str]:
    """Each mentioned username, checked against the directory and the case's readers; every
    problem is reported together under the text's field."""
    usernames = mentioned_usernames(text)
    problems: list[str] = []
    for username in usernames:
        try:
            mentioned = load_actor(session, username)
        except NotFound:
            problems.append(f"@{username} no es un usuario activo del directorio")
            continue
        if not access.can_view(mentioned):
            problems.append(f"@{username} no puede ver este caso; no se le puede mencionar")
    if problems:
        raise ValidationError({TEXT_FIELD: "; ".join(problems)})
    return usernames


def _notice(
    case: Case, task: Task | None, author: Actor, text: str, recipient: str, now: datetime
) -> Notification:
    where = (
        f"la tarea «{task.name}» del caso {case.business_key}"
        if task
        else f"el caso {case.business_key}"
    )
    quoted = text if len(text) <= _QUOTED else text[: _QUOTED - 1] + "…"
    return Notification(
        case_id=case.id,
        task_id=task.id if task else None,
        recipient=recipient,
        recipient_kind="user",
        subject=f"[{case.business_key}] {author.full_name} le mencionó en un comentario"[:300],
        body=f"{author.full_name} le mencionó en {where}: «{quoted}»",
        created_at=now,
    )


def _lock_case(session: Session, case_id: int) -> Case:
    """The case row, locked: comments and commands on one case queue up (one audit chain)."""
    case = session.get(Case, case_id, with_for_update=True, populate_existing=True)
    assert case is not None  # a comment's case exists: it was just read
    return case
