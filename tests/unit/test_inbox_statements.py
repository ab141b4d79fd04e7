"""The inbox's tab counts join the follow-up dates only when they filter by them: the join cost
a third of the counts' time on SQLite (bench/inbox.py) and changes no count."""

from __future__ import annotations

from datetime import date

from engine.authorization import Actor
from engine.read.inbox import InboxFilter, count_statement, inbox_statement

DESPACHO = Actor("despacho", "Despacho", frozenset({"despacho_gobierno"}), frozenset(), False)
TODAY = date(2026, 12, 1)


def test_the_counts_join_the_follow_ups_only_to_filter_by_them() -> None:
    plain = str(count_statement(DESPACHO, InboxFilter(), TODAY, "grupos"))
    filtered = str(count_statement(DESPACHO, InboxFilter(follow_up_due=True), TODAY, "grupos"))
    assert "task_followups" not in plain
    assert "JOIN task_followups" in filtered and "LEFT OUTER JOIN task_followups" not in filtered


def test_the_rows_always_carry_the_actor_s_follow_up_date() -> None:
    rows = str(inbox_statement(DESPACHO, InboxFilter(), TODAY))
    assert "LEFT OUTER JOIN task_followups" in rows
