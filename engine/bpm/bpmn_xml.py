"""Hardened reading of BPMN XML and extraction of what the engine needs from each element.

Untrusted XML never reaches a parser that could expand entities, load a DTD or touch the
network: a DOCTYPE is refused outright, and the lxml parser is configured without any of those.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from lxml import etree

from engine.errors import InvalidDefinition

MAX_BPMN_BYTES = 2 * 1024 * 1024

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
}

FLOW_NODE_TAGS = (
    "startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent",
    "task", "userTask", "manualTask", "serviceTask", "scriptTask", "sendTask", "receiveTask",
    "businessRuleTask", "callActivity", "subProcess", "transaction",
    "exclusiveGateway", "inclusiveGateway", "parallelGateway", "eventBasedGateway",
)  # fmt: skip


def _hardened_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def parse_xml(content: bytes, filename: str) -> etree._ElementTree:
    """Parse untrusted XML or raise `InvalidDefinition` naming the file and line."""
    if len(content) > MAX_BPMN_BYTES:
        raise InvalidDefinition(
            [f"{filename}: el archivo supera el tamaño máximo ({MAX_BPMN_BYTES // 1024} KiB)"]
        )
    head = content[:4096].upper()
    if b"<!DOCTYPE" in content.upper() or b"<!ENTITY" in head:
        line = content[: content.upper().find(b"<!DOCTYPE")].count(b"\n") + 1
        raise InvalidDefinition(
            [f"{filename}:{line}: DOCTYPE y entidades XML no están permitidos (riesgo XXE)"]
        )
    try:
        tree = etree.ElementTree(etree.fromstring(content, _hardened_parser()))
    except etree.XMLSyntaxError as error:
        raise InvalidDefinition(
            [f"{filename}:{error.lineno}: XML mal formado: {error.msg}"]
        ) from None
    if etree.QName(tree.getroot()).localname != "definitions":
        raise InvalidDefinition(
            [f"{filename}: no es un documento BPMN 2.0 (falta bpmn:definitions)"]
        )
    return tree


@dataclass
class Element:
    """A flow node as the engine sees it: where it sits, what it asks for."""

    id: str
    kind: str
    name: str
    line: int
    container: str | None = None
    lane: str | None = None
    documentation: str = ""
    instructions: str = ""
    properties: dict[str, str] = field(default_factory=dict)
    operator: str | None = None
    operator_params: dict[str, str] = field(default_factory=dict)
    called_element: str | None = None
    expressions: list[str] = field(default_factory=list)
    scripts: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def form(self) -> str | None:
        return self.properties.get("formJsonSchemaFilename")

    @property
    def ui_form(self) -> str | None:
        return self.properties.get("formUiSchemaFilename")


def _line_of(node: etree._Element) -> int:
    line = node.sourceline
    return line if isinstance(line, int) else 0


def _text(node: etree._Element | None) -> str:
    return (node.text or "").strip() if node is not None else ""


def executable_processes(tree: etree._ElementTree) -> list[etree._Element]:
    return [
        process
        for process in tree.getroot().findall("bpmn:process", NS)
        if process.get("isExecutable", "false").lower() == "true"
    ]


def _container(node: etree._Element) -> str | None:
    """The id of the subprocess holding `node`, or None at the process's top level."""
    parent = node.getparent()
    while parent is not None and etree.QName(parent).localname not in (
        "process",
        "subProcess",
        "transaction",
    ):
        parent = parent.getparent()
    if parent is None or etree.QName(parent).localname == "process":
        return None
    return parent.get("id")


def process_elements(process: etree._Element) -> dict[str, Element]:
    """Every flow node of `process` (subprocesses included), keyed by id."""
    lanes: dict[str, str] = {}
    for lane in process.iterfind(".//bpmn:lane", NS):
        for ref in lane.findall("bpmn:flowNodeRef", NS):
            lanes[_text(ref)] = lane.get("name", "")
    elements: dict[str, Element] = {}
    for tag in FLOW_NODE_TAGS:
        for node in process.iterfind(f".//bpmn:{tag}", NS):
            element = Element(
                id=node.get("id", ""),
                kind=tag,
                name=node.get("name", "") or node.get("id", ""),
                line=_line_of(node),
                lane=lanes.get(node.get("id", "")),
                documentation=_text(node.find("bpmn:documentation", NS)),
                instructions=_text(
                    node.find("bpmn:extensionElements/spiffworkflow:instructionsForEndUser", NS)
                ),
                called_element=node.get("calledElement"),
                container=_container(node),
            )
            for prop in node.iterfind(
                "bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", NS
            ):
                element.properties[prop.get("name", "")] = prop.get("value", "")
            operator = node.find("bpmn:extensionElements/spiffworkflow:serviceTaskOperator", NS)
            if operator is not None:
                element.operator = operator.get("id")
                for param in operator.iterfind(".//spiffworkflow:parameter", NS):
                    element.operator_params[param.get("id", "")] = param.get("value", "")
            element.expressions = [
                *(v for k, v in element.properties.items() if k.endswith("Expression") and v),
                *element.operator_params.values(),
                *(
                    _text(timer)
                    for timer in node.iterfind(".//bpmn:timerEventDefinition/*", NS)
                    if _text(timer)
                ),
            ]
            element.scripts = [
                script
                for script in (
                    _text(node.find("bpmn:script", NS)),
                    _text(node.find("bpmn:extensionElements/spiffworkflow:preScript", NS)),
                    _text(node.find("bpmn:extensionElements/spiffworkflow:postScript", NS)),
                )
                if script
            ]
            elements[element.id] = element
    return elements


def with_lane_labels(bpmn_xml: str, labels: dict[str, str]) -> str:
    """The diagram with each lane named by `labels` (a lane's name is the code of its group;
    officials read the organism's name). Lanes without a label keep their name."""
    tree = parse_xml(bpmn_xml.encode("utf-8"), "diagrama")
    for lane in tree.iterfind(".//bpmn:lane", NS):
        label = labels.get(lane.get("name", ""))
        if label:
            lane.set("name", label)
    return etree.tostring(tree, encoding="unicode")
