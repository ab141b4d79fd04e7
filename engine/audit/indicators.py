"""The four operation policies (MEDE01.09.PCT001) measured over a period, from what happened.

Policies 2 to 4 read the audit trail (task created, completed or cancelled, with the form data
submitted), round by round, through the elements each diagram declares for them
(`engine.bpm.quality_roles`); policy 1 reads the commitments register and its history. Every
figure keeps the cases behind it, so the page can show them.

An item counts as compliant, non-compliant or pending (not a failure yet: its term has not
passed); the percentage is compliant over compliant plus non-compliant. `info` buckets are
shown and drilled into but are not part of the percentage (the returns of policy 2).

Over a period, only the cases that can hold an item of it are read (`_cases_in_period`): every
item is placed by the instant of a task's creation or completion, by a task's due date, or by a
commitment's original due date, so a case with none of those in the period has nothing in it.
Those cases are read whole (a round is judged by its earlier rounds), and each item is still
placed by `Filters.admits`, so narrowing changes what is read, never what is counted.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, Text, and_, cast, or_, select, true, union
from sqlalchemy.orm import Session

from engine.audit.policy_rounds import CaseHistory, TaskRecord, case_histories
from engine.bpm.calendar import BOGOTA, local_date
from engine.errors import ValidationError
from storage.models import AuditEvent, Case, Commitment, Definition

Outcome = Literal["compliant", "non_compliant", "pending", "info"]


@dataclass(frozen=True)
class Filters:
    """A period (inclusive local dates) and a breakdown; None means no restriction."""

    start: date | None = None
    end: date | None = None
    procedure: str | None = None
    organism: str | None = None
    version: int | None = None

    @classmethod
    def parse(
        cls,
        start: str | None = None,
        end: str | None = None,
        procedure: str | None = None,
        organism: str | None = None,
        version: str | None = None,
    ) -> Filters:
        """Filters from text (a form, the command line); bad input is a `ValidationError`
        naming each field, in Spanish."""
        errors: dict[str, str] = {}
        days: dict[str, date | None] = {}
        for name, text in (("desde", start), ("hasta", end)):
            try:
                days[name] = date.fromisoformat(text.strip()) if text and text.strip() else None
            except ValueError:
                errors[name] = "la fecha debe tener la forma AAAA-MM-DD"
                days[name] = None
        number = None
        if version and version.strip():
            if version.strip().isdigit() and int(version) > 0:
                number = int(version)
            else:
                errors["version"] = "la versión debe ser un número entero positivo"
        low, high = days["desde"], days["hasta"]
        if low and high and low > high:
            errors["hasta"] = "el periodo termina antes de empezar"
        if errors:
            raise ValidationError(errors)
        return cls(
            low, high, (procedure or "").strip() or None, (organism or "").strip() or None, number
        )

    def admits(self, item: Item) -> bool:
        return (
            (self.start is None or item.day >= self.start)
            and (self.end is None or item.day <= self.end)
            and (self.procedure is None or self.procedure in (item.procedure, item.process))
            and (self.organism is None or item.organism == self.organism)
            and (self.version is None or item.version == self.version)
        )


@dataclass(frozen=True)
class Item:
    """One thing counted (a commitment, a signed act, a ficha, a discrepancy) and its case."""

    business_key: str
    procedure: str
    process: str
    version: int
    organism: str
    day: date  # the date that places the item in a period
    detail: str

    def as_json(self) -> dict[str, Any]:
        return {
            "case": self.business_key,
            "procedure": self.procedure,
            "process": self.process,
            "version": self.version,
            "organism": self.organism,
            "date": self.day.isoformat(),
            "detail": self.detail,
        }


@dataclass(frozen=True)
class Bucket:
    code: str
    label: str
    outcome: Outcome
    items: list[Item] = field(default_factory=list)


@dataclass(frozen=True)
class Indicator:
    policy: str
    title: str
    numerator: str
    denominator: str
    pending_means: str
    buckets: list[Bucket]

    def _count(self, outcome: Outcome) -> int:
        return sum(len(b.items) for b in self.buckets if b.outcome == outcome)

    @property
    def compliant(self) -> int:
        return self._count("compliant")

    @property
    def non_compliant(self) -> int:
        return self._count("non_compliant")

    @property
    def pending(self) -> int:
        return self._count("pending")

    @property
    def measured(self) -> int:
        return self.compliant + self.non_compliant

    @property
    def percent(self) -> float | None:
        return None if self.measured == 0 else 100 * self.compliant / self.measured

    def bucket(self, code: str) -> Bucket:
        return next(b for b in self.buckets if b.code == code)

    def keys(self, outcome: Outcome) -> list[str]:
        return sorted(
            {i.business_key for b in self.buckets if b.outcome == outcome for i in b.items}
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "policy": self.policy,
            "title": self.title,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "pending_means": self.pending_means,
            "compliant": self.compliant,
            "non_compliant": self.non_compliant,
            "pending": self.pending,
            "percent": None if self.percent is None else round(self.percent, 1),
            "cases": {
                outcome: self.keys(outcome)
                for outcome in ("compliant", "non_compliant", "pending", "info")
            },
            "buckets": [
                {
                    "code": b.code,
                    "label": b.label,
                    "outcome": b.outcome,
                    "count": len(b.items),
                    "items": [i.as_json() for i in b.items],
                }
                for b in self.buckets
            ],
        }


def compliance(session: Session, now: datetime, filters: Filters | None = None) -> list[Indicator]:
    """The four indicators over `filters`, as of `now` (what is overdue is judged today)."""
    filters = filters or Filters()
    today = local_date(now)
    histories = list(case_histories(session, filters.version, _cases_in_period(filters)))
    return [
        _commitments(session, today, filters, {h.case_id: h for h in histories}),
        _vistos_buenos(histories, filters),
        _fichas(histories, today, filters),
        _discrepancies(histories, today, filters),
    ]


def _cases_in_period(filters: Filters) -> Select[tuple[int]] | None:
    """The ids of the cases that may hold an item placed in the period; None without one."""
    if filters.start is None and filters.end is None:
        return None
    instant = AuditEvent.at
    due = AuditEvent.payload["due"].as_string()  # "2026-12-10", as the engine wrote it
    in_period: list[ColumnElement[bool]] = []
    due_in_period: list[ColumnElement[bool]] = [AuditEvent.action == "task_created"]
    if filters.start is not None:
        in_period.append(instant >= _midnight(filters.start))
        due_in_period.append(due >= filters.start.isoformat())
    if filters.end is not None:
        following = filters.end + timedelta(days=1)
        in_period.append(instant < _midnight(following))
        due_in_period.append(due < following.isoformat())
    events = select(AuditEvent.case_id).where(
        AuditEvent.action.in_(("task_created", "task_completed")),
        or_(and_(*in_period), and_(*due_in_period)),
    )
    commitments = select(Commitment.case_id).where(_commitments_in_period(filters))
    return select(union(events, commitments).subquery().c.case_id)


def _commitments_in_period(filters: Filters) -> ColumnElement[bool]:
    """Commitments whose due date is in the period, and every reprogrammed one (its original
    due date is in its history, which `_original_due` reads)."""
    if filters.start is None and filters.end is None:
        return true()
    due = [Commitment.due_date >= filters.start] if filters.start else []
    due += [Commitment.due_date <= filters.end] if filters.end else []
    return or_(and_(*due), cast(Commitment.history, Text).like('%"previous_due"%'))


def _midnight(day: date) -> datetime:
    """The instant a local day starts: an instant is in the period when its Bogotá date is."""
    return datetime.combine(day, time(), BOGOTA)


def _item(history: CaseHistory, task: TaskRecord | None, day: date, detail: str) -> Item:
    return Item(
        history.business_key,
        history.procedure,
        task.process if task else history.procedure,
        history.version,
        history.organism,
        day,
        detail,
    )


def _fill(buckets: list[Bucket], placed: Iterable[tuple[str, Item]], filters: Filters) -> None:
    by_code = {b.code: b for b in buckets}
    for code, item in placed:
        if filters.admits(item):
            by_code[code].items.append(item)


# -- policy 1: commitments ---------------------------------------------------------------------


def _commitments(
    session: Session, today: date, filters: Filters, histories: dict[int, CaseHistory]
) -> Indicator:
    buckets = [
        Bucket("a_tiempo", "Cumplidos a tiempo", "compliant"),
        Bucket("tarde", "Cumplidos tarde", "non_compliant"),
        Bucket("incumplidos", "Verificados como incumplidos", "non_compliant"),
        Bucket("vencidos", "Abiertos y vencidos", "non_compliant"),
        Bucket("reprogramados", "Reprogramados con razón, aún en término", "pending"),
        Bucket("en_termino", "Abiertos, aún en término", "pending"),
    ]
    rows = session.execute(
        select(Commitment, Case.business_key, Definition.key, Definition.version)
        .join(Case, Case.id == Commitment.case_id)
        .join(Definition, Definition.id == Case.definition_id)
        .where(_commitments_in_period(filters))
        .order_by(Commitment.id)
    ).all()

    def placed() -> Iterator[tuple[str, Item]]:
        for commitment, key, procedure, version in rows:
            history = histories.get(commitment.case_id)
            code, detail = _commitment_outcome(commitment, today)
            yield (
                code,
                Item(
                    key,
                    procedure,
                    "P005",
                    version,
                    history.organism if history else "",
                    _original_due(commitment),
                    detail,
                ),
            )

    _fill(buckets, placed(), filters)
    return Indicator(
        "1",
        "Compromisos registrados y seguidos hasta su cumplimiento",
        "compromisos con fecha límite original en el periodo, cumplidos a más tardar en la "
        "fecha límite vigente",
        "compromisos con fecha límite original en el periodo, salvo los que siguen en término",
        "abiertos cuya fecha límite vigente no ha pasado (también los reprogramados con razón)",
        buckets,
    )


def _original_due(commitment: Commitment) -> date:
    for entry in commitment.history:
        if entry.get("previous_due"):
            return date.fromisoformat(str(entry["previous_due"]))
    return commitment.due_date


def _commitment_outcome(commitment: Commitment, today: date) -> tuple[str, str]:
    """A commitment fulfilled by the due date in force counts on time: a reprogramming with
    its reason, made while the commitment was open, is the follow-up the policy asks for."""
    due = commitment.due_date
    reprogrammed = any(e.get("status") == "reprogramado" for e in commitment.history)
    closing = next(
        (e for e in reversed(commitment.history) if e.get("status") in ("cumplido", "incumplido")),
        None,
    )
    described = f"{commitment.description} ({commitment.responsible}, vence {due.isoformat()})"
    if closing is not None:
        closed_on = local_date(datetime.fromisoformat(str(closing["at"])))
        if closing["status"] == "incumplido":
            return "incumplidos", f"{described}; verificado incumplido el {closed_on}"
        if closed_on <= due:
            return "a_tiempo", f"{described}; cumplido el {closed_on}"
        return "tarde", f"{described}; cumplido el {closed_on}"
    if due < today:
        return "vencidos", f"{described}; abierto"
    return ("reprogramados" if reprogrammed else "en_termino"), described


# -- policy 2: vistos buenos before the Mayor's signature --------------------------------------


def _vistos_buenos(histories: list[CaseHistory], filters: Filters) -> Indicator:
    buckets = [
        Bucket("con_vistos", "Firmados con ambos vistos buenos en la última ronda", "compliant"),
        Bucket("sin_vistos", "Firmados sin los vistos buenos de la última ronda", "non_compliant"),
        Bucket("devoluciones", "Devoluciones para ajuste (reprocesos)", "info"),
    ]

    def placed() -> Iterator[tuple[str, Item]]:
        for history in histories:
            for task in history.tasks_with_role("devolucion_acto"):
                yield (
                    "devoluciones",
                    _item(history, task, local_date(task.created_at), f"devuelto: {task.name}"),
                )
            for signature in history.tasks_with_role("firma_acto"):
                if not signature.completed or not signature.has_declared_value():
                    continue
                missing = _missing_vistos_buenos(history, signature)
                day = local_date(signature.completed_at or signature.created_at)
                if missing:
                    detail = "firmado sin: " + ", ".join(missing)
                    yield "sin_vistos", _item(history, signature, day, detail)
                else:
                    yield "con_vistos", _item(history, signature, day, "firmado")

    _fill(buckets, placed(), filters)
    return Indicator(
        "2",
        "Actos firmados por el Alcalde con los vistos buenos del DAGJP y del organismo productor",
        "actos firmados en el periodo cuyos dos vistos buenos se otorgaron en la última ronda "
        "(después del último ajuste y antes de la firma)",
        "actos firmados en el periodo",
        "no aplica: un acto cuenta cuando se firma; las devoluciones se muestran aparte",
        buckets,
    )


def _missing_vistos_buenos(history: CaseHistory, signature: TaskRecord) -> list[str]:
    """The vistos buenos of the signature's process not granted in the signature's round."""
    round_start = max(
        (
            t.completed_seq
            for t in history.tasks_with_role("devolucion_acto", signature.process)
            if t.completed_seq is not None and t.completed_seq < (signature.completed_seq or 0)
        ),
        default=0,
    )
    missing = []
    for element_id, name in history.elements_with_role("visto_bueno", signature.process):
        latest = None
        for task in history.tasks:
            if (
                task.element_id == element_id
                and task.process == signature.process
                and task.completed_seq is not None
                and round_start < task.completed_seq < (signature.completed_seq or 0)
            ):
                latest = task
        if latest is None or not latest.has_declared_value():
            missing.append(name)
    return missing


# -- policy 3: fichas técnicas de delegación ---------------------------------------------------


def _fichas(histories: list[CaseHistory], today: date, filters: Filters) -> Indicator:
    buckets = [
        Bucket("a_tiempo", "Enviadas dentro del término", "compliant"),
        Bucket("tarde", "Enviadas después del término", "non_compliant"),
        Bucket("faltantes", "No enviadas y vencidas", "non_compliant"),
        Bucket("sin_termino", "Sin fecha límite registrada", "non_compliant"),
        Bucket("en_termino", "Aún en término", "pending"),
        Bucket("anuladas", "Anuladas con el caso", "info"),
    ]

    def placed() -> Iterator[tuple[str, Item]]:
        for history in histories:
            for ficha in history.tasks_with_role("ficha_delegacion"):
                who = ficha.assignee or ""
                if ficha.due is None:
                    day = local_date(ficha.created_at)
                    yield "sin_termino", _item(history, ficha, day, f"delegado {who}")
                    continue
                detail = f"delegado {who}, vence {ficha.due.isoformat()}"
                if ficha.completed_at is not None:
                    sent = local_date(ficha.completed_at)
                    code = "a_tiempo" if sent <= ficha.due else "tarde"
                    yield code, _item(history, ficha, ficha.due, f"{detail}; enviada el {sent}")
                elif ficha.cancelled:
                    yield "anuladas", _item(history, ficha, ficha.due, detail)
                elif ficha.due < today:
                    yield "faltantes", _item(history, ficha, ficha.due, f"{detail}; no enviada")
                else:
                    yield "en_termino", _item(history, ficha, ficha.due, detail)

    _fill(buckets, placed(), filters)
    return Indicator(
        "3",
        "Fichas técnicas de delegación enviadas dentro de los 3 días hábiles",
        "fichas con fecha límite en el periodo enviadas a más tardar ese día",
        "fichas con fecha límite en el periodo ya vencida o enviadas (las no enviadas cuentan "
        "como incumplimiento)",
        "fichas no enviadas cuya fecha límite no ha pasado",
        buckets,
    )


# -- policy 4: discrepancies between viability concepts ----------------------------------------


def _discrepancies(histories: list[CaseHistory], today: date, filters: Filters) -> Indicator:
    buckets = [
        Bucket("comite", "Resueltas por el Comité Coordinador", "compliant"),
        Bucket("sin_comite", "Decididas por el líder sin Comité, con justificación", "compliant"),
        Bucket("sin_justificacion", "Decididas sin Comité ni justificación", "non_compliant"),
        Bucket("vencidas", "Sin decisión y con el término vencido", "non_compliant"),
        Bucket("pendientes", "Pendientes de decisión del líder o del Comité", "pending"),
        Bucket("anuladas", "Anuladas con el caso", "info"),
    ]

    def placed() -> Iterator[tuple[str, Item]]:
        for history in histories:
            for decision in history.tasks_with_role("decision_discrepancia"):
                day = local_date(decision.created_at)
                if decision.cancelled:
                    yield "anuladas", _item(history, decision, day, "caso anulado")
                elif not decision.completed:
                    overdue = decision.due is not None and decision.due < today
                    code = "vencidas" if overdue else "pendientes"
                    yield code, _item(history, decision, day, "esperando la decisión del líder")
                elif decision.has_declared_value():
                    yield _committee_outcome(history, decision, day, today)
                elif str(decision.data.get(decision.reason_field or "", "")).strip():
                    yield "sin_comite", _item(history, decision, day, "decidida por el líder")
                else:
                    yield "sin_justificacion", _item(history, decision, day, "sin justificación")

    _fill(buckets, placed(), filters)
    return Indicator(
        "4",
        "Discrepancias entre conceptos de viabilidad resueltas por el Comité o por el líder",
        "discrepancias surgidas en el periodo resueltas por el Comité, o decididas por el "
        "líder sin Comité con su justificación",
        "discrepancias surgidas en el periodo, salvo las pendientes",
        "discrepancias que esperan la decisión del líder o del Comité sin que venza su término",
        buckets,
    )


def _committee_outcome(
    history: CaseHistory, decision: TaskRecord, day: date, today: date
) -> tuple[str, Item]:
    after = decision.completed_seq or 0
    for committee in history.tasks_with_role("decision_comite", decision.process):
        if committee.created_seq > after:
            if committee.completed:
                return "comite", _item(history, decision, day, "resuelta por el Comité")
            if committee.cancelled:
                return "anuladas", _item(history, decision, day, "caso anulado")
            overdue = committee.due is not None and committee.due < today
            code = "vencidas" if overdue else "pendientes"
            return code, _item(history, decision, day, "Comité convocado, sin decisión aún")
    return "pendientes", _item(history, decision, day, "Comité convocado, sin decisión aún")
