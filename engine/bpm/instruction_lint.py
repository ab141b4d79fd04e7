"""The linter's check of instructions and outcomes: each one renders with data generated from the
forms of its process, and names only what a form, a service result, a script or a loop puts in
the data."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from lxml import etree

from engine.bpm.bpmn_xml import NS, Element
from engine.bpm.conventions import OUTCOME_PROPERTY
from engine.bpm.form_samples import NoSample, sample_data
from engine.bpm.forms import top_level_fields
from engine.bpm.instructions import assigned_names, check_instructions, check_text_template

Problem = Callable[[Element, str], None]


def lint_instructions(
    process: etree._Element,
    elements: Mapping[str, Element],
    forms: Mapping[str, Any],
    problem: Problem,
) -> None:
    known = known_data_names(process, elements, forms)
    sample: dict[str, Any] = {}
    for element in elements.values():
        schema = forms.get(element.form or "")
        if not isinstance(schema, dict):
            continue
        try:
            generated = sample_data(schema)
        except NoSample as error:
            problem(element, f"formulario '{element.form}': {error}")
            continue
        if isinstance(generated, dict):
            sample.update(generated)
    for element in elements.values():
        if element.instructions:
            for message in check_instructions(element.instructions, known, sample):
                problem(element, message)
        outcome = element.properties.get(OUTCOME_PROPERTY)
        if element.kind == "endEvent" and outcome is not None:
            label = "el resultado del caso (outcome)"
            for message in check_text_template(outcome, known, sample, label):
                problem(element, message)


def known_data_names(
    process: etree._Element, elements: Mapping[str, Element], forms: Mapping[str, Any]
) -> set[str]:
    """The names the process's case data may hold: its forms' fields, what its scripts assign,
    its service results and multi-instance items."""
    known: set[str] = set()
    for element in elements.values():
        for script in element.scripts:
            known |= assigned_names(script)
        schema = forms.get(element.form or "")
        if isinstance(schema, dict):
            known |= top_level_fields(schema)
    return known | _data_names(process)


def _data_names(process: etree._Element) -> set[str]:
    """Service results and multi-instance items: data no form defines but the case carries."""
    names = {
        str(operator.get("resultVariable"))
        for operator in process.iterfind(".//spiffworkflow:serviceTaskOperator", NS)
        if operator.get("resultVariable")
    }
    for tag in ("inputDataItem", "outputDataItem"):
        names.update(
            str(item.get("name") or item.get("id"))
            for item in process.iterfind(f".//bpmn:{tag}", NS)
        )
    return names
