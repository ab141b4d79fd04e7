"""Which shapes of a case's diagram are active: the open tasks and everything that holds them.

The case page draws the diagram of the case's own process. A task open inside an embedded
subprocess is on that diagram, and so is the subprocess, which is active too. A task open inside
a called process (P001 calling P003) is not on it at all: what is active there is the call
activity that led to it, at every depth of calls (a call activity calling one that calls
another). The elements catalogue of a deployed version (`Definition.elements`, process id →
element id → what the element is) says where each element sits and what each call activity
calls, so the marks need neither the workflow state nor the BPMN text.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

Catalogue = dict[str, dict[str, dict[str, Any]]]


def active_shapes(catalogue: Catalogue, process: str, open_elements: Iterable[str]) -> list[str]:
    """The ids of `process`'s shapes to mark active for tasks open at `open_elements` (element
    ids of `process` or of any process it calls), in the order first reached."""
    marked: dict[str, None] = {}
    for element_id in open_elements:
        for shape in _holders(catalogue, process, element_id, frozenset()):
            marked.setdefault(shape, None)
    return list(marked)


def _holders(
    catalogue: Catalogue, process: str, element_id: str, visiting: frozenset[str]
) -> list[str]:
    """`element_id` and the subprocesses holding it, if it is `process`'s; else the call
    activities of `process` leading (through any depth of calls) to a process that has it."""
    elements = catalogue.get(process, {})
    if element_id in elements:
        return _with_containers(elements, element_id)
    holders: list[str] = []
    for call in elements.values():
        called = call.get("called_element")
        # A process calling itself, directly or not, must not send the search round forever.
        if not called or called in visiting or called == process:
            continue
        if _holders(catalogue, called, element_id, visiting | {process}):
            holders += _with_containers(elements, call["id"])
    return holders


def _with_containers(elements: dict[str, dict[str, Any]], element_id: str) -> list[str]:
    chain = [element_id]
    container = elements[element_id].get("container")
    while container and container in elements and container not in chain:
        chain.append(container)
        container = elements[container].get("container")
    return chain
