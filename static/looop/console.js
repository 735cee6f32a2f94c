/* Console behaviour, loaded as an external file (the CSP forbids inline scripts).
 * Everything here is an enhancement: the pages work without JavaScript. */
(function () {
  "use strict";

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    // Older browsers and plain-HTTP hosts: copy through a temporary selection.
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.className = "offscreen";
      document.body.appendChild(area);
      area.select();
      var ok = document.execCommand("copy");
      document.body.removeChild(area);
      if (ok) { resolve(); } else { reject(new Error("copy failed")); }
    });
  }

  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var source = document.getElementById(button.getAttribute("data-copy"));
    var status = button.parentElement.querySelector(".copy-status");
    if (!source) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      copyText(source.textContent.trim()).then(function () {
        button.textContent = "Copied";
        if (status) { status.textContent = "Copied to the clipboard."; }
        window.setTimeout(function () {
          button.textContent = "Copy";
          if (status) { status.textContent = ""; }
        }, 2500);
      }, function () {
        if (status) { status.textContent = "Couldn't copy: select the text and copy it yourself."; }
      });
    });
  });

  // The Account menu closes on Escape (focus returns to it) and on a click elsewhere.
  document.querySelectorAll("[data-nav-menu]").forEach(function (menu) {
    var summary = menu.querySelector("summary");
    menu.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && menu.open) {
        menu.open = false;
        summary.focus();
      }
    });
    document.addEventListener("click", function (event) {
      if (menu.open && !menu.contains(event.target)) { menu.open = false; }
    });
  });
})();

/* Provisioning activity: each event's row opens to show its request and error. Without
 * JavaScript the details stay visible under each row. */
(function () {
  "use strict";
  document.querySelectorAll(".event-toggle").forEach(function (button) {
    var detail = document.getElementById(button.getAttribute("aria-controls"));
    if (!detail) { return; }
    detail.hidden = true;
    button.hidden = false;
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") !== "true";
      button.setAttribute("aria-expanded", open ? "true" : "false");
      button.querySelector("[aria-hidden]").textContent = open ? "▾" : "▸";
      detail.hidden = !open;
    });
  });
})();

/* Filter forms leave out the fields left empty, so the URL names only the filter in use. */
(function () {
  "use strict";
  document.querySelectorAll("form.filters[method=get]").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("input[name], select[name]").forEach(function (field) {
        if (field.value === "") { field.disabled = true; }
      });
    });
  });
})();

/* People: one checkbox selects everyone on the page. Without JavaScript it stays hidden. */
(function () {
  "use strict";
  document.querySelectorAll("[data-select-all]").forEach(function (all) {
    var name = all.getAttribute("data-select-all");
    var boxes = all.form.querySelectorAll('input[type=checkbox][name="' + name + '"]');
    all.hidden = false;
    all.addEventListener("change", function () {
      boxes.forEach(function (box) { box.checked = all.checked; });
    });
  });
})();
