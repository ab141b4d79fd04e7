"""Who may see, start, claim, complete, deploy and operate what. Every such check lives here."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    bindparam,
    cast,
    literal_column,
    null,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import Session

from engine.errors import Forbidden, NotFound
from storage.database import execute
from storage.driver import Prepared
from storage.models import Absence, AuditEvent, Case, Group, Membership, Task, User


@dataclass(frozen=True)
class Absentee:
    """A user away today whose work the actor takes while they are (an absence's substitute)."""

    username: str
    full_name: str
    groups: frozenset[str]
    # The first day of the absence (of the earliest, when several in force name the actor):
    # the absent user's notices from then on reach the substitute's Buzón too.
    since: date


@dataclass(frozen=True)
class Actor:
    username: str
    full_name: str
    groups: frozenset[str]
    coordinates: frozenset[str]
    is_admin: bool
    # Whom the actor substitutes today (`with_substitutions`); empty unless it was asked for.
    stands_in_for: tuple[Absentee, ...] = ()

    def belongs_to(self, group: str | None) -> bool:
        return group is not None and group in self.groups

    def absentee_for(self, assignee: str | None, group: str | None) -> Absentee | None:
        """Whom the actor stands in for on a task with that assignee and group, when only the
        substitution reaches it: assigned to the absent user, or free and offered to one of
        their groups (not to one of the actor's own)."""
        if assignee == self.username or (assignee is None and self.belongs_to(group)):
            return None
        for absentee in self.stands_in_for:
            if assignee == absentee.username:
                return absentee
            if assignee is None and group in absentee.groups:
                return absentee
        return None


SYSTEM = Actor("sistema", "Sistema", frozenset(), frozenset(), is_admin=True)


# Built once: every command starts by loading its actor. Plain columns, not ORM objects (the
# user, its memberships, their groups): building those and the statement cost several times
# what the query itself does.
_ACTOR_ROWS = Prepared(
    select(
        User.username,
        User.full_name,
        User.is_admin,
        User.active,
        Group.code,
        Membership.is_coordinator,
    )
    .outerjoin(Membership, Membership.user_id == User.id)
    .outerjoin(Group, Group.id == Membership.group_id)
    .where(User.username == bindparam("username"))
)


def load_actor(session: Session, username: str) -> Actor:
    """Who `username` is now, read in one statement (never cached: a deactivated account or a
    changed membership counts from the next command on)."""
    rows = execute(session, _ACTOR_ROWS, {"username": username}).all()
    if not rows or not rows[0].active:
        raise NotFound(f"usuario '{username}' no existe o está inactivo")
    first = rows[0]
    return Actor(
        username=first.username,
        full_name=first.full_name,
        groups=frozenset(row.code for row in rows if row.code is not None),
        coordinates=frozenset(row.code for row in rows if row.code and row.is_coordinator),
        is_admin=first.is_admin,
    )


# Whom `:username` substitutes on `:today` (Bogotá): absences declared, not cancelled, whose
# range includes the day, of users still active; a row per absentee's group.
_ABSENTEE_SELECT = (
    select(User.username, User.full_name, Group.code, Absence.starts_on)
    .join(Absence, Absence.username == User.username)
    .outerjoin(Membership, Membership.user_id == User.id)
    .outerjoin(Group, Group.id == Membership.group_id)
    .where(
        Absence.substitute == bindparam("username"),
        Absence.cancelled_at.is_(None),
        Absence.starts_on <= bindparam("today"),
        Absence.ends_on >= bindparam("today"),
        User.active,
    )
)
_ABSENTEE_ROWS = Prepared(_ABSENTEE_SELECT)

# The signed-in user's rows (as `_ACTOR_ROWS`, with the session generation) and their
# absentees' (`absent` = 1), in one statement: every page of the web app asks for both.
_SIGNED_IN_COLUMNS = (
    User.username,
    User.full_name,
    User.is_admin,
    User.active,
    User.session_generation,
    Group.code,
    Membership.is_coordinator,
)
_SUBSTITUTING_ACTOR_ROWS = Prepared(
    union_all(
        select(
            literal_column("0").label("absent"),
            *_SIGNED_IN_COLUMNS,
            cast(null(), Date).label("starts_on"),
        )
        .outerjoin(Membership, Membership.user_id == User.id)
        .outerjoin(Group, Group.id == Membership.group_id)
        .where(User.username == bindparam("username")),
        _ABSENTEE_SELECT.with_only_columns(
            literal_column("1"),
            *_SIGNED_IN_COLUMNS,
            Absence.starts_on,
            maintain_column_froms=True,
        ),
    )
)


def with_substitutions(session: Session, actor: Actor, today: date) -> Actor:
    """`actor` with the users whose substitute they are on `today` (see `_ABSENTEE_ROWS`)."""
    rows = execute(session, _ABSENTEE_ROWS, {"username": actor.username, "today": today}).all()
    return replace(actor, stands_in_for=_absentees(rows))


def load_substituting_actor(session: Session, username: str, today: date) -> tuple[Actor, int]:
    """`load_actor` and `with_substitutions` in one statement, with the user's session
    generation (see `engine.people.accounts`)."""
    rows = execute(session, _SUBSTITUTING_ACTOR_ROWS, {"username": username, "today": today}).all()
    own = [row for row in rows if not row.absent]
    if not own or not own[0].active:
        raise NotFound(f"usuario '{username}' no existe o está inactivo")
    first = own[0]
    actor = Actor(
        username=first.username,
        full_name=first.full_name,
        groups=frozenset(row.code for row in own if row.code is not None),
        coordinates=frozenset(row.code for row in own if row.code and row.is_coordinator),
        is_admin=first.is_admin,
        stands_in_for=_absentees([row for row in rows if row.absent]),
    )
    return actor, first.session_generation


def _absentees(rows: Sequence[Any]) -> tuple[Absentee, ...]:
    """One absentee per user (by username) with all their groups and the earliest start, from
    (username, full_name, code, starts_on, …) rows."""
    absentees: dict[str, Absentee] = {}
    for row in rows:
        username, code, starts_on = row.username, row.code, row.starts_on
        known = absentees.get(username, Absentee(username, row.full_name, frozenset(), starts_on))
        absentees[username] = replace(
            known,
            groups=known.groups | ({code} if code else set()),
            since=min(known.since, starts_on),
        )
    return tuple(absentees[username] for username in sorted(absentees))


def can_view_task(actor: Actor, task: Task) -> bool:
    return (
        actor.is_admin
        or task.assignee == actor.username
        or actor.belongs_to(task.candidate_group)
        or actor.absentee_for(task.assignee, task.candidate_group) is not None
    )


def require_can_work_on(actor: Actor, task: Task) -> None:
    """The actor may claim or complete `task`: its assignee, or a member of its group while free,
    or the substitute of an absent assignee or of an absent member of its group while free."""
    if actor.is_admin or task.assignee == actor.username:
        return
    if task.assignee is None and actor.belongs_to(task.candidate_group):
        return
    if actor.absentee_for(task.assignee, task.candidate_group) is not None:
        return
    if task.assignee is not None and actor.belongs_to(task.candidate_group):
        raise Forbidden(f"la tarea {task.id} está asignada a {task.assignee}")
    raise Forbidden(f"{actor.username} no puede trabajar en la tarea {task.id}")


def require_can_release(actor: Actor, task: Task) -> None:
    """Who hands a taken task back to its group: its holder, a coordinator of the group (a
    colleague away, a bulk release) or an admin."""
    if actor.is_admin or task.assignee == actor.username:
        return
    if task.candidate_group is not None and task.candidate_group in actor.coordinates:
        return
    raise Forbidden(
        f"la tarea {task.id} está asignada a {task.assignee}; solo esa persona o un "
        f"coordinador de su grupo puede liberarla"
    )


def can_act_in_bulk(actor: Actor) -> bool:
    """Bulk take, release and reassign in the inbox are for coordinators (and admins)."""
    return actor.is_admin or bool(actor.coordinates)


def require_can_act_in_bulk(actor: Actor) -> None:
    if can_act_in_bulk(actor):
        return
    raise Forbidden(
        f"{actor.username} no puede actuar sobre varias tareas a la vez "
        "(solo los coordinadores de un grupo y los administradores)"
    )


def require_can_reassign(actor: Actor, task: Task) -> None:
    if actor.is_admin or (task.candidate_group in actor.coordinates):
        return
    raise Forbidden(
        f"solo un coordinador de '{task.candidate_group}' puede reasignar la tarea {task.id}"
    )


def require_can_start(actor: Actor, start_group: str | None, procedure: str) -> None:
    if actor.is_admin or actor.belongs_to(start_group):
        return
    raise Forbidden(f"{actor.username} no puede iniciar {procedure} (grupo '{start_group}')")


def require_can_cancel(actor: Actor, start_group: str | None, started_by: str) -> None:
    if actor.is_admin or actor.username == started_by or start_group in actor.coordinates:
        return
    raise Forbidden(f"{actor.username} no puede anular este caso")


# Groups whose members may read every case (the quality office audits, read-only).
AUDITOR_GROUPS = frozenset({"calidad"})
# Groups whose members deploy diagrams and forms (the process analysts).
ANALYST_GROUPS = frozenset({"analistas"})


def require_can_audit(actor: Actor) -> None:
    """The quality office's pages (chain status, compliance, trail exports)."""
    if actor.is_admin or actor.groups & AUDITOR_GROUPS:
        return
    raise Forbidden("solo la Oficina de Calidad y los administradores ven la auditoría")


def require_can_deploy(actor: Actor) -> None:
    """Process analysts and administrators deploy; nobody else changes what cases run."""
    if actor.is_admin or actor.groups & ANALYST_GROUPS:
        return
    raise Forbidden(
        f"{actor.username} no puede desplegar procedimientos "
        "(solo los analistas de procesos y los administradores)"
    )


def can_use_workbench(actor: Actor) -> bool:
    return actor.is_admin or bool(actor.groups & ANALYST_GROUPS)


def require_can_use_workbench(actor: Actor) -> None:
    """The analysts' workbench (/modelos: library, drafts, lint, compare, deploy) is theirs
    and the administrators'; nobody else even reads it (drafts are not public)."""
    if can_use_workbench(actor):
        return
    raise Forbidden(
        f"{actor.username} no puede usar el taller de modelos "
        "(solo los analistas de procesos y los administradores)"
    )


def can_manage_incidents(actor: Actor) -> bool:
    return actor.is_admin


def require_can_manage_incidents(actor: Actor) -> None:
    """Incidents (jobs that used all their retries) are listed and retried by administrators."""
    if can_manage_incidents(actor):
        return
    raise Forbidden(
        f"{actor.username} no puede ver ni reintentar incidentes (solo administradores)"
    )


def require_can_administer_directory(actor: Actor) -> None:
    """Users, groups and organisms are administered by administrators."""
    if actor.is_admin:
        return
    raise Forbidden(
        f"{actor.username} no puede administrar usuarios ni organismos (solo administradores)"
    )


def can_manage_absences_of(actor: Actor, username: str) -> bool:
    return actor.is_admin or actor.username == username


def require_can_manage_absences_of(actor: Actor, username: str) -> None:
    """A user declares and cancels their own absences; an administrator, anyone's."""
    if can_manage_absences_of(actor, username):
        return
    raise Forbidden(
        f"{actor.username} no puede declarar ni cancelar ausencias de {username} "
        "(solo la persona misma o un administrador)"
    )


def can_work_on(actor: Actor, task: Task) -> bool:
    try:
        require_can_work_on(actor, task)
    except Forbidden:
        return False
    return True


def can_release(actor: Actor, task: Task) -> bool:
    """The holder, a coordinator of its group or an admin hands a taken task back."""
    if task.assignee is None:
        return False
    try:
        require_can_release(actor, task)
    except Forbidden:
        return False
    return True


def can_reassign(actor: Actor, task: Task) -> bool:
    try:
        require_can_reassign(actor, task)
    except Forbidden:
        return False
    return True


def can_see_every_case(actor: Actor) -> bool:
    """Administrators and the quality office read every case."""
    return actor.is_admin or bool(actor.groups & AUDITOR_GROUPS)


def can_view_case(
    actor: Actor,
    participants: Collection[str],
    groups: Collection[str],
    organisms: Collection[str] = (),
) -> bool:
    """Who reads a case: admins, auditors, whoever took part, members of its tasks' groups and
    of the organisms the case names (the producing or formulating organism of an act or bill)."""
    people, own_groups = _with_absentees(actor)
    return bool(
        can_see_every_case(actor)
        or people & set(participants)
        or own_groups & set(groups)
        or own_groups & set(organisms)
    )


def _with_absentees(actor: Actor) -> tuple[frozenset[str], frozenset[str]]:
    """The actor's username and groups, with those of the users they substitute today: the
    substitute reads and comments on the cases the absent user works on."""
    people = frozenset({actor.username, *(a.username for a in actor.stands_in_for)})
    return people, actor.groups.union(*(a.groups for a in actor.stands_in_for))


def require_can_view_case(
    actor: Actor,
    business_key: str,
    participants: Collection[str],
    groups: Collection[str],
    organisms: Collection[str] = (),
) -> None:
    """See `can_view_case`."""
    if can_view_case(actor, participants, groups, organisms):
        return
    raise Forbidden(f"{actor.username} no puede ver el caso {business_key}")


def can_comment_on_case(
    actor: Actor, workers: Collection[str], open_groups: Collection[str]
) -> bool:
    """Who writes comments on a case (everyone who reads it reads them): who works on it.

    Admins; whoever started it, holds or completed one of its tasks (`workers`); the members of
    the groups its open tasks are offered to (`open_groups`). Reading a case is not enough: the
    quality office, an organism the case only names, or a group whose task is done read the
    comments but do not write them.
    """
    people, own_groups = _with_absentees(actor)
    return bool(actor.is_admin or people & set(workers) or own_groups & set(open_groups))


def require_can_comment_on_case(
    actor: Actor, business_key: str, workers: Collection[str], open_groups: Collection[str]
) -> None:
    """See `can_comment_on_case`."""
    if can_comment_on_case(actor, workers, open_groups):
        return
    raise Forbidden(
        f"{actor.username} no puede comentar el caso {business_key} "
        "(solo quienes trabajan en él; usted puede leerlo)"
    )


def can_comment_on_task(
    actor: Actor,
    task: Task,
    workers: Collection[str],
    open_groups: Collection[str],
) -> bool:
    """Who writes comments on one of a case's tasks: of those who write on the case
    (`can_comment_on_case`), whoever has to do with that task: admins, the case's `workers`
    (its holder and who completed it among them), the members and coordinators of the group
    it is offered to, and the substitutes of any of them today. A member of another group
    whose task is open in the same case comments on the case and on that task, not on this one.
    """
    if not can_comment_on_case(actor, workers, open_groups):
        return False
    people, own_groups = _with_absentees(actor)
    return bool(actor.is_admin or people & set(workers) or task.candidate_group in own_groups)


def require_can_comment_on_task(
    actor: Actor,
    business_key: str,
    task: Task,
    workers: Collection[str],
    open_groups: Collection[str],
) -> None:
    """See `can_comment_on_task`."""
    if can_comment_on_task(actor, task, workers, open_groups):
        return
    raise Forbidden(
        f"{actor.username} no puede comentar la tarea «{task.name}» del caso {business_key} "
        "(solo quien la tiene, su grupo y quienes trabajan en el caso)"
    )


def comment_stand_in(
    actor: Actor, task: Task | None, workers: Collection[str], open_groups: Collection[str]
) -> Absentee | None:
    """Whom the actor comments for when only a substitution gives them the right (the first
    absentee, by username, whose own right would): None when their own right does."""
    if _may_comment_as(_without_absentees(actor), task, workers, open_groups):
        return None
    for absentee in actor.stands_in_for:
        stand_in = Actor(absentee.username, absentee.full_name, absentee.groups, frozenset(), False)
        if _may_comment_as(stand_in, task, workers, open_groups):
            return absentee
    return None


def _may_comment_as(
    actor: Actor, task: Task | None, workers: Collection[str], open_groups: Collection[str]
) -> bool:
    if task is None:
        return can_comment_on_case(actor, workers, open_groups)
    return can_comment_on_task(actor, task, workers, open_groups)


def _without_absentees(actor: Actor) -> Actor:
    return replace(actor, stands_in_for=()) if actor.stands_in_for else actor


def visible_cases(actor: Actor, organism_fields: Collection[str]) -> ColumnElement[bool]:
    """The cases `actor` may read, as a condition on `Case` (the "Casos" search): the same rule
    as `require_can_view_case`; `organism_fields` are the case data fields naming an organism."""
    if can_see_every_case(actor):
        return true()
    groups = sorted(actor.groups)
    me = actor.username
    return or_(
        Case.started_by == me,
        Case.id.in_(select(AuditEvent.case_id).where(AuditEvent.actor == me)),
        Case.id.in_(
            select(Task.case_id).where(
                or_(Task.assignee == me, Task.completed_by == me, Task.candidate_group.in_(groups))
            )
        ),
        *(Case.data[name].as_string().in_(groups) for name in sorted(organism_fields)),
    )
