// The case's BPMN diagram (bpmn-js NavigatedViewer) with the path it took highlighted.
// Progressive enhancement: without JavaScript the timeline and the caption say the same.
(function () {
  "use strict";

  function ids(value) {
    return (value || "").split(" ").filter(Boolean);
  }

  function markPath(canvas, registry, done, active) {
    var reached = new Set(done.concat(active));
    // Gateways leave no audit event: a gateway between two reached steps was passed too.
    registry.filter(function (element) {
      return /Gateway$/.test(element.type || "");
    }).forEach(function (gateway) {
      var fromReached = (gateway.incoming || []).some(function (flow) { return reached.has(flow.source.id); });
      var toReached = (gateway.outgoing || []).some(function (flow) { return reached.has(flow.target.id); });
      if (fromReached && toReached) { done.push(gateway.id); reached.add(gateway.id); }
    });
    done.forEach(function (id) {
      if (registry.get(id)) { canvas.addMarker(id, "bg-done"); }
    });
    active.forEach(function (id) {
      if (registry.get(id)) { canvas.addMarker(id, "bg-active"); }
    });
    registry.filter(function (element) {
      return element.type === "bpmn:SequenceFlow" && element.source && element.target &&
        done.indexOf(element.source.id) >= 0 && reached.has(element.target.id);
    }).forEach(function (flow) { canvas.addMarker(flow.id, "bg-done"); });
  }

  // The marked shapes' bounding box, to bring what is in progress into view.
  function activeBox(registry, active) {
    var shapes = active.map(function (id) { return registry.get(id); }).filter(function (shape) {
      return shape && shape.width !== undefined;
    });
    if (!shapes.length) { return null; }
    var left = Math.min.apply(null, shapes.map(function (s) { return s.x; }));
    var top = Math.min.apply(null, shapes.map(function (s) { return s.y; }));
    var right = Math.max.apply(null, shapes.map(function (s) { return s.x + s.width; }));
    var bottom = Math.max.apply(null, shapes.map(function (s) { return s.y + s.height; }));
    var margin = 80;
    return { x: left - margin, y: top - margin, width: right - left + 2 * margin, height: bottom - top + 2 * margin };
  }

  function bindControls(toolbar, canvas, registry, active) {
    toolbar.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-zoom]");
      if (!button) { return; }
      var action = button.dataset.zoom;
      if (action === "fit") { canvas.zoom("fit-viewport", "auto"); }
      else if (action === "active") {
        var box = activeBox(registry, active);
        if (box) { canvas.viewbox(box); } else { canvas.zoom("fit-viewport", "auto"); }
      } else {
        var step = action === "in" ? 1.25 : 0.8;
        canvas.zoom(canvas.zoom() * step, "auto");
      }
      toolbar.dataset.zoom = canvas.zoom().toFixed(2);
    });
    toolbar.hidden = false;
  }

  // diagram-js asks `translate` for its few words (the minimap's toggle).
  var WORDS = { "Open minimap": "Abrir minimapa", "Close minimap": "Cerrar minimapa" };
  var spanish = {
    translate: ["value", function (template, replacements) {
      return (WORDS[template] || template).replace(/{([^}]+)}/g, function (_, key) {
        return (replacements || {})[key] || "{" + key + "}";
      });
    }]
  };

  function show(container) {
    if (!window.BpmnJS) { return; }
    // A minimap for the large diagrams (P004); without its script the viewer still works.
    var modules = window.DiagramJSMinimap ? [window.DiagramJSMinimap, spanish] : [];
    var viewer = new window.BpmnJS({ container: container, additionalModules: modules });
    var toolbar = container.parentNode.querySelector(".diagram-controls");
    fetch(container.dataset.url, { credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (xml) { return viewer.importXML(xml); })
      .then(function () {
        var canvas = viewer.get("canvas");
        var registry = viewer.get("elementRegistry");
        var active = ids(container.dataset.active);
        canvas.zoom("fit-viewport");
        markPath(canvas, registry, ids(container.dataset.completed), active);
        if (toolbar) { bindControls(toolbar, canvas, registry, active); }
        if (window.DiagramJSMinimap && registry.getAll().length > 40) { viewer.get("minimap").open(); }
        container.dataset.ready = "true";
      })
      .catch(function (error) {
        container.dataset.ready = "error";
        container.textContent = "No se pudo mostrar el diagrama: " + error.message;
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var container = document.getElementById("diagrama");
    if (container) { show(container); }
  });
})();
