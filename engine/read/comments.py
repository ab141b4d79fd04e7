"""Comments on a case and on its tasks: whoever reads the case reads them all.

Whether the reader may also write (`CommentThread.may_write`) is the same rule the command
checks (`engine.authorization.can_comment_on_case`, and for a task's thread
`can_comment_on_task`), so the page offers the form only to those
whose comment would be accepted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.authorization import Actor
from engine.errors import NotFound
from engine.read.case_access import case_access
from storage.models import Case, Comment, Task, User

# The longest comment the command accepts, in characters (the form says so, too).
MAX_COMMENT_LENGTH = 2000


@dataclass(frozen=True)
class CommentView:
    id: int
    author: str
    author_name: str
    body: str
    created_at: datetime
    # The task it is about (None: about the case as a whole).
    task_id: int | None
    task_name: str | None
    mentions: list[str]


@dataclass(frozen=True)
class CommentThread:
    business_key: str
    comments: list[CommentView]
    # The reader may add one (works on the case, or on the task for a task's thread, and the
    # case is still running).
    may_write: bool
    # The case has ended: its comments are kept, read-only.
    closed: bool


def case_comments(session: Session, actor: Actor, business_key: str) -> CommentThread:
    """Every comment of the case, on it or on any of its tasks, oldest first."""
    case = session.scalars(select(Case).where(Case.business_key == business_key)).first()
    if case is None:
        raise NotFound(f"el caso {business_key} no existe")
    return _thread(session, actor, case, None)


def task_comments(session: Session, actor: Actor, task_id: int) -> CommentThread:
    """The comments about one task, for whoever may read its case."""
    task = session.get(Task, task_id)
    if task is None:
        raise NotFound(f"la tarea {task_id} no existe")
    return _thread(session, actor, task.case, task)


def _thread(session: Session, actor: Actor, case: Case, task: Task | None) -> CommentThread:
    access = case_access(session, case)
    access.require_view(actor)
    query = (
        select(Comment, User.full_name, Task.name)
        .outerjoin(User, User.username == Comment.author)
        .outerjoin(Task, Task.id == Comment.task_id)
        .where(Comment.case_id == case.id)
        .order_by(Comment.id)
    )
    if task is not None:
        query = query.where(Comment.task_id == task.id)
    comments = [
        CommentView(
            id=comment.id,
            author=comment.author,
            author_name=full_name or comment.author,
            body=comment.body,
            created_at=comment.created_at,
            task_id=comment.task_id,
            task_name=task_name,
            mentions=list(comment.mentions or []),
        )
        for comment, full_name, task_name in session.execute(query)
    ]
    running = case.status == "running"
    return CommentThread(
        business_key=case.business_key,
        comments=comments,
        may_write=running and access.can_comment(actor, task),
        closed=not running,
    )
