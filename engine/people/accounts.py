"""Local accounts: passwords (argon2), their policy, and the session generation.

Every signed-in session carries the user's `session_generation` from the moment it began; a
request whose generation is no longer the user's is anonymous. Signing out and changing the
password bump the generation, which ends every session of that user on every process at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine.authorization import Actor, load_actor, load_substituting_actor
from engine.commands.executor import CommandContext
from engine.commands.facade import Engine
from engine.errors import NotFound, ValidationError
from engine.people.directory import has_local_password
from engine.people.password_policy import require_acceptable_password
from engine.people.passwords import hash_password, password_matches, shared_hash
from storage.models import User

# Verified when the username is unknown, so both answers take the same time.
_UNKNOWN_USER_PASSWORD = "una contraseña que nadie tiene"


def authenticate(session: Session, username: str, password: str) -> Actor | None:
    """The actor when `password` matches the active user's hash, otherwise None."""
    user = _active_user(session, username)
    local = user is not None and has_local_password(user.password_hash)
    # Users without a local password sign in with the directory: here they fail like an
    # unknown user, after the same argon2 work.
    stored = user.password_hash if user and local else shared_hash(_UNKNOWN_USER_PASSWORD)
    if not password_matches(stored, password):
        return None
    if user is None or not local:
        return None
    return load_actor(session, username)


def session_generation(session: Session, username: str) -> int:
    """The generation a session starting now must carry; NotFound for an inactive user."""
    user = _active_user(session, username)
    if user is None:
        raise NotFound(f"usuario '{username}' no existe o está inactivo")
    return user.session_generation


def actor_for_session(
    session: Session, username: str, generation: int, today: date
) -> Actor | None:
    """The actor of a session that began at `generation`, with whom they substitute on `today`
    (one statement: every request asks); None once it has been revoked."""
    try:
        actor, current = load_substituting_actor(session, username, today)
    except NotFound:
        return None
    return actor if current == generation else None


def end_sessions(engine: Engine, username: str) -> int:
    """Revoke every session of `username` (sign-out everywhere); returns the new generation."""
    generation: int = engine.executor.execute(EndSessions(username))
    return generation


@dataclass(frozen=True)
class EndSessions:
    username: str

    def execute(self, context: CommandContext) -> int:
        return _bump_generation(context.session, self.username)


def change_password(engine: Engine, username: str, current: str, new: str) -> int:
    """Check `current`, apply the policy to `new`, store it and end every other session.

    Returns the new session generation (the caller's own session continues with it). Bad input
    raises ValidationError (fields `contrasena_actual`, `nueva_contrasena`); nothing changes.
    """
    generation: int = engine.executor.execute(ChangePassword(username, current, new))
    return generation


@dataclass(frozen=True)
class ChangePassword:
    username: str
    current: str = field(repr=False)
    new: str = field(repr=False)

    def execute(self, context: CommandContext) -> int:
        session, username = context.session, self.username
        user = _active_user(session, username)
        if user is None:
            raise NotFound(f"usuario '{username}' no existe o está inactivo")
        if not password_matches(user.password_hash, self.current):
            raise ValidationError({"contrasena_actual": "la contraseña actual no es correcta"})
        require_acceptable_password(self.new, username, field="nueva_contrasena")
        if password_matches(user.password_hash, self.new):
            raise ValidationError({"nueva_contrasena": "debe ser distinta de la actual"})
        user.password_hash = hash_password(self.new)
        return _bump_generation(session, username)


def _bump_generation(session: Session, username: str) -> int:
    bumped = session.execute(
        update(User)
        .where(User.username == username)
        .values(session_generation=User.session_generation + 1)
        .returning(User.session_generation)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if bumped is None:
        raise NotFound(f"usuario '{username}' no existe")
    return int(bumped)


def _active_user(session: Session, username: str) -> User | None:
    user = session.scalars(select(User).where(User.username == username)).first()
    return user if user is not None and user.active else None
