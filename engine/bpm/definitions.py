"""Deployment bundles: a BPMN file with its forms (and the processes it calls), parsed and linted."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from engine.bpm.bpmn_xml import Element, executable_processes, parse_xml, process_elements
from engine.bpm.linter import lint_process
from engine.bpm.spiff_state import serialize_spec
from engine.errors import InvalidDefinition


@dataclass(frozen=True)
class Bundle:
    """What one deployment of one procedure contains; `sha256` identifies its content."""

    key: str
    name: str
    filename: str
    bpmn_xml: str
    forms: dict[str, Any]
    elements: dict[str, Element]
    elements_by_process: dict[str, dict[str, dict[str, Any]]]
    spec: str
    sha256: str


@dataclass(frozen=True)
class SourceFile:
    """A BPMN file's bytes; `forms` are the forms known to travel with it (deployed ones)."""

    filename: str
    content: bytes
    forms: dict[str, Any] = field(default_factory=dict)


def read_bpmn_sources(paths: Collection[Path]) -> list[Path]:
    """Expand directories into their .bpmn files (sorted), keep files as given."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(path.rglob("*.bpmn")))
        elif path.exists():
            files.append(path)
        else:
            raise InvalidDefinition([f"{path}: no existe"])
    if not files:
        raise InvalidDefinition(["no se encontró ningún archivo .bpmn"])
    return files


def forms_for(bpmn_path: Path) -> dict[str, Any]:
    """The JSON forms next to the diagram or in the sibling `forms/` folder of `processes/`."""
    forms: dict[str, Any] = {}
    for folder in (bpmn_path.parent, bpmn_path.parent.parent / "forms"):
        for form in sorted(folder.glob("*.json")):
            try:
                forms[form.name] = json.loads(form.read_text(encoding="utf-8"))
            except (json.JSONDecodeError, UnicodeDecodeError) as error:
                raise InvalidDefinition([f"{form}: JSON inválido: {error}"]) from None
    return forms


def build_bundle(
    source: SourceFile,
    forms: Mapping[str, Any],
    library: Mapping[str, SourceFile],
    known_groups: Collection[str],
    operators: Collection[str],
) -> Bundle:
    """Parse, lint and compile one BPMN file; `library` holds the processes it may call.

    Raises `InvalidDefinition` listing every problem found.
    """
    tree = parse_xml(source.content, source.filename)
    processes = executable_processes(tree)
    if len(processes) != 1:
        raise InvalidDefinition(
            [
                f"{source.filename}: debe contener exactamente un proceso ejecutable (hay {len(processes)})"
            ]
        )
    process = processes[0]
    key = process.get("id", "")
    elements = process_elements(process)
    problems = lint_process(source.filename, process, elements, forms, known_groups, operators)
    if problems:
        raise InvalidDefinition(problems)

    called = _called_sources(elements, library, source)
    elements_by_process = {key: {e.id: e.as_dict() for e in elements.values()}}
    available_forms = dict(forms)
    for called_source in called:
        available_forms = {**called_source.forms, **available_forms}
        for called_process in executable_processes(
            parse_xml(called_source.content, called_source.filename)
        ):
            called_elements = process_elements(called_process)
            elements_by_process[called_process.get("id", "")] = {
                e.id: e.as_dict() for e in called_elements.values()
            }
    used_forms = {
        name: available_forms[name]
        for process_elements_ in elements_by_process.values()
        for element in process_elements_.values()
        for name in (
            element["properties"].get("formJsonSchemaFilename"),
            element["properties"].get("formUiSchemaFilename"),
        )
        if name and name in available_forms
    }
    spec = _compile(source, tree, key, called)
    digest = hashlib.sha256(source.content)
    digest.update(json.dumps(used_forms, sort_keys=True).encode())
    for called_source in sorted(called, key=lambda s: s.filename):
        digest.update(called_source.content)
    return Bundle(
        key=key,
        name=process.get("name", key),
        filename=source.filename,
        bpmn_xml=source.content.decode("utf-8"),
        forms=used_forms,
        elements=elements,
        elements_by_process=elements_by_process,
        spec=spec,
        sha256=digest.hexdigest(),
    )


def _called_sources(
    elements: Mapping[str, Element], library: Mapping[str, SourceFile], source: SourceFile
) -> list[SourceFile]:
    """The files of the processes reached through call activities, transitively."""
    found: dict[str, SourceFile] = {}
    pending = [e for e in elements.values() if e.called_element]
    while pending:
        element = pending.pop()
        key = element.called_element or ""
        if key in found:
            continue
        if key not in library:
            raise InvalidDefinition(
                [
                    f"{source.filename}:{element.line}: elemento '{element.id}': el proceso "
                    f"llamado '{key}' no está desplegado ni en la misma carpeta"
                ]
            )
        found[key] = library[key]
        tree = parse_xml(library[key].content, library[key].filename)
        for process in executable_processes(tree):
            pending.extend(e for e in process_elements(process).values() if e.called_element)
    return [called for key, called in found.items() if called.filename != source.filename]


def _compile(
    source: SourceFile, tree: etree._ElementTree, key: str, called: list[SourceFile]
) -> str:
    parser = SpiffBpmnParser(validator=VALIDATOR)
    try:
        parser.add_bpmn_xml(tree, source.filename)
        for called_source in called:
            parser.add_bpmn_xml(
                parse_xml(called_source.content, called_source.filename), called_source.filename
            )
        spec = parser.get_spec(key)
        subprocess_specs = parser.get_subprocess_specs(key)
    except ValidationException as error:
        where = f"{error.file_name or source.filename}:{error.line_number or '?'}"
        ident = f" elemento '{error.id}':" if getattr(error, "id", "") else ""
        raise InvalidDefinition([f"{where}:{ident} {_first_line(error)}"]) from None
    except (SpiffWorkflowException, etree.DocumentInvalid) as error:
        raise InvalidDefinition([f"{source.filename}: {_first_line(error)}"]) from None
    return serialize_spec(spec, subprocess_specs)


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
