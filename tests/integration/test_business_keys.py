"""Business keys P001-2026-00001…: consecutive per procedure and year, no gaps, no duplicates."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from engine import Engine, ManualClock, ValidationError
from storage.models import Case
from tests.conftest import BOGOTA
from tests.helpers import race
from tests.integration.test_p001_paths import INVITATION


def test_keys_are_consecutive_per_year_and_restart_in_january(
    p001: Engine, clock: ManualClock
) -> None:
    first = p001.start("P001", "despacho", INVITATION)
    second = p001.start("P001", "despacho", INVITATION)
    clock.set(datetime(2027, 1, 2, 9, 0, tzinfo=BOGOTA))
    third = p001.start("P001", "despacho", INVITATION)
    assert (first, second, third) == ("P001-2026-00001", "P001-2026-00002", "P001-2027-00001")


def test_a_failed_start_does_not_consume_a_number(p001: Engine) -> None:
    p001.start("P001", "despacho", INVITATION)
    with pytest.raises(ValidationError):
        p001.start("P001", "despacho", {})  # invalid start form
    assert p001.start("P001", "despacho", INVITATION) == "P001-2026-00002"


def test_concurrent_starts_get_distinct_consecutive_keys(p001: Engine) -> None:
    starts = 12
    outcomes = race(*[lambda: p001.start("P001", "despacho", INVITATION)] * starts)
    assert outcomes == [None] * starts
    with p001.sessions() as session:
        keys = sorted(session.scalars(select(Case.business_key)))
    assert keys == [f"P001-2026-{n:05d}" for n in range(1, starts + 1)]
