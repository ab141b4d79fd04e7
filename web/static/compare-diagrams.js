// The comparison's two diagrams side by side (bpmn-js NavigatedViewer), each element the server's
// diff names marked by its change: added (on the later one), removed (on the earlier one),
// changed or moved (on both). The table below says the same in words, with the attributes.
(function () {
  "use strict";

  var SIDES = {
    before: ["removed", "changed", "moved"],
    after: ["added", "changed", "moved"]
  };

  function show(container) {
    var viewer = new window.BpmnJS({ container: container });
    var changes = JSON.parse(container.dataset.changes || "{}");
    fetch(container.dataset.url, { credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (xml) { return viewer.importXML(xml); })
      .then(function () {
        var canvas = viewer.get("canvas");
        var registry = viewer.get("elementRegistry");
        canvas.zoom("fit-viewport");
        SIDES[container.dataset.side].forEach(function (change) {
          (changes[change] || []).forEach(function (id) {
            if (registry.get(id)) { canvas.addMarker(id, "bg-diff-" + change); }
          });
        });
        container.dataset.ready = "true";
      })
      .catch(function (error) {
        container.dataset.ready = "error";
        container.textContent = "No se pudo mostrar el diagrama: " + error.message;
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.BpmnJS) { return; }
    document.querySelectorAll(".compare-diagram").forEach(show);
  });
})();
