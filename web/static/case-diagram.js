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

  function show(container) {
    if (!window.BpmnJS) { return; }
    var viewer = new window.BpmnJS({ container: container });
    fetch(container.dataset.url, { credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (xml) { return viewer.importXML(xml); })
      .then(function () {
        var canvas = viewer.get("canvas");
        canvas.zoom("fit-viewport");
        markPath(canvas, viewer.get("elementRegistry"), ids(container.dataset.completed), ids(container.dataset.active));
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
