"""A workbench draft as the deployer sees it: linted and compiled like a file on disk.

The linter (`engine.bpm.linter`) speaks in lines of text; this module turns them into problems
a page can point at (the element's id), without changing what the linter checks.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from engine.bpm.bpmn_xml import executable_processes, parse_xml
from engine.bpm.definitions import Bundle, SourceFile, build_bundle
from engine.bpm.deployment import deployed_sources
from engine.errors import InvalidDefinition
from engine.people.directory import known_group_codes

_PROBLEM = re.compile(
    r"^(?P<file>[^:]*?)(?::(?P<line>\d+|\?))?: (?:elemento '(?P<element>[^']*)': ?)?(?P<message>.*)$"
)


@dataclass(frozen=True)
class LintProblem:
    """One problem of a draft: the element it names (None: the whole file), line, message."""

    element_id: str | None
    line: int | None
    message: str

    def as_json(self) -> dict[str, Any]:
        return {"element": self.element_id, "line": self.line, "message": self.message}


def parse_problem(text: str) -> LintProblem:
    match = _PROBLEM.match(text)
    if match is None:
        return LintProblem(None, None, text)
    line = match.group("line")
    return LintProblem(
        match.group("element") or None,
        int(line) if line and line.isdigit() else None,
        match.group("message").strip(),
    )


def draft_filename(key: str) -> str:
    return f"{key}.bpmn"


def build_draft_bundle(
    session: Session, key: str, bpmn_xml: str, forms: dict[str, Any], operators: Collection[str]
) -> Bundle:
    """The draft compiled as a deployment would be, or `InvalidDefinition` with every problem.

    Called processes resolve to the deployed versions; lanes to the directory's groups.
    """
    content = bpmn_xml.encode("utf-8")
    filename = draft_filename(key)
    processes = executable_processes(parse_xml(content, filename))
    keys = [process.get("id", "") for process in processes]
    if keys and keys != [key]:
        raise InvalidDefinition(
            [
                f"{filename}: el proceso ejecutable debe llamarse '{key}' "
                f"(el borrador tiene {', '.join(repr(k) for k in keys)})"
            ]
        )
    library = deployed_sources(session)
    library[key] = SourceFile(filename, content, forms)
    return build_bundle(
        SourceFile(filename, content, forms), forms, library, known_group_codes(session), operators
    )


def lint_draft(
    session: Session, key: str, bpmn_xml: str, forms: dict[str, Any], operators: Collection[str]
) -> list[LintProblem]:
    """Every problem the deployer would refuse the draft for; empty: deployable."""
    try:
        build_draft_bundle(session, key, bpmn_xml, forms, operators)
    except InvalidDefinition as error:
        return [parse_problem(problem) for problem in error.problems]
    return []
