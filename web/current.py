"""What a view needs from the request: the engine, the signed-in actor, today in Bogotá."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar, cast

from flask import current_app
from flask_login import UserMixin, current_user
from flask_login import login_required as _login_required

from engine import Engine
from engine.authorization import Actor
from engine.bpm.calendar import local_date

View = TypeVar("View", bound=Callable[..., Any])


def login_required(view: View) -> View:
    """Flask-Login's decorator, typed: anonymous visitors go to the sign-in page (401 on /api)."""
    return cast(View, _login_required(view))


class SignedInUser(UserMixin):  # type: ignore[misc]  # UserMixin is untyped
    """Flask-Login's user: the engine's `Actor`, reloaded on every request.

    A session stores `username:generation` (see `engine.people.accounts`); a call with a personal
    access token has no session and carries the token's id instead.
    """

    def __init__(self, actor: Actor, generation: int = 0, *, token_id: int | None = None) -> None:
        self.actor = actor
        self.generation = generation
        self.token_id = token_id

    def get_id(self) -> str:
        return f"{self.actor.username}:{self.generation}"


def engine() -> Engine:
    return cast(Engine, current_app.extensions["engine"])


def actor() -> Actor:
    return cast(SignedInUser, current_user).actor


def today() -> date:
    """The local date in America/Bogota by the engine's clock (tests move it)."""
    return local_date(engine().clock.now())
