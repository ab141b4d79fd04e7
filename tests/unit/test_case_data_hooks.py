"""`case_data.prepare` looks at a process spec's task specs once per spec object: a new
deployed version (new spec objects) is hooked for itself."""

from __future__ import annotations

import json
from pathlib import Path

from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask

from engine.bpm import case_data, spiff_state
from engine.bpm.deployment import bundles_from_files
from engine.people.directory import GROUPS

CONSTRUCT = Path(__file__).resolve().parent.parent / "data" / "constructs" / "C_MI_PARALLEL.bpmn"


def _multi_instance_specs(spec_json: str) -> list[MultiInstanceTask]:
    workflow = spiff_state.new_workflow(spec_json)
    case_data.prepare(workflow)
    return [s for s in workflow.spec.task_specs.values() if isinstance(s, MultiInstanceTask)]


def test_each_deployed_version_of_a_multi_instance_activity_is_hooked() -> None:
    (bundle,) = bundles_from_files([CONSTRUCT], [], frozenset(GROUPS))
    first = _multi_instance_specs(bundle.spec)
    assert first and all(s.update_event.is_connected(case_data._start_activation) for s in first)
    assert _multi_instance_specs(bundle.spec) == first  # the same (cached) objects, once
    # Another version's spec (another text) is restored as other objects: hooked too.
    again = json.dumps(json.loads(bundle.spec), indent=1)
    second = _multi_instance_specs(again)
    assert second and not set(map(id, second)) & set(map(id, first))
    assert all(s.update_event.is_connected(case_data._start_activation) for s in second)
    assert all(s.completed_event.is_connected(case_data._end_activation) for s in second)
