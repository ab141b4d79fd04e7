"""Deployment of BPMN bundles: parse and lint a set of files, store new versions.

Content identical to the latest version is a no-op; changed content is version n+1 of the
process key. Content identical to an earlier version is refused: going back to a version is a
deliberate act (`redeploy_definition`, the workbench's "volver a esta versión"), never the side
effect of deploying an old file or an untouched draft of an old version. Processes
reached through call activities resolve to the files being deployed, else to the deployed
versions, else to the files next to a file being deployed (deploying one file of a folder).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from engine.bpm.bpmn_xml import executable_processes, parse_xml
from engine.bpm.definitions import Bundle, SourceFile, build_bundle, forms_for, read_bpmn_sources
from engine.errors import DeployRefused, InvalidDefinition, NotFound
from engine.people.directory import known_group_codes
from storage.database import execute
from storage.driver import Prepared
from storage.models import Definition


@dataclass(frozen=True)
class Deployment:
    key: str
    version: int
    created: bool


def bundles_for(
    session: Session, paths: Sequence[Path], operators: Collection[str]
) -> list[Bundle]:
    """Every file's bundle, or `InvalidDefinition` listing the problems of all of them.

    Called processes may resolve to deployed versions; lanes to the groups in the database.
    """
    return bundles_from_files(
        paths, operators, known_group_codes(session), deployed_sources(session)
    )


def bundles_from_files(
    paths: Sequence[Path],
    operators: Collection[str],
    known_groups: Collection[str],
    deployed: Mapping[str, SourceFile] | None = None,
) -> list[Bundle]:
    """Every file's bundle without a database: `deployed` are the processes already deployed
    (by key), `known_groups` the group codes lanes may name. Raises `InvalidDefinition`."""
    files = read_bpmn_sources(paths)
    sources = {path: SourceFile(path.name, path.read_bytes()) for path in files}
    # Called processes resolve to the files being deployed, else to the deployed versions,
    # else to the files next to a file being deployed (deploying one file of a folder).
    neighbours = {
        sibling
        for path in files
        for sibling in path.parent.glob("*.bpmn")
        if sibling not in sources
    }
    library = _sources_by_process(
        SourceFile(path.name, path.read_bytes()) for path in sorted(neighbours)
    )
    library.update(deployed or {})
    library.update(_sources_by_process(sources.values()))
    bundles, problems = [], []
    for path, source in sources.items():
        try:
            bundles.append(build_bundle(source, forms_for(path), library, known_groups, operators))
        except InvalidDefinition as error:
            problems.extend(error.problems)
    if problems:
        raise InvalidDefinition(problems)
    return bundles


def latest_definitions(session: Session) -> dict[str, Definition]:
    """The latest deployed version of every procedure, by key (older versions are not loaded)."""
    newest = (
        select(Definition.key, func.max(Definition.version).label("version"))
        .group_by(Definition.key)
        .subquery()
    )
    query = select(Definition).join(
        newest, (Definition.key == newest.c.key) & (Definition.version == newest.c.version)
    )
    return {definition.key: definition for definition in session.scalars(query)}


def deployed_sources(session: Session) -> dict[str, SourceFile]:
    """The latest deployed BPMN of every procedure, by key: what a call activity resolves to."""
    return {
        key: SourceFile(f"{key} v{d.version}", d.bpmn_xml.encode(), d.forms)
        for key, d in latest_definitions(session).items()
    }


def deploy_bundle(session: Session, bundle: Bundle, actor: str, now: datetime) -> Deployment:
    """Store `bundle` as a new version unless the latest has the same content; `DeployRefused`
    when an earlier version has it (that is a redeploy of that version, see below)."""
    latest = latest_definition(session, bundle.key, required=False)
    if latest is not None and latest.sha256 == bundle.sha256:
        return Deployment(bundle.key, latest.version, created=False)
    refuse_earlier_content(session, bundle)
    version = (latest.version + 1) if latest else 1
    session.add(
        Definition(
            key=bundle.key,
            version=version,
            name=bundle.name,
            sha256=bundle.sha256,
            bpmn_xml=bundle.bpmn_xml,
            forms=bundle.forms,
            elements=bundle.elements_by_process,
            spec=bundle.spec,
            deployed_by=actor,
            deployed_at=now,
        )
    )
    session.flush()
    return Deployment(bundle.key, version, created=True)


def redeploy_definition(
    session: Session, earlier: Definition, actor: str, now: datetime
) -> Deployment:
    """Deploy `earlier` again as the procedure's next version: the very content that ran then
    (its compiled spec with the called processes of that day, its forms, its SHA-256), so the
    new version behaves as the old one did. `DeployRefused` when the latest already has it."""
    latest = latest_definition(session, earlier.key)
    assert latest is not None  # required=True raises NotFound instead
    if latest.sha256 == earlier.sha256:
        raise DeployRefused(
            f"la versión {latest.version} de {earlier.key} ya tiene el contenido de la versión "
            f"{earlier.version}: no hay nada que volver a desplegar"
        )
    version = latest.version + 1
    session.add(
        Definition(
            key=earlier.key,
            version=version,
            name=earlier.name,
            sha256=earlier.sha256,
            bpmn_xml=earlier.bpmn_xml,
            forms=dict(earlier.forms),
            elements=dict(earlier.elements),
            spec=earlier.spec,
            deployed_by=actor,
            deployed_at=now,
        )
    )
    session.flush()
    return Deployment(earlier.key, version, created=True)


def refuse_earlier_content(session: Session, bundle: Bundle) -> None:
    """`DeployRefused` when a version other than the latest has the bundle's content."""
    latest = latest_definition(session, bundle.key, required=False)
    if latest is None or latest.sha256 == bundle.sha256:
        return
    earlier = session.execute(
        select(func.max(Definition.version)).where(
            Definition.key == bundle.key, Definition.sha256 == bundle.sha256
        )
    ).scalar()
    if earlier is not None:
        raise DeployRefused(
            f"el contenido es igual a la versión {earlier} de {bundle.key}; para volver a ella, "
            f"use «Volver a v{earlier}» en la biblioteca de modelos (/modelos), que la despliega "
            "como una versión nueva"
        )


def latest_definition(session: Session, key: str, *, required: bool = True) -> Definition | None:
    definition = session.scalars(
        select(Definition).where(Definition.key == key).order_by(Definition.version.desc()).limit(1)
    ).first()
    if definition is None and required:
        raise NotFound(f"el procedimiento '{key}' no está desplegado")
    return definition


# Built once: every start asks for it.
_LATEST_DEFINITION_ID = Prepared(
    select(Definition.id)
    .where(Definition.key == bindparam("key"))
    .order_by(Definition.version.desc())
    .limit(1)
)


def latest_definition_id(session: Session, key: str) -> int:
    """The id of the latest deployed version of `key`: its content comes from the cache."""
    found = execute(session, _LATEST_DEFINITION_ID, {"key": key}).scalar()
    if found is None:
        raise NotFound(f"el procedimiento '{key}' no está desplegado")
    return int(found)


class _ProcessElements(Protocol):
    @property
    def key(self) -> str: ...
    @property
    def elements(self) -> dict[str, dict[str, Any]]: ...


def _sources_by_process(sources: Iterable[SourceFile]) -> dict[str, SourceFile]:
    found: dict[str, SourceFile] = {}
    for source in sources:
        try:
            tree = parse_xml(source.content, source.filename)
        except InvalidDefinition:
            continue
        for process in executable_processes(tree):
            found[process.get("id", "")] = source
    return found


def start_element(definition: _ProcessElements) -> dict[str, Any]:
    process = definition.elements.get(definition.key, {})
    for element in process.values():
        if element["kind"] == "startEvent" and element.get("container") is None:
            return dict(element)
    raise InvalidDefinition([f"{definition.key}: el proceso no tiene evento de inicio"])
