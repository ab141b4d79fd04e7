// The workbench's modeler: bpmn-js Modeler with the properties panel, saving the draft as a new
// revision and showing the server's linter (the authoritative one) as a problems panel whose
// rows select the element on the canvas.
(function () {
  "use strict";

  var root, modeler, revision, saveButton, statusLine;

  function say(text) { statusLine.textContent = text; }

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  function selectElement(id) {
    var registry = modeler.get("elementRegistry");
    var element = registry.get(id);
    if (!element) { return; }
    modeler.get("selection").select(element);
    modeler.get("canvas").scrollToElement(element);
  }

  function showProblems(report) {
    var list = document.getElementById("problemas");
    var summary = document.getElementById("problemas-resumen");
    var canvas = modeler.get("canvas");
    var registry = modeler.get("elementRegistry");
    registry.forEach(function (element) { canvas.removeMarker(element.id, "bg-problem"); });
    list.textContent = "";
    summary.textContent = report.problems.length === 0
      ? "Sin problemas: el borrador se puede desplegar."
      : "El linter encontró " + report.problems.length + " problema(s).";
    report.problems.forEach(function (problem) {
      var item = document.createElement("li");
      var label = problem.element || "(archivo)";
      if (problem.element && registry.get(problem.element)) {
        canvas.addMarker(problem.element, "bg-problem");
        var button = document.createElement("button");
        button.type = "button";
        button.className = "link";
        button.textContent = label;
        button.addEventListener("click", function () { selectElement(problem.element); });
        item.appendChild(button);
      } else {
        var code = document.createElement("code");
        code.textContent = label;
        item.appendChild(code);
      }
      item.appendChild(document.createTextNode(": " + problem.message));
      item.dataset.element = problem.element || "";
      list.appendChild(item);
    });
    root.dataset.problems = String(report.problems.length);
  }

  function lint() {
    return fetch(root.dataset.problemsUrl, { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(showProblems);
  }

  function save() {
    saveButton.disabled = true;
    say("Guardando…");
    if (window.BuenGobiernoPropiedades) { window.BuenGobiernoPropiedades.flushInput(modeler); }
    modeler.saveXML({ format: true })
      .then(function (result) {
        return fetch(root.dataset.saveUrl, {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
          body: JSON.stringify({ bpmn: result.xml, revision: revision })
        });
      })
      .then(function (response) {
        return response.json().then(function (body) { return { status: response.status, body: body }; });
      })
      .then(function (answer) {
        if (answer.status === 200) {
          revision = answer.body.revision;
          document.getElementById("revision").textContent = "Revisión " + revision;
          say("Guardado: revisión " + revision + ".");
          return lint();
        }
        if (answer.status === 409) {
          conflict(answer.body);
          return null;
        }
        say("No se guardó: " + (answer.body.message || answer.status));
        return null;
      })
      .catch(function (error) { say("No se guardó: " + error.message); })
      .then(function () { saveButton.disabled = false; });
  }

  function conflict(body) {
    statusLine.textContent = body.message + " ";
    var compare = document.createElement("a");
    compare.href = body.compare_url;
    compare.textContent = "Ver el cambio de " + body.saved_by + " (revisión " + body.revision + ")";
    statusLine.appendChild(compare);
    root.dataset.conflict = String(body.revision);
  }

  function start() {
    root = document.getElementById("modelador");
    if (!root || !window.BpmnJS) { return; }
    saveButton = document.getElementById("guardar");
    statusLine = document.getElementById("estado");
    revision = parseInt(root.dataset.revision, 10);
    // The properties panel with our spiffworkflow: provider (web/frontend/properties-panel.js).
    var panel = window.BuenGobiernoPropiedades;
    modeler = new window.BpmnJS({
      container: document.getElementById("lienzo"),
      propertiesPanel: { parent: document.getElementById("propiedades") },
      additionalModules: (panel ? panel.modules : [])
        .concat(window.BuenGobiernoLint ? window.BuenGobiernoLint.modules : []),
      moddleExtensions: panel ? panel.moddleExtensions : {},
      spiffworkflow: {
        forms: JSON.parse(root.dataset.forms || "[]"),
        operators: JSON.parse(root.dataset.operators || "[]"),
        groupsUrl: root.dataset.groupsUrl
      }
    });
    fetch(root.dataset.xmlUrl, { credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (xml) { return modeler.importXML(xml); })
      .then(function () {
        modeler.get("canvas").zoom("fit-viewport");
        saveButton.disabled = false;
        saveButton.addEventListener("click", save);
        root.dataset.ready = "true";
        return lint();
      })
      .catch(function (error) {
        root.dataset.ready = "error";
        say("No se pudo abrir el diagrama: " + error.message);
      });
  }

  document.addEventListener("DOMContentLoaded", start);
})();
