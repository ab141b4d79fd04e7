"""The modeler's moddle descriptor for `spiffworkflow:` (web/frontend/spiffworkflow-moddle.json):
every shipped diagram, read and written back by bpmn-moddle with it, means the same to the
engine: same forms, instructions, scripts, operators and parameters, element by element."""

from __future__ import annotations

import json
import subprocess
from typing import Any

from engine.bpm.bpmn_xml import executable_processes, parse_xml, process_elements
from tests.conftest import BPMN, ROOT

ROUND_TRIP = """
import { BpmnModdle } from "bpmn-moddle";
import fs from "node:fs";
const spiff = JSON.parse(fs.readFileSync("web/frontend/spiffworkflow-moddle.json", "utf8"));
const moddle = new BpmnModdle({ spiffworkflow: spiff });
const out = {};
for (const file of JSON.parse(process.argv[1])) {
  const { rootElement, warnings } = await moddle.fromXML(fs.readFileSync(file, "utf8"));
  const unparsed = warnings.filter((w) => !w.message.startsWith("unresolved reference"));
  out[file] = { xml: (await moddle.toXML(rootElement, { format: true })).xml,
    warnings: unparsed.map((w) => w.message) };
}
process.stdout.write(JSON.stringify(out));
"""


def _as_engine_reads(xml: bytes) -> list[dict[str, Any]]:
    return [
        {key: {**element.as_dict(), "line": 0} for key, element in process_elements(p).items()}
        for p in executable_processes(parse_xml(xml, "diagrama.bpmn"))
    ]


def test_every_diagram_round_trips_through_the_modeler_s_descriptor() -> None:
    files = sorted(str(path.relative_to(ROOT)) for path in BPMN.glob("*.bpmn"))
    result = subprocess.run(
        ["node", "--input-type=module", "-e", ROUND_TRIP, json.dumps(files)],
        cwd=ROOT,
        capture_output=True,
        check=True,
        timeout=120,
    )
    written = json.loads(result.stdout)
    assert sorted(written) == files and len(files) == 8
    for file in files:
        assert written[file]["warnings"] == [], file
        before = _as_engine_reads((ROOT / file).read_bytes())
        after = _as_engine_reads(written[file]["xml"].encode("utf-8"))
        assert after == before, file
