// "Seleccionar todas": the inbox's header checkbox checks or clears the checkbox of every row of
// the page, and shows whether all, some (mixed) or none are checked. It is hidden until this
// script runs: without JavaScript each row is checked on its own. htmx swaps the results when a
// filter changes, so clicks are handled on the document and new results are enhanced on load.
(function () {
  "use strict";

  function rows(table) {
    return Array.prototype.slice.call(table.querySelectorAll("tbody input[type=checkbox][name=tarea]"));
  }

  function reflect(table) {
    var all = table.querySelector("[data-select-all] input[type=checkbox]");
    if (!all) { return; }
    var boxes = rows(table);
    var checked = boxes.filter(function (box) { return box.checked; }).length;
    all.checked = boxes.length > 0 && checked === boxes.length;
    all.indeterminate = checked > 0 && checked < boxes.length;
  }

  function enhance(root) {
    root.querySelectorAll("[data-select-all]").forEach(function (control) {
      var header = control.closest("th");
      var fallback = header && header.querySelector("[data-select-all-fallback]");
      if (fallback) { fallback.remove(); }
      control.hidden = false;
      reflect(control.closest("table"));
    });
  }

  document.addEventListener("change", function (event) {
    var box = event.target;
    var table = box.type === "checkbox" ? box.closest("table") : null;
    if (!table) { return; }
    if (box.closest("[data-select-all]")) {
      rows(table).forEach(function (row) { row.checked = box.checked; });
    }
    reflect(table);
  });
  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.addEventListener("htmx:load", function (event) { enhance(event.target); });
  // A page restored from the back button keeps the rows' checks: the header follows them.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("table").forEach(reflect);
  });
})();
