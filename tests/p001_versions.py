"""Later versions of P001 for migration tests, deployed through the analysts' drafts."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from engine import Engine
from tests.conftest import BPMN

P001_XML = (BPMN / "P001_delegaciones.bpmn").read_text(encoding="utf-8")

RENAMED = P001_XML.replace('name="Proponer delegado"', 'name="Postular delegado"')


def _without_proposal(xml: str) -> str:
    """P001 with `proponer_delegado` removed: the merge goes straight to the Secretario."""
    xml = xml.replace("        <bpmn:flowNodeRef>proponer_delegado</bpmn:flowNodeRef>\n", "")
    xml = re.sub(
        r'    <bpmn:userTask id="proponer_delegado".*?</bpmn:userTask>\n', "", xml, flags=re.S
    )
    xml = xml.replace(
        '<bpmn:sequenceFlow id="f_proponer_aprobar" sourceRef="proponer_delegado" '
        'targetRef="aprobar_delegacion" />\n',
        "",
    )
    xml = xml.replace(
        'sourceRef="gw_merge_propuesta" targetRef="proponer_delegado"',
        'sourceRef="gw_merge_propuesta" targetRef="aprobar_delegacion"',
    )
    xml = xml.replace(
        "<bpmn:incoming>f_proponer_aprobar</bpmn:incoming>",
        "<bpmn:incoming>f_merge_proponer</bpmn:incoming>",
    )
    xml = re.sub(
        r'      <bpmndi:BPMNShape id="proponer_delegado_di".*?</bpmndi:BPMNShape>\n',
        "",
        xml,
        flags=re.S,
    )
    return re.sub(
        r'      <bpmndi:BPMNEdge id="f_proponer_aprobar_di".*?</bpmndi:BPMNEdge>\n',
        "",
        xml,
        flags=re.S,
    )


WITHOUT_PROPOSAL = _without_proposal(P001_XML)


def called_processes() -> list[Path]:
    """The diagrams P001 calls (P003, P005): deployed, a draft of P001 can call them."""
    return sorted(BPMN.glob("P003_*.bpmn")) + sorted(BPMN.glob("P005_*.bpmn"))


def deploy_version(engine: Engine, xml: str, forms: dict[str, Any] | None = None) -> int:
    """Deploy `xml` (and `forms`, else version 1's) as P001's next version, as an analyst does
    from a draft; its number."""
    draft = engine.create_draft("P001", "analista", 1)
    saved = engine.save_draft(draft.draft_id, draft.revision, xml, "analista", forms)
    # The scenarios' gate has its own tests (tests/web/test_workbench.py); running P001's
    # scenarios before each of these deployments would only slow the migration tests.
    return engine.deploy_draft(
        saved.draft_id, saved.revision, "analista", scenarios_required=False
    ).version
