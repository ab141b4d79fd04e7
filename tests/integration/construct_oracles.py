"""What BPMN and the case data model (docs/case-data.md) say each construct model under
tests/data/constructs does, kept as plain Python: the tokens open, the tasks completed and
cancelled, and the case data, after every step of a case.

Every model is a loop: `merge` → the construct → `ronda` (submits `otra`) → back or end. An
oracle is told what a user submitted (or how long the clock moved) and predicts the rest;
`choices` gives hypothesis the forms a user may submit at each task.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from hypothesis import strategies as st

NOTE_FORM = ("nota", "camino", "x", "y")  # CONSTRUCTS.form.schema.json


def any_form(tag: str, fields: tuple[str, ...] = NOTE_FORM) -> st.SearchStrategy[dict[str, Any]]:
    """Some of the form's fields, each write tagged with who made it (the last writer shows)."""
    values: dict[str, st.SearchStrategy[Any]] = {
        "nota": st.just(tag),
        "camino": st.sampled_from(["a", "b"]),
        "x": st.booleans(),
        "y": st.booleans(),
    }
    return st.fixed_dictionaries({}, optional={name: values[name] for name in fields})


class Oracle:
    """The common loop: `ronda` closes a round, `otra` is true until the drawn round count."""

    model = ""
    first = ""  # the element opened when a round starts

    def __init__(self, rounds: int) -> None:
        self.rounds = rounds
        self.round = 1
        self.step = 0
        self.now = 0  # minutes since the case started
        self.open: Counter[str] = Counter()
        self.completed: Counter[str] = Counter()
        self.cancelled: Counter[str] = Counter()
        self.data: dict[str, Any] = {}
        self.start_round()

    # -- what a user may do --------------------------------------------------------------

    def choices(self, element: str) -> st.SearchStrategy[dict[str, Any]]:
        if element == "ronda":
            return st.just({"otra": self.round < self.rounds})
        return any_form(f"{element}-{self.step}")

    def can_wait(self) -> bool:
        return False

    # -- what follows --------------------------------------------------------------------

    def submitted(self, element: str, fields: dict[str, Any]) -> None:
        self.step += 1
        assert self.open[element] > 0, f"{element} was not open"
        self.open[element] -= 1
        self.completed[element] += 1
        self.write(element, fields)
        if element == "ronda":
            if fields["otra"]:
                self.round += 1
                self.start_round()
        else:
            self.follow(element, fields)
        self.open = +self.open  # drop zero counts

    def write(self, element: str, fields: dict[str, Any]) -> None:
        """A form's fields are case variables, the last committed write wins."""
        self.data.update(fields)

    def waited(self, minutes: int) -> None:
        self.now += minutes

    def start_round(self) -> None:
        self.open[self.first] += 1

    def follow(self, element: str, fields: dict[str, Any]) -> None:
        raise NotImplementedError

    def finished(self) -> bool:
        return not self.open


class JoinOracle(Oracle):
    """A construct whose branches all end in one join before `ronda`: `ronda` opens only when
    every branch started in this round has arrived."""

    def __init__(self, rounds: int) -> None:
        self.waiting_for: set[str] = set()
        super().__init__(rounds)

    def split(self, branches: list[str], arrivals: set[str]) -> None:
        for branch in branches:
            self.open[branch] += 1
        self.waiting_for = set(arrivals)

    def arrive(self, element: str) -> None:
        self.waiting_for.discard(element)
        if not self.waiting_for:
            self.open["ronda"] += 1


class Exclusive(JoinOracle):
    model, first = "C_EXCLUSIVE", "elegir"

    def choices(self, element: str) -> st.SearchStrategy[dict[str, Any]]:
        if element == "elegir":
            camino = st.fixed_dictionaries({"camino": st.sampled_from(["a", "b"])})
            return st.tuples(camino, any_form(f"elegir-{self.step}", ("nota", "x"))).map(
                lambda parts: {**parts[1], **parts[0]}
            )
        return super().choices(element)

    def follow(self, element: str, fields: dict[str, Any]) -> None:
        if element == "elegir":
            branch = "a" if self.data["camino"] == "a" else "b"
            self.split([branch], {branch})
        else:
            self.arrive(element)


class Parallel(JoinOracle):
    model, first = "C_PARALLEL", "merge"

    def start_round(self) -> None:
        self.split(["a1", "b1"], {"a2", "b1"})

    def follow(self, element: str, fields: dict[str, Any]) -> None:
        if element == "a1":
            self.open["a2"] += 1
        else:
            self.arrive(element)


class ParallelSubprocess(Parallel):
    """C_PARALLEL with branch B's b1 inside an embedded subprocess: the same tokens, and a
    write in either branch reaches the other (case variables have the process's scope)."""

    model = "C_PARALLEL_SUB"


class Nested(JoinOracle):
    model, first = "C_NESTED", "merge"

    def start_round(self) -> None:
        self.split(["a", "b", "c"], {"a", "b", "c"})

    def follow(self, element: str, fields: dict[str, Any]) -> None:
        self.arrive(element)


class Inclusive(JoinOracle):
    model, first = "C_INCLUSIVE", "elegir"

    def choices(self, element: str) -> st.SearchStrategy[dict[str, Any]]:
        if element == "elegir":
            flags = st.fixed_dictionaries({"x": st.booleans(), "y": st.booleans()})
            return st.tuples(flags, any_form(f"elegir-{self.step}", ("nota",))).map(
                lambda parts: {**parts[1], **parts[0]}
            )
        return super().choices(element)

    def follow(self, element: str, fields: dict[str, Any]) -> None:
        if element == "elegir":
            branches = [name for name, flag in (("a", "x"), ("b", "y")) if self.data[flag]]
            branches = branches or ["c"]  # the default flow, only when no condition holds
            self.split(branches, set(branches))
        else:
            self.arrive(element)


class EventGateway(Oracle):
    """`elegir` submits `camino`; the event-based gateway `evento` waits for t1 (1 hour, or 3
    when `camino` is "b") and t2 (2 hours): the first due takes its path (`a` or `b`), the
    other timer is withdrawn."""

    model, first = "C_EVENT", "elegir"

    def __init__(self, rounds: int) -> None:
        self.due: dict[str, int] = {}  # the gateway's timers while it waits: path -> minute
        super().__init__(rounds)

    def choices(self, element: str) -> st.SearchStrategy[dict[str, Any]]:
        if element == "elegir":
            camino = st.fixed_dictionaries({"camino": st.sampled_from(["a", "b"])})
            return st.tuples(camino, any_form(f"elegir-{self.step}", ("nota", "x"))).map(
                lambda parts: {**parts[1], **parts[0]}
            )
        return super().choices(element)

    def can_wait(self) -> bool:
        return bool(self.due)

    def waited(self, minutes: int) -> None:
        super().waited(minutes)
        if self.due and self.now >= min(self.due.values()):
            path = min(self.due, key=lambda name: (self.due[name], name))
            self.due = {}
            self.open[path] += 1

    def follow(self, element: str, fields: dict[str, Any]) -> None:
        if element == "elegir":
            t1 = 180 if self.data["camino"] == "b" else 60
            self.due = {"a": self.now + t1, "b": self.now + 120}
        else:
            self.open["ronda"] += 1

    def finished(self) -> bool:
        return not self.open and not self.due


class CallActivity(Oracle):
    """`llamar` calls C_CALLED (one task, `llamado`): its variables come back into the case."""

    model, first = "C_CALL", "llamado"

    def follow(self, element: str, fields: dict[str, Any]) -> None:
        self.open["ronda"] += 1


class Subprocess(Oracle):
    """`sub` (s1 → s2) with a non-interrupting 30-minute timer (`aviso`, a token of its own
    that ends by itself) and an interrupting 1-hour timer (cancels `sub`, opens `vencido`);
    both start when the subprocess starts and stop when it ends."""

    model, first = "C_SUBPROCESS", "s1"
    NOTICE, DEADLINE = 30, 60

    def start_round(self) -> None:
        self.started_at = self.now
        self.running = True
        self.notice_armed = True
        self.open["s1"] += 1

    def can_wait(self) -> bool:
        return self.running

    def waited(self, minutes: int) -> None:
        super().waited(minutes)
        if not self.running:
            return
        if self.notice_armed and self.now >= self.started_at + self.NOTICE:
            self.notice_armed = False
            self.open["aviso"] += 1
        if self.now >= self.started_at + self.DEADLINE:
            self.running = False
            for inside in ("s1", "s2"):
                self.cancelled[inside] += self.open.pop(inside, 0)
            self.open["vencido"] += 1

    def follow(self, element: str, fields: dict[str, Any]) -> None:
        if element == "s1":
            self.open["s2"] += 1
        elif element == "s2":
            self.running = False
            self.open["ronda"] += 1
        elif element == "vencido":
            self.open["ronda"] += 1
        # `aviso` ends at its own end event: its token is simply gone


class MultiInstance(Oracle):
    """`elegir` submits `items`; `instancia` runs once per item (each with its own `item` and
    `nota`, locals that stay in the instance) and `resultados`, emptied at every activation,
    collects each instance's `nota` as it ends; then `revisar` and `ronda`."""

    first = "elegir"
    sequential = False

    def choices(self, element: str) -> st.SearchStrategy[dict[str, Any]]:
        tag = f"{element}-{self.step}"
        if element == "elegir":
            items = st.lists(st.sampled_from(["p", "q", "r"]), max_size=3)
            return st.tuples(st.fixed_dictionaries({"items": items}), any_form(tag, ("nota",))).map(
                lambda parts: {**parts[1], **parts[0]}
            )
        if element == "instancia":  # the output item must be set, other fields may be
            return st.tuples(st.just({"nota": tag}), any_form(tag, ("camino", "x"))).map(
                lambda parts: {**parts[1], **parts[0]}
            )
        return super().choices(element)

    def write(self, element: str, fields: dict[str, Any]) -> None:
        if element != "instancia":
            super().write(element, fields)

    def follow(self, element: str, fields: dict[str, Any]) -> None:
        if element == "elegir":
            self.remaining = len(fields["items"])
            self.results: list[str] = []
            # The collection is the activity's result: empty as it starts, every round.
            self.data["resultados"] = []
            self.open_instances(self.remaining)
        elif element == "instancia":
            self.results.append(fields["nota"])
            self.data["resultados"] = list(self.results)
            self.remaining -= 1
            if self.sequential:
                self.open_instances(min(self.remaining, 1))
            elif not self.remaining:
                self.open["revisar"] += 1
        elif element == "revisar":
            self.open["ronda"] += 1

    def open_instances(self, count: int) -> None:
        if not self.remaining:
            self.open["revisar"] += 1
        elif self.sequential:
            self.open["instancia"] += 1
        else:
            self.open["instancia"] += count


class MultiInstanceParallel(MultiInstance):
    model = "C_MI_PARALLEL"


class MultiInstanceSequential(MultiInstance):
    model = "C_MI_SEQUENTIAL"
    sequential = True
