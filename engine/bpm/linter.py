"""Rules a diagram must follow before it is deployed; every problem names its element and line."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from lxml import etree

from engine.bpm.bpmn_xml import NS, Element
from engine.bpm.conventions import DYNAMIC_LANES
from engine.bpm.form_lint import form_problems
from engine.bpm.instruction_lint import known_data_names, lint_instructions
from engine.bpm.quality_roles import lint_quality_roles
from engine.bpm.sandbox import UnsafeScript, compile_checked
from engine.bpm.unavailable_options import KEYWORD as UNAVAILABLE_WHEN
from engine.bpm.unavailable_options import condition_variables

ASSIGNMENT_PROPERTIES = ("candidateGroupExpression", "assigneeExpression")
DIVERGING_GATEWAYS = ("exclusiveGateway", "inclusiveGateway")


def lint_process(
    filename: str,
    process: etree._Element,
    elements: Mapping[str, Element],
    forms: Mapping[str, Any],
    known_groups: Collection[str],
    operators: Collection[str],
) -> list[str]:
    problems: list[str] = []

    def problem(element: Element | etree._Element, message: str) -> None:
        if isinstance(element, Element):
            problems.append(f"{filename}:{element.line}: elemento '{element.id}': {message}")
        else:
            ident = element.get("id", "?")
            problems.append(f"{filename}:{element.sourceline}: elemento '{ident}': {message}")

    for lane in process.iterfind(".//bpmn:lane", NS):
        name = lane.get("name", "")
        if name not in known_groups and name not in DYNAMIC_LANES:
            problem(lane, f"el carril '{name}' no corresponde a ningún grupo conocido")

    for element in elements.values():
        _lint_element(element, forms, known_groups, operators, problem)

    _lint_flows(process, elements, problem)
    for missing in lint_quality_roles(process.get("id", ""), elements, forms, problem):
        problems.append(f"{filename}: {missing}")
    lint_instructions(process, elements, forms, problem)
    _lint_option_conditions(process, elements, forms, problem)

    diagram_ids = {
        shape.get("bpmnElement")
        for shape in process.getroottree().iterfind(".//bpmndi:BPMNShape", NS)
    }
    if not diagram_ids:
        problems.append(
            f"{filename}: falta el diagrama (bpmndi); el archivo no abriría en un modelador"
        )
    else:
        for element in elements.values():
            if element.id not in diagram_ids:
                problem(element, "no tiene forma en el diagrama (bpmndi)")
    return problems


def _lint_option_conditions(
    process: etree._Element,
    elements: Mapping[str, Element],
    forms: Mapping[str, Any],
    problem: Any,
) -> None:
    """An option's `x-unavailable-when` reads variables the process's case data can hold: a
    misspelt one would never rule the option out."""
    known = known_data_names(process, elements, forms)
    for element in elements.values():
        schema = forms.get(element.form or "")
        if not isinstance(schema, dict):
            continue
        for variable in condition_variables(schema):
            if variable.split(".")[0] not in known:
                problem(
                    element,
                    f"formulario '{element.form}': {UNAVAILABLE_WHEN} lee la variable "
                    f"'{variable}', que ningún formulario, script ni resultado de servicio de "
                    "este proceso pone en los datos del caso (la opción nunca se deshabilitaría)",
                )


def _lint_element(
    element: Element,
    forms: Mapping[str, Any],
    known_groups: Collection[str],
    operators: Collection[str],
    problem: Any,
) -> None:
    if element.kind == "startEvent" and element.container is None and element.lane in DYNAMIC_LANES:
        problem(
            element,
            f"el evento de inicio está en el carril '{element.lane}', que se decide por caso: "
            "nadie podría iniciar el procedimiento (póngalo en el carril del grupo que lo inicia)",
        )
    if element.kind == "userTask":
        if not element.form:
            problem(element, "la tarea de usuario no tiene formulario (formJsonSchemaFilename)")
        if element.lane is None and not any(p in element.properties for p in ASSIGNMENT_PROPERTIES):
            problem(element, "la tarea de usuario no está en ningún carril (grupo)")
        required = DYNAMIC_LANES.get(element.lane or "")
        if required and required not in element.properties:
            problem(
                element, f"en el carril '{element.lane}' la tarea necesita la propiedad {required}"
            )
    for form in (element.form, element.ui_form):
        if form and form not in forms:
            problem(element, f"el formulario '{form}' no existe")
    if element.form and element.form in forms:
        ui = forms.get(element.ui_form) if element.ui_form else None
        for complaint in form_problems(forms[element.form], ui, known_groups):
            if not complaint.is_error:
                continue
            document = element.form if complaint.document == "esquema" else element.ui_form
            problem(element, f"formulario '{document}': {complaint}")
    if element.kind == "serviceTask":
        if element.operator is None:
            problem(
                element,
                "la tarea de servicio no declara operador (spiffworkflow:serviceTaskOperator)",
            )
        elif element.operator not in operators:
            problem(element, f"el operador '{element.operator}' no está registrado")
    for expression in element.expressions:
        _check(expression, "eval", element, problem)
    for script in element.scripts:
        _check(script, "exec", element, problem)
    if element.kind == "callActivity" and not element.called_element:
        problem(element, "la actividad de llamada no indica el proceso llamado (calledElement)")


def _check(source: str, mode: str, element: Element, problem: Any) -> None:
    try:
        compile_checked(source, mode)
    except UnsafeScript as error:
        label = "guion" if mode == "exec" else "expresión"
        first_line = source.strip().splitlines()[0] if source.strip() else ""
        problem(element, f"{label} '{first_line}': {error}")


def _lint_flows(process: etree._Element, elements: Mapping[str, Element], problem: Any) -> None:
    flows = list(process.iterfind(".//bpmn:sequenceFlow", NS))
    outgoing: dict[str, list[etree._Element]] = {}
    for flow in flows:
        for end in ("sourceRef", "targetRef"):
            ref = flow.get(end, "")
            if ref not in elements:
                problem(flow, f"el flujo apunta a un elemento inexistente ({end}='{ref}')")
        outgoing.setdefault(flow.get("sourceRef", ""), []).append(flow)
    for element in elements.values():
        if element.kind == "eventBasedGateway":
            _lint_event_gateway(process, element, outgoing.get(element.id, []), problem)
        if element.kind not in DIVERGING_GATEWAYS:
            continue
        gateway_flows = outgoing.get(element.id, [])
        if len(gateway_flows) < 2:
            continue
        gateway = process.find(f".//bpmn:{element.kind}[@id='{element.id}']", NS)
        default = gateway.get("default") if gateway is not None else None
        for flow in gateway_flows:
            condition = flow.find("bpmn:conditionExpression", NS)
            if flow.get("id") == default:
                continue
            if condition is None or not (condition.text or "").strip():
                problem(
                    flow,
                    f"sale de la compuerta '{element.id}' sin condición ni ser el flujo por defecto",
                )
            else:
                _check(condition.text or "", "eval", elements[element.id], problem)


def _lint_event_gateway(
    process: etree._Element, gateway: Element, flows: list[etree._Element], problem: Any
) -> None:
    """BPMN allows only catch events and receive tasks after an event-based gateway. The engine
    runs a gateway whose events are timers (each its own timer job; the first due takes its
    path); it delivers no messages or signals, so a gateway waiting for one is refused."""
    for flow in flows:
        target_id = flow.get("targetRef", "")
        target = process.find(f".//bpmn:*[@id='{target_id}']", NS)
        if target is None:
            continue  # reported as a flow to a missing element
        kind = etree.QName(target).localname
        if kind not in ("intermediateCatchEvent", "receiveTask"):
            problem(
                gateway,
                "después de una compuerta basada en eventos solo puede seguir un evento "
                f"intermedio de captura o una tarea de recepción, y '{target_id}' es "
                f"{_KIND_WORDS.get(kind, kind)}",
            )
        elif target.find("bpmn:timerEventDefinition", NS) is None:
            problem(
                gateway,
                f"después de la compuerta basada en eventos, '{target_id}' espera un mensaje "
                "o una señal, que el motor no entrega: la compuerta solo puede esperar "
                "temporizadores (use una tarea de usuario para registrar lo recibido)",
            )


_KIND_WORDS = {
    "userTask": "una tarea de usuario",
    "serviceTask": "una tarea de servicio",
    "scriptTask": "una tarea de guion",
    "task": "una tarea",
    "callActivity": "una actividad de llamada",
    "subProcess": "un subproceso",
    "endEvent": "un evento de fin",
    "intermediateThrowEvent": "un evento intermedio de lanzamiento",
    "exclusiveGateway": "una compuerta",
    "inclusiveGateway": "una compuerta",
    "parallelGateway": "una compuerta",
    "eventBasedGateway": "una compuerta",
}
