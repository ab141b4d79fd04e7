// The comparison's two diagrams side by side (bpmn-js NavigatedViewer), each element the server's
// diff names marked by its change: added (on the later one), removed (on the earlier one),
// changed or moved (on both). The table below says the same in words, with the attributes; each
// of its rows (a button in its first cell, or a click anywhere on it) selects its element on the
// diagrams that have it — a removed one on the earlier diagram only — and scrolls it into view.
(function () {
  "use strict";

  var SIDES = {
    before: ["removed", "changed", "moved"],
    after: ["added", "changed", "moved"]
  };
  var viewers = [];

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
        viewers.push(viewer);
        container.dataset.ready = "true";
      })
      .catch(function (error) {
        container.dataset.ready = "error";
        container.textContent = "No se pudo mostrar el diagrama: " + error.message;
      });
  }

  function select(id) {
    viewers.forEach(function (viewer) {
      var element = viewer.get("elementRegistry").get(id);
      viewer.get("selection").select(element || null);
      if (element) { viewer.get("canvas").scrollToElement(element); }
    });
    var diagrams = document.querySelector(".compare-diagrams");
    var box = diagrams.getBoundingClientRect();
    if (box.bottom < 0 || box.top > window.innerHeight) {
      diagrams.scrollIntoView({ block: "nearest" });
    }
  }

  // The row's first cell (the element's name and id) becomes a button: the keyboard's way in.
  function selectable(row, rows) {
    var cell = row.querySelector("th");
    var button = document.createElement("button");
    button.type = "button";
    button.className = "link diff-select";
    button.setAttribute("aria-describedby", "elementos-ayuda");
    while (cell.firstChild) { button.appendChild(cell.firstChild); }
    cell.appendChild(button);
    row.classList.add("diff-selectable");
    row.addEventListener("click", function (event) {
      // Selecting an attribute's text to copy it is not a request to select the element.
      if (!button.contains(event.target) && !window.getSelection().isCollapsed) { return; }
      rows.forEach(function (other) { other.removeAttribute("aria-current"); });
      row.setAttribute("aria-current", "true");
      select(row.dataset.element);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.BpmnJS) { return; }
    var containers = document.querySelectorAll(".compare-diagram");
    containers.forEach(show);
    if (containers.length === 0) { return; }
    var rows = Array.prototype.slice.call(document.querySelectorAll("table.diff-elements tr[data-element]"));
    rows.forEach(function (row) { selectable(row, rows); });
    var hint = document.getElementById("elementos-ayuda");
    if (hint && rows.length) { hint.hidden = false; }
  });
})();
