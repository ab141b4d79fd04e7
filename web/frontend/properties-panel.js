// The modeler's properties panel: bpmn-js-properties-panel with a provider for the
// `spiffworkflow:` extensions our engine reads (engine/bpm/bpmn_xml.py), bundled by esbuild
// (`make` runs web/frontend/build.mjs) into web/bundles/properties-panel.js, global
// `BuenGobiernoPropiedades`.
//
// Why a bundle: the panel's UMD build exposes its modules and `useService` only, not the entry
// components (SelectEntry, TextAreaEntry, ListGroup…) nor its copy of preact, and a provider's
// entries must render with that very copy. Bundling the panel and the provider together gives
// them one preact.
import { h } from "@bpmn-io/properties-panel/preact";
import { useEffect, useMemo, useRef } from "@bpmn-io/properties-panel/preact/hooks";
import {
  BpmnPropertiesPanelModule,
  BpmnPropertiesProviderModule,
  useService
} from "bpmn-js-properties-panel";
import {
  ListGroup,
  SelectEntry,
  TextAreaEntry,
  TextFieldEntry,
  isSelectEntryEdited,
  isTextAreaEntryEdited,
  isTextFieldEntryEdited
} from "@bpmn-io/properties-panel";
import { debounce } from "min-dash";
import { EditorState } from "@codemirror/state";
import { EditorView, keymap, lineNumbers } from "@codemirror/view";
import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import { defaultHighlightStyle, syntaxHighlighting } from "@codemirror/language";
import { python } from "@codemirror/lang-python";

import spiffworkflowModdle from "./spiffworkflow-moddle.json";

// -- the model: reading and writing the extensions ------------------------------------------

function businessObject(element) {
  return element.businessObject || element;
}

function is(element, type) {
  var bo = businessObject(element);
  return !!bo && typeof bo.$instanceOf === "function" && bo.$instanceOf(type);
}

function isAny(element, types) {
  return types.some(function (type) { return is(element, type); });
}

function extensionOf(element, type) {
  var extensions = businessObject(element).get("extensionElements");
  if (!extensions) { return null; }
  return extensions.get("values").find(function (value) { return value.$instanceOf(type); }) || null;
}

function update(element, moddleElement, properties) {
  return {
    cmd: "element.updateModdleProperties",
    context: { element: element, moddleElement: moddleElement, properties: properties }
  };
}

// The commands that make sure `element` has an extension of `type` (created with `attrs`),
// and that extension. One undo step undoes them with the change that needed them.
function ensureExtension(element, type, attrs, bpmnFactory, commands) {
  var bo = businessObject(element);
  var extensions = bo.get("extensionElements");
  if (!extensions) {
    extensions = bpmnFactory.create("bpmn:ExtensionElements", { values: [] });
    extensions.$parent = bo;
    commands.push(update(element, bo, { extensionElements: extensions }));
  }
  var found = extensions.get("values").find(function (value) { return value.$instanceOf(type); });
  if (found) { return found; }
  var created = bpmnFactory.create(type, attrs);
  created.$parent = extensions;
  commands.push(update(element, extensions, { values: extensions.get("values").concat([created]) }));
  return created;
}

function removeExtension(element, extension, commands) {
  var extensions = businessObject(element).get("extensionElements");
  commands.push(update(element, extensions, {
    values: extensions.get("values").filter(function (value) { return value !== extension; })
  }));
}

function run(commandStack, commands) {
  if (commands.length) {
    commandStack.execute("properties-panel.multi-command-executor", commands);
  }
}

// <spiffworkflow:properties><spiffworkflow:property name=… value=…/></spiffworkflow:properties>
function getProperty(element, name) {
  var properties = extensionOf(element, "spiffworkflow:Properties");
  if (!properties) { return ""; }
  var found = properties.get("properties").find(function (p) { return p.get("name") === name; });
  return found ? found.get("value") || "" : "";
}

function setProperty(services, element, name, value) {
  var commands = [];
  var existing = extensionOf(element, "spiffworkflow:Properties");
  var found = existing && existing.get("properties").find(function (p) { return p.get("name") === name; });
  if (!value) {
    if (found) {
      commands.push(update(element, existing, {
        properties: existing.get("properties").filter(function (p) { return p !== found; })
      }));
    }
  } else if (found) {
    commands.push(update(element, found, { value: value }));
  } else {
    var properties = ensureExtension(element, "spiffworkflow:Properties", { properties: [] },
      services.bpmnFactory, commands);
    var property = services.bpmnFactory.create("spiffworkflow:Property", { name: name, value: value });
    property.$parent = properties;
    commands.push(update(element, properties, {
      properties: properties.get("properties").concat([property])
    }));
  }
  run(services.commandStack, commands);
}

// Elements whose text is their body: instructionsForEndUser, preScript, postScript.
function getBody(element, type) {
  var found = extensionOf(element, type);
  return found ? found.get("value") || "" : "";
}

function setBody(services, element, type, value) {
  var commands = [];
  var found = extensionOf(element, type);
  if (!value) {
    if (found) { removeExtension(element, found, commands); }
  } else if (found) {
    commands.push(update(element, found, { value: value }));
  } else {
    ensureExtension(element, type, { value: value }, services.bpmnFactory, commands);
  }
  run(services.commandStack, commands);
}

function useModelServices() {
  return {
    bpmnFactory: useService("bpmnFactory"),
    commandStack: useService("commandStack"),
    modeling: useService("modeling")
  };
}

// -- entries ---------------------------------------------------------------------------------

function withUnknown(options, value, note) {
  if (value && !options.some(function (o) { return o.value === value; })) {
    return options.concat([{ value: value, label: value + " (" + note + ")" }]);
  }
  return options;
}

function FormFileEntry(props) {
  var services = useModelServices();
  var suffix = props.suffix;
  return h(SelectEntry, {
    element: props.element,
    id: props.id,
    label: props.label,
    description: props.description,
    getValue: function (element) { return getProperty(element, props.property); },
    setValue: function (value) { setProperty(services, props.element, props.property, value); },
    getOptions: function (element) {
      var options = [{ value: "", label: "(sin formulario)" }].concat(
        props.config.forms
          .filter(function (name) { return name.endsWith(suffix); })
          .map(function (name) { return { value: name, label: name }; })
      );
      return withUnknown(options, getProperty(element, props.property), "no está en el borrador");
    }
  });
}

function PropertyTextEntry(props) {
  var services = useModelServices();
  return h(TextFieldEntry, {
    element: props.element,
    id: props.id,
    label: props.label,
    description: props.description,
    debounce: useService("debounceInput"),
    getValue: function (element) { return getProperty(element, props.property); },
    setValue: function (value) { setProperty(services, props.element, props.property, value); }
  });
}

function InstructionsEntry(props) {
  var services = useModelServices();
  return h(TextAreaEntry, {
    element: props.element,
    id: props.id,
    label: props.label,
    description: "Markdown con plantillas Jinja sobre los datos del caso ({{ asunto }}).",
    rows: 6,
    autoResize: true,
    debounce: useService("debounceInput"),
    getValue: function (element) { return getBody(element, "spiffworkflow:InstructionsForEndUser"); },
    setValue: function (value) {
      setBody(services, props.element, "spiffworkflow:InstructionsForEndUser", value);
    }
  });
}

// A Python script in CodeMirror 6 (syntax highlighting, line numbers, undo); Tab is left to
// the browser so the keyboard can leave the editor.
function ScriptEntry(props) {
  var services = useModelServices();
  var debounce = useService("debounceInput");
  var element = props.element;
  var type = props.type;
  var value = getBody(element, type);
  var parent = useRef(null);
  var view = useRef(null);
  var labelId = "bg-label-" + props.id;
  var save = useMemo(function () {
    return debounce(function (text) { setBody(services, element, type, text); });
  }, [element, type]);

  useEffect(function () {
    var editor = new EditorView({
      parent: parent.current,
      state: EditorState.create({
        doc: value,
        extensions: [
          lineNumbers(),
          history(),
          keymap.of(defaultKeymap.concat(historyKeymap)),
          python(),
          syntaxHighlighting(defaultHighlightStyle),
          EditorView.lineWrapping,
          EditorView.contentAttributes.of({ "aria-labelledby": labelId, "aria-multiline": "true" }),
          EditorView.updateListener.of(function (change) {
            if (change.docChanged) { save(change.state.doc.toString()); }
          })
        ]
      })
    });
    view.current = editor;
    return function () { editor.destroy(); view.current = null; };
  }, [element, type]);

  // A change from elsewhere (undo, another entry): shown unless the analyst is typing here.
  useEffect(function () {
    var editor = view.current;
    if (editor && !editor.hasFocus && editor.state.doc.toString() !== value) {
      editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: value } });
    }
  }, [value]);

  return h("div", { class: "bio-properties-panel-entry bg-script-entry", "data-entry-id": props.id },
    h("label", { id: labelId, class: "bio-properties-panel-label" }, props.label),
    h("div", { ref: parent, class: "bg-script-editor", "data-script": props.id }));
}

function OperatorEntry(props) {
  var services = useModelServices();
  return h(SelectEntry, {
    element: props.element,
    id: props.id,
    label: "Operador del servicio",
    getValue: function (element) {
      var operator = extensionOf(element, "spiffworkflow:ServiceTaskOperator");
      return operator ? operator.get("id") || "" : "";
    },
    setValue: function (value) {
      var commands = [];
      var operator = extensionOf(props.element, "spiffworkflow:ServiceTaskOperator");
      if (!value) {
        if (operator) { removeExtension(props.element, operator, commands); }
      } else if (operator) {
        commands.push(update(props.element, operator, { id: value }));
      } else {
        ensureExtension(props.element, "spiffworkflow:ServiceTaskOperator", { id: value },
          services.bpmnFactory, commands);
      }
      run(services.commandStack, commands);
    },
    getOptions: function (element) {
      var operator = extensionOf(element, "spiffworkflow:ServiceTaskOperator");
      var options = [{ value: "", label: "(ninguno)" }].concat(
        props.config.operators.map(function (name) { return { value: name, label: name }; })
      );
      return withUnknown(options, operator && operator.get("id"), "no registrado");
    }
  });
}

function ResultVariableEntry(props) {
  var services = useModelServices();
  return h(TextFieldEntry, {
    element: props.element,
    id: props.id,
    label: "Variable del resultado",
    description: "El resultado del operador (un objeto JSON) queda en esta variable del caso.",
    debounce: useService("debounceInput"),
    disabled: !extensionOf(props.element, "spiffworkflow:ServiceTaskOperator"),
    getValue: function (element) {
      var operator = extensionOf(element, "spiffworkflow:ServiceTaskOperator");
      return operator ? operator.get("resultVariable") || "" : "";
    },
    setValue: function (value) {
      var operator = extensionOf(props.element, "spiffworkflow:ServiceTaskOperator");
      if (operator) {
        run(services.commandStack, [update(props.element, operator, { resultVariable: value || undefined })]);
      }
    }
  });
}

function ParameterField(props) {
  var services = useModelServices();
  var parameter = props.parameter;
  return h(TextFieldEntry, {
    element: props.element,
    id: props.id,
    label: props.label,
    description: props.description,
    debounce: useService("debounceInput"),
    getValue: function () { return parameter.get(props.attribute) || ""; },
    setValue: function (value) {
      var change = {};
      change[props.attribute] = value;
      run(services.commandStack, [update(props.element, parameter, change)]);
    }
  });
}

function LaneGroupEntry(props) {
  var modeling = useService("modeling");
  return h(SelectEntry, {
    element: props.element,
    id: props.id,
    label: "Grupo del carril",
    description: "Las tareas del carril se ofrecen a los miembros de este grupo.",
    getValue: function (element) { return businessObject(element).get("name") || ""; },
    setValue: function (value) { modeling.updateProperties(props.element, { name: value }); },
    getOptions: function (element) {
      var groups = props.provider.groups;
      var options = [{ value: "", label: groups ? "(elija un grupo)" : "Cargando grupos…" }]
        .concat(props.provider.groups
          ? groups.map(function (g) { return { value: g.code, label: g.name + " (" + g.code + ")" }; })
          : []);
      return withUnknown(options, businessObject(element).get("name"), "no es un grupo del directorio");
    }
  });
}

// -- the provider ----------------------------------------------------------------------------

var USER_TASKS = ["bpmn:UserTask", "bpmn:ManualTask"];
var SCRIPTED = ["bpmn:Task", "bpmn:CallActivity", "bpmn:SubProcess"];

function entry(id, component, element, extra) {
  var props = { id: id, component: component, element: element };
  Object.keys(extra || {}).forEach(function (key) { props[key] = extra[key]; });
  return props;
}

function SpiffworkflowPropertiesProvider(propertiesPanel, eventBus, injector, config) {
  var self = this;
  this._injector = injector;
  this._config = {
    forms: (config && config.forms) || [],
    operators: (config && config.operators) || []
  };
  this.groups = null;
  propertiesPanel.registerProvider(400, this);
  if (config && config.groupsUrl) {
    fetch(config.groupsUrl, { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (body) {
        self.groups = body.groups;
        eventBus.fire("propertiesPanel.providersChanged");
      });
  }
}

SpiffworkflowPropertiesProvider.$inject = ["propertiesPanel", "eventBus", "injector", "config.spiffworkflow"];

SpiffworkflowPropertiesProvider.prototype.getGroups = function (element) {
  var self = this;
  return function (groups) {
    var ours = [];
    var config = self._config;
    if (isAny(element, ["bpmn:UserTask", "bpmn:StartEvent"])) {
      ours.push({
        id: "spiff-form",
        label: "Formulario",
        entries: [
          entry("formJsonSchemaFilename", FormFileEntry, element, {
            isEdited: isSelectEntryEdited, label: "Archivo del formulario (JSON Schema)",
            property: "formJsonSchemaFilename", suffix: ".schema.json", config: config
          }),
          entry("formUiSchemaFilename", FormFileEntry, element, {
            isEdited: isSelectEntryEdited, label: "Esquema de presentación (UI schema)",
            property: "formUiSchemaFilename", suffix: ".uischema.json", config: config
          })
        ]
      });
    }
    if (isAny(element, USER_TASKS)) {
      ours.push({
        id: "spiff-instructions",
        label: "Instrucciones",
        entries: [entry("instructionsForEndUser", InstructionsEntry, element, {
          isEdited: isTextAreaEntryEdited, label: "Instrucciones para quien atiende la tarea"
        })]
      });
    }
    if (isAny(element, SCRIPTED)) {
      ours.push({
        id: "spiff-scripts",
        label: "Scripts",
        entries: [
          entry("preScript", ScriptEntry, element, {
            label: "Script previo (al llegar a la tarea)", type: "spiffworkflow:PreScript"
          }),
          entry("postScript", ScriptEntry, element, {
            label: "Script posterior (al completar la tarea)", type: "spiffworkflow:PostScript"
          })
        ]
      });
    }
    if (is(element, "bpmn:ServiceTask")) {
      ours.push({
        id: "spiff-service",
        label: "Servicio",
        entries: [
          entry("serviceTaskOperator", OperatorEntry, element, { isEdited: isSelectEntryEdited, config: config }),
          entry("resultVariable", ResultVariableEntry, element, { isEdited: isTextFieldEntryEdited })
        ]
      });
      var operator = extensionOf(element, "spiffworkflow:ServiceTaskOperator");
      if (operator) { ours.push(self._parametersGroup(element, operator)); }
    }
    if (isAny(element, USER_TASKS)) {
      ours.push({
        id: "spiff-assignment",
        label: "Asignación",
        entries: [
          entry("candidateGroupExpression", PropertyTextEntry, element, {
            isEdited: isTextFieldEntryEdited, property: "candidateGroupExpression",
            label: "Grupo candidato (expresión)",
            description: "Para el carril «organismo»: la variable del caso con el código del grupo."
          }),
          entry("assigneeExpression", PropertyTextEntry, element, {
            isEdited: isTextFieldEntryEdited, property: "assigneeExpression",
            label: "Responsable (expresión)",
            description: "Para los carriles «delegado» y «responsable»: la variable con el usuario."
          }),
          entry("dueDateExpression", PropertyTextEntry, element, {
            isEdited: isTextFieldEntryEdited, property: "dueDateExpression",
            label: "Vencimiento (expresión)",
            description: "Por ejemplo add_business_days(fecha_sesion, 3)."
          })
        ]
      });
    }
    if (is(element, "bpmn:Lane")) {
      ours.push({
        id: "spiff-assignment",
        label: "Asignación",
        entries: [entry("laneGroup", LaneGroupEntry, element, { isEdited: isSelectEntryEdited, provider: self })]
      });
    }
    var general = groups.findIndex(function (group) { return group.id === "general"; });
    groups.splice(general + 1, 0, ...ours);
    return groups;
  };
};

SpiffworkflowPropertiesProvider.prototype._parametersGroup = function (element, operator) {
  var injector = this._injector;
  var parameterList = operator.get("parameterList");
  var parameters = parameterList ? parameterList.get("parameters") : [];
  function commandsTo(list) {
    var commands = [];
    var container = operator.get("parameterList");
    if (!container) {
      container = injector.get("bpmnFactory").create("spiffworkflow:Parameters", { parameters: [] });
      container.$parent = operator;
      commands.push(update(element, operator, { parameterList: container }));
    }
    list.forEach(function (parameter) { parameter.$parent = container; });
    commands.push(update(element, container, { parameters: list }));
    return commands;
  }
  return {
    id: "spiff-parameters",
    label: "Parámetros del servicio",
    component: ListGroup,
    add: function (event) {
      event.stopPropagation();
      var parameter = injector.get("bpmnFactory").create("spiffworkflow:Parameter", {
        id: "parametro_" + (parameters.length + 1), type: "str", value: ""
      });
      run(injector.get("commandStack"), commandsTo(parameters.concat([parameter])));
    },
    items: parameters.map(function (parameter, index) {
      var key = "parameter-" + index;
      return {
        id: key,
        label: parameter.get("id") || "(sin nombre)",
        entries: [
          entry(key + "-id", ParameterField, element, {
            parameter: parameter, attribute: "id", label: "Nombre", isEdited: isTextFieldEntryEdited
          }),
          entry(key + "-type", ParameterField, element, {
            parameter: parameter, attribute: "type", label: "Tipo", isEdited: isTextFieldEntryEdited
          }),
          entry(key + "-value", ParameterField, element, {
            parameter: parameter, attribute: "value", label: "Valor (expresión)",
            isEdited: isTextFieldEntryEdited
          })
        ],
        remove: function () {
          run(injector.get("commandStack"),
            commandsTo(parameters.filter(function (p) { return p !== parameter; })));
        }
      };
    })
  };
};

// The panel's debounced inputs (300 ms), each remembered while it waits, so that saving can
// flush what the analyst has just typed (`flushInput`) instead of saving without it.
function pendingInput() { return new Set(); }

function debounceInput(pending) {
  return function (fn) {
    var debounced = debounce(fn, 300);
    var wrapped = function () {
      pending.add(wrapped);
      return debounced.apply(this, arguments);
    };
    wrapped.flush = function () { pending.delete(wrapped); debounced.flush(); };
    wrapped.cancel = function () { pending.delete(wrapped); debounced.cancel(); };
    return wrapped;
  };
}
debounceInput.$inject = ["pendingInput"];

var SpiffworkflowPropertiesProviderModule = {
  __init__: ["spiffworkflowPropertiesProvider"],
  spiffworkflowPropertiesProvider: ["type", SpiffworkflowPropertiesProvider],
  pendingInput: ["factory", pendingInput],
  debounceInput: ["factory", debounceInput]
};

export function flushInput(modeler) {
  Array.from(modeler.get("pendingInput")).forEach(function (input) { input.flush(); });
}

export var modules = [
  BpmnPropertiesPanelModule,
  BpmnPropertiesProviderModule,
  SpiffworkflowPropertiesProviderModule
];
export var moddleExtensions = { spiffworkflow: spiffworkflowModdle };
