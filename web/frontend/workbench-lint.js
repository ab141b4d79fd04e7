// bpmnlint's recommended rules while modelling (bpmn-js-bpmnlint), in Spanish.
//
// The server's linter stays the authoritative one (it alone decides whether a draft deploys);
// these rules are bpmn.io's modelling advice, checked on every change in the browser. This
// module, added to the modeler's additionalModules (window.BuenGobiernoLint.modules), turns
// linting on with the bundled recommended configuration, says each report in Spanish with a
// hint to fix it, marks the offending elements and lists them in #problemas-modelado, each row
// selecting its element on the canvas.
import lintingModule from "bpmn-js-bpmnlint";

import bundledConfig from "./.bpmnlintrc";

import { REPORTS, WORDS } from "./lint-messages.js";

// A report in Spanish: the first entry of REPORTS whose rule and pattern match.
export function spanishReport(rule, message) {
  for (const entry of REPORTS) {
    if (entry.rule !== rule && entry.rule !== "*") {
      continue;
    }
    const match = entry.pattern.exec(message);
    if (match) {
      return {
        message: entry.message.replace(/\$(\d)/g, (_, n) => spanishWord(match[Number(n)] || "")),
        hint: entry.hint,
      };
    }
  }
  return { message: message, hint: "" };
}

function spanishWord(word) {
  return WORDS[word] || word;
}

// diagram-js asks `translate` for every text it shows: the linting overlays and button say
// Spanish; anything else (other modules' texts) passes through unchanged.
function translate(template, replacements) {
  const known = WORDS[template];
  let text = known;
  if (text === undefined) {
    text = template;
    for (const entry of REPORTS) {
      if (entry.pattern.test(template)) {
        text = spanishReport(entry.rule, template).message;
        break;
      }
    }
  }
  return text.replace(/{([^}]+)}/g, (_, key) => {
    const value = (replacements || {})[key];
    return value === undefined ? "{" + key + "}" : value;
  });
}

const MARKERS = { error: "bg-lint-error", warn: "bg-lint-warning" };

function ProblemsPanel(eventBus, linting, canvas, elementRegistry, selection) {
  this._canvas = canvas;
  this._registry = elementRegistry;
  this._selection = selection;
  this._marked = [];
  linting.setLinterConfig(bundledConfig);
  linting.toggle(true);
  eventBus.on("linting.completed", (event) => this.show(event.issues));
}

ProblemsPanel.$inject = ["eventBus", "linting", "canvas", "elementRegistry", "selection"];

ProblemsPanel.prototype.select = function (id) {
  const element = this._registry.get(id);
  if (!element || !element.parent) {
    return;
  }
  this._selection.select(element);
  this._canvas.scrollToElement(element);
};

ProblemsPanel.prototype.show = function (issues) {
  const list = document.getElementById("problemas-modelado");
  const summary = document.getElementById("problemas-modelado-resumen");
  this._marked.forEach(([id, marker]) => this._canvas.removeMarker(id, marker));
  this._marked = [];
  const reports = [];
  Object.keys(issues).forEach((id) => {
    issues[id].forEach((issue) => reports.push(Object.assign({ shown: id }, issue)));
  });
  reports.forEach((report) => {
    const marker = MARKERS[report.category];
    const element = this._registry.get(report.shown);
    if (marker && element && element.parent) {
      this._canvas.addMarker(report.shown, marker);
      this._marked.push([report.shown, marker]);
    }
  });
  if (!list) {
    return;
  }
  list.textContent = "";
  const errors = reports.filter((report) => report.category === "error").length;
  if (summary) {
    summary.textContent = reports.length === 0
      ? "Sin observaciones de las reglas de modelado."
      : "Las reglas de modelado encontraron " + errors + " error(es) y " +
        (reports.length - errors) + " advertencia(s).";
  }
  reports.forEach((report) => list.appendChild(this._row(report)));
  list.dataset.count = String(reports.length);
};

ProblemsPanel.prototype._row = function (report) {
  const item = document.createElement("li");
  const id = report.actualElementId || report.id;
  const element = this._registry.get(report.shown);
  const business = element && element.businessObject;
  const name = (business && business.id === id && business.name) || "";
  const label = name ? name + " (" + id + ")" : id;
  item.className = report.category === "error" ? "lint-error" : "lint-warning";
  item.dataset.element = id;
  item.dataset.rule = report.rule;
  const severity = document.createElement("strong");
  severity.textContent = report.category === "error" ? "Error" : "Advertencia";
  item.appendChild(severity);
  item.appendChild(document.createTextNode(" "));
  if (element && element.parent) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "link";
    button.textContent = label;
    button.addEventListener("click", () => this.select(report.shown));
    item.appendChild(button);
  } else {
    const code = document.createElement("code");
    code.textContent = label;
    item.appendChild(code);
  }
  const spanish = spanishReport(report.rule, report.message);
  item.appendChild(document.createTextNode(": " + spanish.message + "."));
  if (spanish.hint) {
    const hint = document.createElement("span");
    hint.className = "lint-hint";
    hint.textContent = " " + spanish.hint;
    item.appendChild(hint);
  }
  return item;
};

const problemsModule = {
  __init__: ["buenGobiernoLintPanel"],
  __depends__: [lintingModule],
  translate: ["value", translate],
  buenGobiernoLintPanel: ["type", ProblemsPanel],
};

window.BuenGobiernoLint = {
  modules: [problemsModule],
  spanishReport: spanishReport,
  rules: Object.keys(bundledConfig.config.rules),
  translatedRules: Array.from(new Set(REPORTS.map((entry) => entry.rule))),
};
