"""The directory's own audit trail: who changed a user or a group, when, before and after."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from storage.models import DirectoryChange, Group, User


def record_change(
    session: Session,
    at: datetime,
    actor: str,
    action: str,
    subject: Group | User,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    label = f"grupo:{subject.code}" if isinstance(subject, Group) else f"usuario:{subject.username}"
    session.add(
        DirectoryChange(
            at=at, actor=actor, action=action, subject=label, before=before, after=after
        )
    )
