"""Sign-in: local accounts (with a local password: the `admin` break-glass account, installations
without a directory) or the Alcaldía's directory, which provisions and refreshes the user.

A user who has a local password signs in only with it, never through the directory, so the local
administrators keep working when the directory is down and a directory account of the same name
cannot take theirs. Everyone else is checked against the directory when one is configured.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from engine.authorization import Actor, load_actor
from engine.commands.executor import CommandContext
from engine.commands.facade import Engine
from engine.errors import Forbidden
from engine.people.accounts import authenticate
from engine.people.changes import record_change
from engine.people.directory import NO_LOCAL_PASSWORD, has_local_password
from engine.people.ldap_directory import DirectoryPerson, LdapDirectory
from engine.people.memberships import set_memberships, user_view
from storage.models import Group, User

DIRECTORY_ACTOR = "directorio"


def sign_in(
    engine: Engine, directory: LdapDirectory | None, username: str, password: str
) -> Actor | None:
    """The actor, or None for a wrong password or an unknown user.

    Raises `DirectoryUnreachable` when the directory must be asked and does not answer, and
    `Forbidden` for a directory user deactivated here or in none of the mapped groups."""
    with engine.sessions() as session:
        user = session.scalars(select(User).where(User.username == username)).first()
        if directory is None or (user is not None and has_local_password(user.password_hash)):
            return authenticate(session, username, password)
    person = directory.authenticate(username, password)
    if person is None:
        return None
    engine.executor.execute(ProvisionFromDirectory(person, directory.settings.mapped_groups))
    with engine.sessions() as session:
        return load_actor(session, username)


@dataclass(frozen=True)
class ProvisionFromDirectory:
    """Create or refresh the local account of a person the directory just vouched for: name,
    mail, and the groups the mapping decides (groups an administrator gave by hand are kept)."""

    person: DirectoryPerson
    mapped_groups: frozenset[str]

    def execute(self, context: CommandContext) -> None:
        session, person = context.session, self.person
        user = session.scalars(select(User).where(User.username == person.username)).first()
        if user is not None and not user.active:
            raise Forbidden(
                "su usuario está desactivado en Buen Gobierno; consulte al administrador"
            )
        active_codes = set(
            session.scalars(
                select(Group.code).where(Group.code.in_(person.groups), Group.active.is_(True))
            )
        )
        granted = tuple(code for code in person.groups if code in active_codes)
        if not granted:
            raise Forbidden(
                "su usuario del directorio no pertenece a ningún grupo habilitado para Buen Gobierno"
            )
        before = user_view(user) if user is not None else None
        if user is None:
            user = User(username=person.username, password_hash=NO_LOCAL_PASSWORD)
            session.add(user)
        user.full_name, user.email = person.full_name, person.email
        session.flush()
        current = user_view(user)
        kept = tuple(code for code in current["groups"] if code not in self.mapped_groups)
        groups = tuple(dict.fromkeys(kept + granted))
        coordinates = tuple(code for code in current["coordinates"] if code in groups)
        set_memberships(session, user, groups, coordinates)
        after = user_view(user)
        if after != before:
            action = "user_provisioned" if before is None else "user_refreshed"
            record_change(
                session, context.engine.clock.now(), DIRECTORY_ACTOR, action, user, before, after
            )
