"""Local accounts: checking a password against its argon2 hash."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.authorization import Actor, load_actor
from storage.models import User

_HASHER = PasswordHasher()
# Verified when the username is unknown, so both answers take the same time.
_DUMMY_HASH = _HASHER.hash("una contraseña que nadie tiene")


def authenticate(session: Session, username: str, password: str) -> Actor | None:
    """The actor when `password` matches the active user's hash, otherwise None."""
    user = session.scalars(select(User).where(User.username == username)).first()
    stored = user.password_hash if user is not None and user.active else _DUMMY_HASH
    try:
        _HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    return load_actor(session, username)
