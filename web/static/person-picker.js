// Person picker: a name search above each directory-backed person select. The select works on
// its own (no JavaScript); this narrows its options with the server's search as the user types.
(function () {
  "use strict";

  function enhance(box) {
    var select = document.getElementById(box.dataset.select);
    var input = box.querySelector("input[type=search]");
    var status = box.querySelector("[role=status]");
    if (!select || !input) { return; }
    var placeholder = select.options[0] ? select.options[0].cloneNode(true) : null;
    var timer = null;
    box.hidden = false;

    function show(people) {
      var chosen = select.value;
      var keep = chosen ? select.querySelector("option[value='" + CSS.escape(chosen) + "']") : null;
      select.replaceChildren();
      if (placeholder) { select.appendChild(placeholder.cloneNode(true)); }
      if (keep && !people.some(function (p) { return p.usuario === chosen; })) {
        select.appendChild(keep);
      }
      people.forEach(function (person) {
        var option = document.createElement("option");
        option.value = person.usuario;
        option.textContent = person.cargo ? person.nombre + " — " + person.cargo : person.nombre;
        select.appendChild(option);
      });
      select.value = chosen;
      status.textContent = people.length === 1
        ? "1 persona encontrada"
        : people.length + " personas encontradas";
    }

    function search() {
      var url = new URL(box.dataset.url, window.location.href);
      url.searchParams.set("q", input.value);
      if (box.dataset.group) { url.searchParams.set("grupo", box.dataset.group); }
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { personas: [] }; })
        .then(function (body) { show(body.personas || []); })
        .catch(function () { status.textContent = "No se pudo buscar; elija de la lista."; });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(search, 250);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".person-search[data-select]").forEach(enhance);
  });
})();
