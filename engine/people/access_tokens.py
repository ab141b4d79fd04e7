"""Personal access tokens for the JSON API: random, shown once, kept only as a SHA-256.

A token has 256 random bits, so a fast hash is enough (nothing to brute-force, unlike a
password) and checking one costs a single indexed lookup instead of an argon2 verification.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.authorization import Actor, load_actor
from engine.commands.executor import CommandContext
from engine.commands.facade import Engine
from engine.errors import Conflict, NotFound, ValidationError
from storage.models import AccessToken, User

PREFIX = "bg_"
MAX_DAYS = 366
DEFAULT_DAYS = 90
MAX_NAME_LENGTH = 100
# Last use is recorded at most once a minute per token, not on every call.
_LAST_USE_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class NewToken:
    """A token just created: `secret` is shown once and never stored."""

    id: int
    name: str
    secret: str
    expires_at: datetime


@dataclass(frozen=True)
class TokenView:
    id: int
    name: str
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    def state(self, now: datetime) -> str:
        """`activo`, `revocado` or `vencido`."""
        if self.revoked_at is not None:
            return "revocado"
        return "vencido" if self.expires_at <= now else "activo"


@dataclass(frozen=True)
class TokenUse:
    actor: Actor
    token_id: int


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_token(engine: Engine, username: str, name: str, days: int = DEFAULT_DAYS) -> NewToken:
    """A new token of `username` valid for `days`; bad input is a ValidationError."""
    name = name.strip()
    errors = {}
    if not name:
        errors["nombre"] = "escriba un nombre que diga para qué es el token"
    elif len(name) > MAX_NAME_LENGTH:
        errors["nombre"] = f"el nombre admite a lo sumo {MAX_NAME_LENGTH} caracteres"
    if not 1 <= days <= MAX_DAYS:
        errors["dias"] = f"la vigencia debe estar entre 1 y {MAX_DAYS} días"
    if errors:
        raise ValidationError(errors)
    created: NewToken = engine.executor.execute(
        CreateToken(username, name, days, PREFIX + secrets.token_urlsafe(32))
    )
    return created


@dataclass(frozen=True)
class CreateToken:
    username: str
    name: str
    days: int
    secret: str = field(repr=False)

    def execute(self, context: CommandContext) -> NewToken:
        session, now = context.session, context.engine.clock.now()
        row = AccessToken(
            user_id=_user(session, self.username).id,
            name=self.name,
            token_hash=hash_token(self.secret),
            created_at=now,
            expires_at=now + timedelta(days=self.days),
        )
        session.add(row)
        session.flush()
        return NewToken(row.id, self.name, self.secret, row.expires_at)


def list_tokens(engine: Engine, username: str) -> list[TokenView]:
    """The tokens of `username`, newest first (revoked and expired ones too)."""
    with engine.sessions() as session:
        rows = session.scalars(
            select(AccessToken)
            .where(AccessToken.user_id == _user(session, username).id)
            .order_by(AccessToken.id.desc())
        )
        return [
            TokenView(r.id, r.name, r.created_at, r.expires_at, r.last_used_at, r.revoked_at)
            for r in rows
        ]


def revoke_token(engine: Engine, username: str, token_id: int) -> None:
    """Revoke one of `username`'s tokens; another user's token is NotFound, not Forbidden."""
    engine.executor.execute(RevokeToken(username, token_id))


@dataclass(frozen=True)
class RevokeToken:
    username: str
    token_id: int

    def execute(self, context: CommandContext) -> None:
        session = context.session
        row = session.get(AccessToken, self.token_id)
        if row is None or row.user_id != _user(session, self.username).id:
            raise NotFound(f"el token {self.token_id} no existe")
        if row.revoked_at is not None:
            raise Conflict(f"el token {self.token_id} ya estaba revocado")
        row.revoked_at = context.engine.clock.now()


def use_token(engine: Engine, secret: str) -> TokenUse | None:
    """Who `secret` belongs to while it is neither revoked nor expired; records its last use."""
    if not secret.startswith(PREFIX):
        return None
    now = engine.clock.now()
    with engine.sessions() as session:
        row = session.scalars(
            select(AccessToken).where(AccessToken.token_hash == hash_token(secret))
        ).first()
        if row is None or row.revoked_at is not None or row.expires_at <= now:
            return None
        if not row.user.active:
            return None
        use = TokenUse(load_actor(session, row.user.username), row.id)
        stale = row.last_used_at is None or now - row.last_used_at >= _LAST_USE_RESOLUTION
    if stale:
        engine.executor.execute(RecordTokenUse(use.token_id, now))
    return use


@dataclass(frozen=True)
class RecordTokenUse:
    token_id: int
    at: datetime

    def execute(self, context: CommandContext) -> None:
        token = context.session.get(AccessToken, self.token_id)
        if token is not None:
            token.last_used_at = self.at


def _user(session: Session, username: str) -> User:
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None or not user.active:
        raise NotFound(f"usuario '{username}' no existe o está inactivo")
    return user
