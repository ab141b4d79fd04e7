"""Typed SQLAlchemy 2 models: the only description of the schema (migrations mirror it)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Instants stored in UTC and read back timezone-aware on every database.

    SQLite keeps no offset: without this, an aware Bogotá time would be stored as its wall time.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON, datetime: UTCDateTime()}


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Copied into each signed-in session; bumping it (sign-out, new password) ends them all.
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    position: Mapped[str] = mapped_column(String(200), default="", server_default="")

    memberships: Mapped[list[Membership]] = relationship(back_populates="user")


class Group(Base):
    """An organism of the Alcaldía or a role; lane names refer to `code`."""

    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))  # "organism" or "role"
    # Of an organism: despacho, secretaria, departamento_administrativo, unidad_administrativa_especial…
    category: Mapped[str] = mapped_column(String(40), default="", server_default="")
    # Inactive: kept for the cases that name it, never offered for a new one.
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    merged_into: Mapped[str | None] = mapped_column(String(80))

    former_names: Mapped[list[GroupFormerName]] = relationship(
        back_populates="group", order_by="GroupFormerName.id"
    )


class GroupFormerName(Base):
    """A name an organism had before a rename: old documents and cases still say it."""

    __tablename__ = "group_former_names"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    replaced_at: Mapped[datetime | None]

    group: Mapped[Group] = relationship(back_populates="former_names")


class DirectoryChange(Base):
    """Who changed the directory (a user, a group, a membership), when, and the before/after."""

    __tablename__ = "directory_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(120), index=True)  # "usuario:x" or "grupo:y"
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Absence(Base):
    """A user away from `starts_on` to `ends_on` (Bogotá dates, both included): their tasks, and
    those offered to their groups, also reach `substitute`. Cancelled, never deleted."""

    __tablename__ = "absences"
    __table_args__ = (Index("ix_absences_substitute_dates", "substitute", "starts_on", "ends_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), index=True)
    substitute: Mapped[str] = mapped_column(String(80))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(300), default="", server_default="")
    declared_by: Mapped[str] = mapped_column(String(80))
    declared_at: Mapped[datetime]
    cancelled_by: Mapped[str | None] = mapped_column(String(80))
    cancelled_at: Mapped[datetime | None]


class Membership(Base):
    __tablename__ = "memberships"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), primary_key=True)
    is_coordinator: Mapped[bool] = mapped_column(Boolean, default=False)

    user: Mapped[User] = relationship(back_populates="memberships")
    group: Mapped[Group] = relationship()


class Definition(Base):
    """One deployed version of a procedure: the BPMN, its forms and the parsed spec, stored once."""

    __tablename__ = "definitions"
    __table_args__ = (UniqueConstraint("key", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64))
    bpmn_xml: Mapped[str] = mapped_column(Text)
    forms: Mapped[dict[str, Any]] = mapped_column(JSON)
    elements: Mapped[dict[str, Any]] = mapped_column(JSON)
    spec: Mapped[str] = mapped_column(Text)
    deployed_by: Mapped[str] = mapped_column(String(80))
    deployed_at: Mapped[datetime]


class Case(Base):
    """A running or finished process instance; `version` is the optimistic lock."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    business_key: Mapped[str] = mapped_column(String(40), unique=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("definitions.id"))
    subject: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(20), index=True)
    state: Mapped[bytes] = mapped_column(LargeBinary)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer)
    started_by: Mapped[str] = mapped_column(String(80))
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    # How the case turned out, in words ("DECRETO 0001 de 2026", "Archivado"): the `outcome`
    # of the end event it reached, or that event's name; None while it runs or once cancelled.
    outcome: Mapped[str | None] = mapped_column(String(200))
    # Head of the case's audit chain (last sequence and hash), written with the events.
    audit_seq: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    audit_head: Mapped[str] = mapped_column(String(64), default="0" * 64, server_default="0" * 64)

    definition: Mapped[Definition] = relationship()

    # An UPDATE that matches no row at the expected version raises StaleDataError.
    __mapper_args__ = {"version_id_col": version}


class BusinessKeyCounter(Base):
    __tablename__ = "business_key_counters"

    procedure: Mapped[str] = mapped_column(String(40), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer)


class Task(Base):
    """An inbox row: a user task of a case, derived from the workflow state by every command."""

    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_open_group", "state", "candidate_group"),
        Index("ix_tasks_open_assignee", "state", "assignee"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    spiff_id: Mapped[str] = mapped_column(String(36), unique=True)
    element_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(300))
    candidate_group: Mapped[str | None] = mapped_column(String(80))
    assignee: Mapped[str | None] = mapped_column(String(80))
    state: Mapped[str] = mapped_column(String(20))  # open, completed, cancelled
    due_date: Mapped[date | None] = mapped_column(Date)
    form_key: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]
    completed_by: Mapped[str | None] = mapped_column(String(80))
    completed_at: Mapped[datetime | None]
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    case: Mapped[Case] = relationship()


class TaskFollowUp(Base):
    """A person's own reminder on an open task ("recordarme el…"): one date per task and person,
    which only that person's inbox shows, sorts and filters by."""

    __tablename__ = "task_followups"
    __table_args__ = (
        UniqueConstraint("task_id", "username"),
        Index("ix_task_followups_username_on", "username", "follow_up_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"))
    username: Mapped[str] = mapped_column(String(80))
    follow_up_on: Mapped[date] = mapped_column(Date)
    set_at: Mapped[datetime]


class Job(Base):
    """Work for the worker: a timer to fire or a notification to send, acquired with a lease."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_due", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    due_at: Mapped[datetime]
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_expires_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]


class AuditEvent(Base):
    """Append-only, hash-chained per case: `hash` covers `prev_hash` and the event's content."""

    __tablename__ = "audit_events"
    # The unique (case_id, seq) index is also the one a case's events are read by, in order: a
    # second index on case_id alone only cost every event one more write.
    __table_args__ = (UniqueConstraint("case_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(40))
    element_id: Mapped[str | None] = mapped_column(String(200))
    definition_version: Mapped[int] = mapped_column(Integer)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditCheckpoint(Base):
    """Every case's chain head (business key, seq, hash) sealed with an HMAC-SHA256 under a key
    kept outside the database: truncated chains and deleted cases show against it."""

    __tablename__ = "audit_checkpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(80))
    heads: Mapped[list[Any]] = mapped_column(JSON)  # [[business_key, seq, hash], ...] by key
    mac: Mapped[str] = mapped_column(String(64))


class Commitment(Base):
    """A commitment taken in a meeting (policy 1), followed until verified."""

    __tablename__ = "commitments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    origin: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(Text)
    responsible: Mapped[str] = mapped_column(String(80), index=True)
    due_date: Mapped[date]
    development_goal: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20))  # pendiente, cumplido, reprogramado, incumplido
    history: Mapped[list[Any]] = mapped_column(JSON)
    created_at: Mapped[datetime]


class ActNumberCounter(Base):
    __tablename__ = "act_number_counters"

    act_type: Mapped[str] = mapped_column(String(40), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer)


class Notification(Base):
    """Outbox: written in the case's transaction, delivered after commit."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    # The task the notice is about (a new task, a comment on a task), for the Buzón's link.
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"))
    recipient: Mapped[str] = mapped_column(String(80), index=True)
    # "user" (a username) or "group" (a group code): demo users share their group's code.
    recipient_kind: Mapped[str] = mapped_column(String(10), default="user", server_default="user")
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class MailboxRead(Base):
    """How far a person has read the Buzón: every notice with a higher id is unread for them.

    One mark per person, not per notice: a group's notice is read by each member on their own,
    and a mark is one row however many notices a group receives."""

    __tablename__ = "mailbox_reads"

    username: Mapped[str] = mapped_column(String(80), primary_key=True)
    read_up_to: Mapped[int]
    read_at: Mapped[datetime]


class Comment(Base):
    """A remark on a case, or on one of its tasks (`task_id`), by an official working on it.

    Written once, never edited: the audit event of the same command carries its text, chained.
    `mentions` are the usernames it named with "@", each notified in the Buzón.
    """

    __tablename__ = "comments"
    __table_args__ = (Index("ix_comments_case", "case_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"), index=True)
    author: Mapped[str] = mapped_column(String(80))
    body: Mapped[str] = mapped_column(Text)
    mentions: Mapped[list[Any]] = mapped_column(JSON)
    created_at: Mapped[datetime]


class Attachment(Base):
    """A file uploaded with a form; the form data holds its reference (`adjunto:<sha256>/<name>`).

    The content stays in the database so a case, its audit trail and its files back up and
    restore together; the limits in `engine.commands.attachments` keep rows small.
    """

    __tablename__ = "attachments"
    __table_args__ = (Index("ix_attachments_case_sha256", "case_id", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"))
    field: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by: Mapped[str] = mapped_column(String(80))
    uploaded_at: Mapped[datetime]


class PendingAttachment(Base):
    """A checked file sent with a form that was refused for another field: kept for its owner
    and that form (`tarea:<id>` or `inicio:<procedure>`) until the form is accepted."""

    __tablename__ = "pending_attachments"
    __table_args__ = (Index("ix_pending_attachments_owner_form", "owner", "form"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str] = mapped_column(String(80))
    form: Mapped[str] = mapped_column(String(120))
    field: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_at: Mapped[datetime]


class AccessToken(Base):
    """A personal access token for the JSON API: only its SHA-256 is kept, never the token."""

    __tablename__ = "access_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class RateLimitCounter(Base):
    """Attempts in one fixed window (sign-ins per account or per address), shared by processes."""

    __tablename__ = "rate_limit_counters"

    bucket: Mapped[str] = mapped_column(String(255), primary_key=True)
    hits: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class Draft(Base):
    """A procedure's diagram and forms being edited in the workbench; nothing runs from it.

    `revision` counts saves and is the optimistic lock: a save based on an older revision
    matches no row and is refused, so two analysts never overwrite each other silently.
    """

    __tablename__ = "drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), index=True)
    base_version: Mapped[int | None] = mapped_column(Integer)
    revision: Mapped[int] = mapped_column(Integer)
    bpmn_xml: Mapped[str] = mapped_column(Text)
    forms: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime]
    saved_by: Mapped[str] = mapped_column(String(80))
    saved_at: Mapped[datetime]
    deployed_version: Mapped[int | None] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": revision}


class DraftRevision(Base):
    """Every save of a draft, kept: the loser of a conflicting save reads the winner's here."""

    __tablename__ = "draft_revisions"
    __table_args__ = (UniqueConstraint("draft_id", "revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    bpmn_xml: Mapped[str] = mapped_column(Text)
    forms: Mapped[dict[str, Any]] = mapped_column(JSON)
    saved_by: Mapped[str] = mapped_column(String(80))
    saved_at: Mapped[datetime]


class WorkbenchEvent(Base):
    """Append-only record of what analysts did in the workbench (drafts, downloads, deploys)."""

    __tablename__ = "workbench_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(40), index=True)
    version: Mapped[int | None] = mapped_column(Integer)
    draft_id: Mapped[int | None] = mapped_column(Integer)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
