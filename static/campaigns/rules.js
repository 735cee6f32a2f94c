// The audience rule builder: conditions write a SCIM filter into the audience field, and the
// preview shows how many people match now and the first 20 (GET /campaigns/preview).
(function () {
  "use strict";
  function quote(value) {
    return '"' + value.replace(/\\/g, "\\\\").replace(/"/g, '\\"') + '"';
  }
  function compose(builder) {
    var parts = [];
    builder.querySelectorAll("[data-rule-row]").forEach(function (row) {
      var attribute = row.querySelector("[data-rule-attribute]").value;
      var op = row.querySelector("[data-rule-op]").value;
      var value = row.querySelector("[data-rule-value]").value.trim();
      if (!value) return;
      if (attribute === "meta.created" && /^\d{4}-\d{2}-\d{2}$/.test(value)) value += "T00:00:00Z";
      parts.push(attribute + " " + op + " " + quote(value));
    });
    return parts.join(" " + builder.querySelector("[data-rule-combine]").value + " ");
  }
  function setup(builder) {
    var rows = builder.querySelector("[data-rule-rows]");
    var template = builder.querySelector("[data-rule-template]");
    var output = builder.querySelector("[data-rule-output]");
    var preview = builder.querySelector("[data-preview-url]");
    var list = builder.querySelector("[data-preview-people]");
    var timer = null;
    function refresh() {
      clearTimeout(timer);
      timer = setTimeout(function () {
        if (!output.value.trim()) return;
        var url = preview.dataset.previewUrl + "?audience=" + encodeURIComponent(output.value);
        fetch(url, { credentials: "same-origin" })
          .then(function (r) { return r.json(); })
          .then(function (data) {
            list.textContent = "";
            if (data.error) { preview.textContent = data.error; return; }
            preview.textContent = data.count + (data.count === 1 ? " person matches" : " people match") + " now.";
            data.people.forEach(function (p) {
              var li = document.createElement("li");
              li.textContent = p.name + " (" + p.userName + ")";
              list.appendChild(li);
            });
          });
      }, 250);
    }
    function changed() { output.value = compose(builder); refresh(); }
    builder.querySelector("[data-rule-add]").addEventListener("click", function () {
      rows.appendChild(template.content.cloneNode(true));
      var row = rows.lastElementChild;
      row.querySelector("[data-rule-remove]").addEventListener("click", function () { row.remove(); changed(); });
      row.querySelectorAll("select, input").forEach(function (el) { el.addEventListener("input", changed); });
    });
    builder.querySelector("[data-rule-combine]").addEventListener("input", changed);
    output.addEventListener("input", refresh);
    refresh();
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-rule-builder]").forEach(setup);
  });
})();
