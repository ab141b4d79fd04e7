"""Administrative acts are numbered per type and year: consecutive, no gaps, no duplicates,
even when signatures happen at the same time (PostgreSQL row locks; SQLite serializes)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session, sessionmaker

from engine import Engine, HandlerContext, ManualClock
from handlers.acts import number_act
from storage.models import Case
from tests.helpers import race


def _number(session: Session, act_type: str, year: int) -> str:
    return _number_at(session, act_type, datetime(year, 6, 1, tzinfo=UTC))


def _number_at(session: Session, act_type: str, instant: datetime, **params: str) -> str:
    context = HandlerContext(
        case=Case(business_key="P003-x"),
        element_id="numerar_acto",
        data={},
        actor="alcalde",
        clock=ManualClock(instant),
        session=session,
        notify=lambda *args: None,
        completed_tasks=lambda: iter(()),
        params={"tipo_acto": act_type, **params},
    )
    return str(number_act(context)["numero"])


def test_numbers_are_consecutive_per_type_and_year(engine: Engine) -> None:
    with engine.unit_of_work() as session:
        numbers = [_number(session, "decreto", 2026), _number(session, "decreto", 2026)]
        numbers += [_number(session, "resolucion", 2026), _number(session, "decreto", 2027)]
    assert numbers == [
        "DECRETO 0001 de 2026",
        "DECRETO 0002 de 2026",
        "RESOLUCION 0001 de 2026",
        "DECRETO 0001 de 2027",
    ]


def test_a_rolled_back_signature_gives_its_number_back(engine: Engine) -> None:
    with pytest.raises(RuntimeError), engine.unit_of_work() as session:
        _number(session, "decreto", 2026)
        raise RuntimeError("la firma falló")
    with engine.unit_of_work() as session:
        assert _number(session, "decreto", 2026) == "DECRETO 0001 de 2026"


def test_concurrent_signatures_get_distinct_consecutive_numbers(
    sessions: sessionmaker[Session], engine: Engine
) -> None:
    signatures = 16
    numbers: list[str] = []

    def sign() -> None:
        with engine.unit_of_work() as session:
            numbers.append(_number(session, "decreto", 2026))

    assert race(*[sign] * signatures) == [None] * signatures
    assert sorted(numbers) == [f"DECRETO {n:04d} de 2026" for n in range(1, signatures + 1)]


def test_an_act_signed_on_new_years_eve_evening_in_bogota_keeps_that_years_series(
    engine: Engine,
) -> None:
    """20:00 in Bogotá on 31 December is already 1 January in UTC: the act is still of 2026,
    as the business keys are (both use the Bogotá date)."""
    evening = datetime(2026, 12, 31, 20, 0, tzinfo=ZoneInfo("America/Bogota"))
    with engine.unit_of_work() as session:
        assert _number_at(session, "decreto", evening) == "DECRETO 0001 de 2026"
        assert _number_at(session, "decreto", datetime(2027, 1, 1, 4, 59, tzinfo=UTC)) == (
            "DECRETO 0002 de 2026"
        )


def test_the_number_is_written_in_the_format_the_diagram_configures(engine: Engine) -> None:
    """Issue 17: the Alcaldía's own style, the TRD-coded one of the circular's radicado."""
    june = datetime(2026, 6, 1, tzinfo=UTC)
    trd = {"formato": "{TRD}.{ANIO}.{NUMERO}", "codigo_trd": "4112.020.22.2.1020"}
    with engine.unit_of_work() as session:
        assert _number_at(session, "decreto", june, **trd) == "4112.020.22.2.1020.2026.0001"
        assert (
            _number_at(session, "decreto", june, formato="{TIPO} N.º {CONSECUTIVO}/{ANIO}")
            == "DECRETO N.º 2/2026"
        )
        assert _number(session, "decreto", 2026) == "DECRETO 0003 de 2026"  # the default


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"formato": "{TIPO} {NUMERO.__class__}"}, "«{NUMERO.__class__}» no es una parte"),
        ({"formato": "{TRD}-{NUMERO}"}, "«{TRD}» no es una parte"),  # no codigo_trd given
        ({"formato": "{TIPO} de {ANIO}"}, "le falta {NUMERO} o {CONSECUTIVO}"),
    ],
)
def test_a_format_with_unknown_parts_or_no_number_is_refused_and_uses_no_number(
    engine: Engine, params: dict[str, str], message: str
) -> None:
    june = datetime(2026, 6, 1, tzinfo=UTC)
    with engine.unit_of_work() as session:
        with pytest.raises(ValueError, match=re.escape(message)):
            _number_at(session, "decreto", june, **params)
        assert _number(session, "decreto", 2026) == "DECRETO 0001 de 2026"
