"""Sign-in limits per account and per network address, counted where every process sees them.

Fixed windows: a counter per (subject, window length, window number), in the database by
default or in Redis. Every attempt counts against its address; only failed ones count against
the account, so a storm of bad passwords locks that account, not its neighbours behind the same
address, and nobody can lock an account out by signing in as themselves.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import redis
from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite

from engine.bpm.clock import Clock
from engine.commands.facade import Engine
from storage.models import RateLimitCounter

_UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_LIMIT = re.compile(r"^\s*(\d+)\s*(?:per|/)\s*(\d+)?\s*(second|minute|hour|day)s?\s*$")
_SUBJECT_LENGTH = 80


@dataclass(frozen=True)
class Limit:
    amount: int
    seconds: int


def parse_limits(text: str) -> tuple[Limit, ...]:
    """`"10 per minute; 100 per hour"` (also `5/minute`, `20 per 10 minutes`)."""
    limits = []
    for part in text.split(";"):
        match = _LIMIT.match(part)
        if match is None or int(match.group(1)) < 1:
            raise ValueError(f"invalid rate limit {part.strip()!r} in {text!r}")
        amount, count, unit = match.groups()
        limits.append(Limit(int(amount), int(count or 1) * _UNITS[unit]))
    return tuple(limits)


class CounterStore(Protocol):
    """Counters keyed by bucket name; a bucket lives for the window length given with it."""

    def hit(self, buckets: Mapping[str, int], now: datetime) -> dict[str, int]:
        """Add one to each bucket (name → window seconds); returns the new counts."""
        ...

    def peek(self, buckets: Sequence[str], now: datetime) -> dict[str, int]: ...


class DatabaseCounters:
    """Counters in `rate_limit_counters`, one transaction per call; expired rows are swept."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def hit(self, buckets: Mapping[str, int], now: datetime) -> dict[str, int]:
        counts = {}
        with self.engine.unit_of_work() as session:
            session.execute(delete(RateLimitCounter).where(RateLimitCounter.expires_at <= now))
            insert: Any = (
                postgresql.insert
                if session.get_bind().dialect.name == "postgresql"
                else sqlite.insert
            )
            for bucket, seconds in sorted(buckets.items()):  # one lock order for every process
                statement = (
                    insert(RateLimitCounter)
                    .values(bucket=bucket, hits=1, expires_at=now + timedelta(seconds=seconds))
                    .on_conflict_do_update(
                        index_elements=[RateLimitCounter.bucket],
                        set_={"hits": RateLimitCounter.hits + 1},
                    )
                    .returning(RateLimitCounter.hits)
                )
                counts[bucket] = int(session.execute(statement).scalar_one())
        return counts

    def peek(self, buckets: Sequence[str], now: datetime) -> dict[str, int]:
        with self.engine.sessions() as session:
            rows = session.execute(
                select(RateLimitCounter.bucket, RateLimitCounter.hits).where(
                    RateLimitCounter.bucket.in_(buckets), RateLimitCounter.expires_at > now
                )
            )
            found = {bucket: hits for bucket, hits in rows}
        return {bucket: found.get(bucket, 0) for bucket in buckets}


class RedisCounters:
    """Counters in Redis (`BUENGOBIERNO_REDIS_URL`): INCR and EXPIRE in one transaction."""

    def __init__(self, url: str, prefix: str = "buengobierno:") -> None:
        self.client = redis.Redis.from_url(url)
        self.prefix = prefix

    def hit(self, buckets: Mapping[str, int], now: datetime) -> dict[str, int]:
        pipeline = self.client.pipeline(transaction=True)
        for bucket, seconds in buckets.items():
            pipeline.incr(self.prefix + bucket)
            pipeline.expire(self.prefix + bucket, seconds)
        replies = pipeline.execute()
        return {bucket: int(replies[2 * i]) for i, bucket in enumerate(buckets)}

    def peek(self, buckets: Sequence[str], now: datetime) -> dict[str, int]:
        values = self.client.mget([self.prefix + bucket for bucket in buckets])
        return {bucket: int(value or 0) for bucket, value in zip(buckets, values, strict=True)}


class LoginThrottle:
    """Decides whether a sign-in attempt may even be checked (no argon2 work when refused)."""

    def __init__(
        self,
        store: CounterStore,
        clock: Clock,
        per_address: Sequence[Limit],
        per_account: Sequence[Limit],
    ) -> None:
        self.store = store
        self.clock = clock
        self.per_address = tuple(per_address)
        self.per_account = tuple(per_account)

    def address_admitted(self, address: str) -> bool:
        """Count this attempt from `address`; False once any of its limits is exceeded."""
        now = self.clock.now()
        buckets = self._buckets("ip", address, self.per_address, now)
        counts = self.store.hit({b: limit.seconds for b, limit in buckets.items()}, now)
        return all(counts[b] <= limit.amount for b, limit in buckets.items())

    def account_locked(self, username: str) -> bool:
        """True while the failed attempts for `username` have reached one of its limits."""
        now = self.clock.now()
        buckets = self._buckets("account", username.casefold(), self.per_account, now)
        counts = self.store.peek(list(buckets), now)
        return any(counts[b] >= limit.amount for b, limit in buckets.items())

    def failed(self, username: str) -> None:
        """Count a failed attempt (wrong password or unknown user) against `username`."""
        now = self.clock.now()
        buckets = self._buckets("account", username.casefold(), self.per_account, now)
        self.store.hit({b: limit.seconds for b, limit in buckets.items()}, now)

    @staticmethod
    def _buckets(
        scope: str, subject: str, limits: Sequence[Limit], now: datetime
    ) -> dict[str, Limit]:
        epoch = int(now.astimezone(UTC).timestamp())
        subject = subject[:_SUBJECT_LENGTH]
        return {
            f"login:{scope}:{limit.seconds}:{epoch // limit.seconds}:{subject}": limit
            for limit in limits
        }
