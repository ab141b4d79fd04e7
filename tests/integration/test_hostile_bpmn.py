"""Malformed and hostile BPMN gets a clear error naming the element or line; nothing is deployed."""

from __future__ import annotations

import re
import shutil
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine import Engine, InvalidDefinition
from storage.models import Definition
from tests.conftest import BPMN, PROCESSES

ORIGINAL = (BPMN / "P001_delegaciones.bpmn").read_text(encoding="utf-8")
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'


def _with_doctype(doctype: str, body_entity: str) -> str:
    text = ORIGINAL.replace(XML_DECLARATION, "").lstrip()
    text = text.replace("<bpmn:documentation>", f"<bpmn:documentation>{body_entity} ", 1)
    return f"{XML_DECLARATION}\n{doctype}\n{text}"


@pytest.fixture
def listener() -> Iterator[list[bytes]]:
    """A loopback server that records any connection: hostile files must never reach it."""
    received: list[bytes] = []
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except OSError:
                continue
            received.append(connection.recv(1024))
            connection.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    received.append(str(server.getsockname()[1]).encode())
    yield received
    stop.set()
    thread.join()
    server.close()


CASES: dict[str, tuple[Callable[[str], str], str]] = {
    "xxe_file_entity": (
        lambda port: _with_doctype('<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>', "&x;"),
        r":2: DOCTYPE y entidades XML no están permitidos",
    ),
    "billion_laughs": (
        lambda port: _with_doctype(
            '<!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
            '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>',
            "&d;",
        ),
        r"DOCTYPE y entidades XML no están permitidos",
    ),
    "external_dtd": (
        lambda port: _with_doctype(f'<!DOCTYPE d SYSTEM "http://127.0.0.1:{port}/evil.dtd">', ""),
        r"DOCTYPE y entidades XML no están permitidos",
    ),
    "not_xml": (lambda port: "esto no es un diagrama", r"XML mal formado"),
    "truncated_xml": (
        lambda port: ORIGINAL[: len(ORIGINAL) // 2],
        r"P001_delegaciones\.bpmn:\d+: XML mal formado",
    ),
    "unknown_element": (
        lambda port: ORIGINAL.replace(
            '<bpmn:userTask id="proponer_delegado"',
            '<bpmn:fooTask id="intruso" /><bpmn:userTask id="proponer_delegado"',
            1,
        ),
        r"fooTask",
    ),
    "dangling_sequence_flow": (
        lambda port: re.sub(
            r'targetRef="fin_rechazada"', 'targetRef="no_existe"', ORIGINAL, count=1
        ),
        r"elemento 'f_\w+': el flujo apunta a un elemento inexistente \(targetRef='no_existe'\)",
    ),
    "gateway_without_conditions": (
        lambda port: re.sub(
            r"<bpmn:conditionExpression[^>]*>[^<]*</bpmn:conditionExpression>", "", ORIGINAL
        ),
        r"sale de la compuerta 'gw_decision_secretario' sin condición",
    ),
    "unknown_lane_group": (
        lambda port: ORIGINAL.replace(
            'name="secretario_gobierno"', 'name="secretaria_inexistente"', 1
        ),
        r"el carril 'secretaria_inexistente' no corresponde a ningún grupo",
    ),
    "unregistered_operator": (
        lambda port: ORIGINAL.replace(
            'serviceTaskOperator id="notify"', 'serviceTaskOperator id="borrar_todo"', 1
        ),
        r"elemento 'notificar_delegado': el operador 'borrar_todo' no está registrado",
    ),
    "missing_form": (
        lambda port: ORIGINAL.replace(
            'value="P001.propuesta.schema.json"', 'value="P001.no_existe.schema.json"', 1
        ),
        r"elemento 'proponer_delegado': el formulario 'P001.no_existe.schema.json' no existe",
    ),
    "start_in_a_per_case_lane": (
        lambda port: ORIGINAL.replace('name="despacho_gobierno"', 'name="organismo"', 1),
        r"elemento 'inicio': el evento de inicio está en el carril 'organismo'",
    ),
    "unsafe_condition": (
        lambda port: ORIGINAL.replace(
            'decision_secretario == "rechazar"', "__import__('os').system('id')", 1
        ),
        r"no está permitido",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_broken_or_hostile_bpmn_is_refused_and_nothing_is_deployed(
    engine: Engine, tmp_path: Path, listener: list[bytes], case: str
) -> None:
    transform, expected = CASES[case]
    folder = tmp_path / "processes" / "bpmn"
    folder.mkdir(parents=True)
    shutil.copytree(PROCESSES / "forms", tmp_path / "processes" / "forms")
    for called in ("P003_actos_administrativos.bpmn", "P005_seguimiento_compromisos.bpmn"):
        shutil.copy(BPMN / called, folder)  # P001 calls them; only P001 is deployed
    path = folder / "P001_delegaciones.bpmn"
    path.write_text(transform(listener[0].decode()), encoding="utf-8")

    with pytest.raises(InvalidDefinition) as error:
        engine.deploy([path], "analista")
    assert any(re.search(expected, problem) for problem in error.value.problems), (
        error.value.problems
    )
    assert engine.validate([path]) == error.value.problems
    with engine.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Definition)) == 0
    assert listener[1:] == [], "the parser opened a network connection"
    assert "root:" not in str(error.value)


def test_an_oversized_file_is_refused_before_parsing(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "enorme.bpmn"
    path.write_bytes(b"<a>" + b" " * (3 * 1024 * 1024) + b"</a>")
    with pytest.raises(InvalidDefinition, match="tamaño máximo"):
        engine.deploy([path], "analista")
