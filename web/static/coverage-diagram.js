// The scenarios' coverage drawn on the draft's diagram (bpmn-js NavigatedViewer): the sequence
// flows some scenario took and the elements they reach in green, the flows none took and the
// elements none reached dashed in orange. The list under the diagram says the same in words.
(function () {
  "use strict";

  function ids(value) {
    return new Set((value || "").split(" ").filter(Boolean));
  }

  function mark(canvas, registry, untaken) {
    var reached = new Set();
    var flows = registry.filter(function (element) { return element.type === "bpmn:SequenceFlow"; });
    flows.forEach(function (flow) {
      if (untaken.has(flow.id)) {
        canvas.addMarker(flow.id, "bg-untaken");
        return;
      }
      canvas.addMarker(flow.id, "bg-covered");
      if (flow.source) { reached.add(flow.source.id); }
      if (flow.target) { reached.add(flow.target.id); }
    });
    var counts = { taken: flows.length - untaken.size, flows: flows.length, unreached: 0 };
    registry.filter(function (element) {
      return (element.incoming || []).concat(element.outgoing || []).some(function (connection) {
        return connection.type === "bpmn:SequenceFlow";
      });
    }).forEach(function (node) {
      if (reached.has(node.id)) {
        canvas.addMarker(node.id, "bg-covered");
      } else {
        canvas.addMarker(node.id, "bg-untaken");
        counts.unreached += 1;
      }
    });
    return counts;
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
        var counts = mark(canvas, viewer.get("elementRegistry"), ids(container.dataset.untaken));
        var caption = document.getElementById("cobertura-conteo");
        if (caption) {
          caption.textContent = "Recorridos " + counts.taken + " de " + counts.flows +
            " flujos de secuencia; " + counts.unreached + " elemento(s) sin recorrer.";
        }
        container.dataset.ready = "true";
      })
      .catch(function (error) {
        container.dataset.ready = "error";
        container.textContent = "No se pudo mostrar el diagrama: " + error.message;
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var container = document.getElementById("cobertura-diagrama");
    if (container) { show(container); }
  });
})();
