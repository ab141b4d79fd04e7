// The form editor's two JSON texts (the JSON Schema and the UI schema) in CodeMirror 6: JSON
// highlighting (token classes `tok-*`, coloured by app.css), line numbers, bracket matching,
// undo; bundled by esbuild (`make` runs web/frontend/build.mjs) into web/bundles/form-editor.js.
//
// Each editor replaces a textarea that stays in the form, hidden, and is kept equal to the
// editor's text: the form submits the same field, and the textarea's `input` event drives the
// live check (htmx posts the form to the preview). Without JavaScript the textarea is the editor.
//
// The server's check is the lint: its problems that carry a line (syntax errors, with their
// Spanish messages) are marked in line in the editor they belong to, in the same words the
// problems list shows. Tab is left to the browser so the keyboard can leave the editor.
import { EditorState } from "@codemirror/state";
import { EditorView, keymap, lineNumbers } from "@codemirror/view";
import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import { bracketMatching, syntaxHighlighting } from "@codemirror/language";
import { json } from "@codemirror/lang-json";
import { lintGutter, lintKeymap, setDiagnostics } from "@codemirror/lint";
import { classHighlighter } from "@lezer/highlight";

// CodeMirror's own words (the lint panel's, the control-character placeholder's), in Spanish.
var PHRASES = {
  "Diagnostics": "Problemas",
  "No diagnostics": "Sin problemas",
  "close": "cerrar",
  "Control character": "Carácter de control",
  "Selection deleted": "Selección borrada"
};

var editors = {};

// Text typed over a selection: Chromium's own editing would first rewrite the replaced lines
// with style attributes (to keep their colours), which the page's policy refuses; the editor
// makes the change itself instead. Composition (IME) input is left to the browser.
var typedOverSelection = EditorView.domEventHandlers({
  beforeinput: function (event, view) {
    if (event.inputType !== "insertText" || !event.data || event.isComposing || view.composing) {
      return false;
    }
    // The range the browser is about to replace: the DOM's selection, as the editor's own may
    // lag behind a selection just made in the page.
    var selection = view.root.getSelection();
    var range = event.getTargetRanges()[0] || (selection && selection.rangeCount && selection.getRangeAt(0));
    if (!range || range.collapsed || !view.contentDOM.contains(range.startContainer) ||
        !view.contentDOM.contains(range.endContainer)) { return false; }
    var from = view.posAtDOM(range.startContainer, range.startOffset);
    var to = view.posAtDOM(range.endContainer, range.endOffset);
    event.preventDefault();
    view.dispatch({
      changes: { from: Math.min(from, to), to: Math.max(from, to), insert: event.data },
      selection: { anchor: Math.min(from, to) + event.data.length },
      userEvent: "input.type",
      scrollIntoView: true
    });
    return true;
  }
});

// The page's Content-Security-Policy admits the <style> element CodeMirror writes only with
// this response's nonce (web/workbench_forms.py), which the page's meta carries.
function styleNonce() {
  var meta = document.querySelector("meta[name='csp-nonce']");
  return meta ? meta.nonce || meta.getAttribute("nonce") || "" : "";
}

function editorFor(textarea) {
  var field = textarea.closest(".json-editor");
  var label = field.querySelector("label[for='" + textarea.id + "']");
  var labelId = textarea.id + "-etiqueta";
  var attributes = { "aria-labelledby": labelId, "aria-multiline": "true", spellcheck: "false" };
  if (textarea.getAttribute("aria-describedby")) {
    attributes["aria-describedby"] = textarea.getAttribute("aria-describedby");
  }
  var parent = document.createElement("div");
  parent.className = "json-editor-view";
  textarea.after(parent);
  var view = new EditorView({
    parent: parent,
    state: EditorState.create({
      doc: textarea.value,
      extensions: [
        EditorView.cspNonce.of(styleNonce()),
        EditorState.phrases.of(PHRASES),
        lineNumbers(),
        lintGutter(),
        history(),
        bracketMatching(),
        keymap.of(defaultKeymap.concat(historyKeymap, lintKeymap)),
        json(),
        syntaxHighlighting(classHighlighter),
        EditorView.lineWrapping,
        typedOverSelection,
        EditorView.contentAttributes.of(attributes),
        EditorView.updateListener.of(function (update) {
          if (!update.docChanged) { return; }
          textarea.value = update.state.doc.toString();
          textarea.dispatchEvent(new Event("input", { bubbles: true }));
        })
      ]
    })
  });
  // The label names the editor now; the hidden textarea only carries the field.
  label.id = labelId;
  label.removeAttribute("for");
  label.addEventListener("click", function () { view.focus(); });
  textarea.hidden = true;
  return view;
}

// The problems the server's check lists with a line (`_form_check.html`), as diagnostics of the
// editor of their document.
function showProblems() {
  var found = {};
  Object.keys(editors).forEach(function (document_) { found[document_] = []; });
  document.querySelectorAll("#problemas-formulario li[data-line]").forEach(function (item) {
    var view = editors[item.dataset.document];
    if (!view) { return; }
    var doc = view.state.doc;
    var number = Number(item.dataset.line);
    if (!(number >= 1 && number <= doc.lines)) { return; }
    var line = doc.line(number);
    var from = Math.min(line.from + Math.max(Number(item.dataset.column || 1) - 1, 0), line.to);
    var message = item.querySelector(".problem-message");
    found[item.dataset.document].push({
      from: from,
      to: Math.min(from + 1, line.to),
      severity: item.classList.contains("problem-aviso") ? "warning" : "error",
      message: message ? message.textContent.trim() : item.textContent.trim()
    });
  });
  Object.keys(found).forEach(function (document_) {
    var view = editors[document_];
    view.dispatch(setDiagnostics(view.state, found[document_]));
  });
}

document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll(".json-editor textarea[data-document]").forEach(function (textarea) {
    editors[textarea.dataset.document] = editorFor(textarea);
  });
  if (Object.keys(editors).length === 0) { return; }
  showProblems();
  document.body.addEventListener("htmx:afterSettle", function (event) {
    if (event.target.id === "revision-formulario") { showProblems(); }
  });
});
