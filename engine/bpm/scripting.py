"""SpiffWorkflow's script engine, bound to the sandbox and to our registered services."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from engine.bpm.sandbox import Sandbox

ServiceCall = Callable[[Any, str, dict[str, Any]], dict[str, Any]]


class SandboxEnvironment(BasePythonScriptEngineEnvironment):  # type: ignore[misc]
    def __init__(self, sandbox: Sandbox) -> None:
        super().__init__({})
        self._sandbox = sandbox

    def evaluate(
        self, expression: str, context: dict[str, Any], external_context: Any = None
    ) -> Any:
        return self._sandbox.evaluate(expression, {**(external_context or {}), **context})

    def execute(self, script: str, context: dict[str, Any], external_context: Any = None) -> bool:
        self._sandbox.execute(script, context)
        return True


class SandboxScriptEngine(PythonScriptEngine):  # type: ignore[misc]
    """Runs expressions in the sandbox and service tasks through `call_service`."""

    def __init__(self, sandbox: Sandbox, call_service: ServiceCall) -> None:
        super().__init__(environment=SandboxEnvironment(sandbox))
        self._call_service = call_service
        self.clock = sandbox.clock

    def call_service(self, task: Any, **kwargs: Any) -> str:
        params = {name: spec["value"] for name, spec in kwargs["operation_params"].items()}
        try:
            result = self._call_service(task, kwargs["operation_name"], params)
        except WorkflowTaskException:
            raise
        except Exception as error:
            raise WorkflowTaskException(
                f"el servicio '{kwargs['operation_name']}' falló: {error}",
                task=task,
                exception=error,
            ) from error
        return json.dumps(result)
