"""Front-end packages from npm (`package.json`), served from node_modules by name, and the
bundles `make` builds from them into web/bundles/ (web/frontend/build.mjs).

Only the files listed here are reachable: a route over node_modules must not expose the rest.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, send_from_directory
from flask.typing import ResponseReturnValue

blueprint = Blueprint("assets", __name__)

VENDOR_FILES = {
    "htmx.min.js": "htmx.org/dist/htmx.min.js",
    "bpmn-navigated-viewer.js": "bpmn-js/dist/bpmn-navigated-viewer.production.min.js",
    "diagram-js.css": "bpmn-js/dist/assets/diagram-js.css",
    "bpmn-js.css": "bpmn-js/dist/assets/bpmn-js.css",
    "bpmn-modeler.js": "bpmn-js/dist/bpmn-modeler.production.min.js",
    # The palette's icons: the stylesheet names its fonts as ../font/, hence the folders.
    "bpmn-font/css/bpmn.css": "bpmn-js/dist/assets/bpmn-font/css/bpmn.css",
    "bpmn-font/font/bpmn.woff2": "bpmn-js/dist/assets/bpmn-font/font/bpmn.woff2",
    "bpmn-font/font/bpmn.woff": "bpmn-js/dist/assets/bpmn-font/font/bpmn.woff",
    "bpmn-font/font/bpmn.ttf": "bpmn-js/dist/assets/bpmn-font/font/bpmn.ttf",
    "properties-panel.css": "@bpmn-io/properties-panel/dist/assets/properties-panel.css",
    "diagram-minimap.js": "diagram-js-minimap/dist/diagram-minimap.umd.prod.js",
    "diagram-js-minimap.css": "diagram-js-minimap/assets/diagram-js-minimap.css",
    "bpmn-js-bpmnlint.css": "bpmn-js-bpmnlint/dist/assets/css/bpmn-js-bpmnlint.css",
}

# Built by `make` (the `bundle` target) from web/frontend/; git-ignored.
BUNDLES = Path(__file__).resolve().parent / "bundles"
BUNDLE_FILES = frozenset({"workbench-lint.js", "properties-panel.js", "form-editor.js"})


@blueprint.get("/vendor/<path:name>")
def vendor(name: str) -> ResponseReturnValue:
    relative = VENDOR_FILES.get(name)
    if relative is None:
        abort(404)
    root = Path(current_app.config["NODE_MODULES"])
    if not (root / relative).is_file():
        abort(404)
    return send_from_directory(root, relative, max_age=3600)


@blueprint.get("/bundle/<name>")
def bundle(name: str) -> ResponseReturnValue:
    if name not in BUNDLE_FILES or not (BUNDLES / name).is_file():
        abort(404)
    return send_from_directory(BUNDLES, name, max_age=3600)
