/* Sign-up: suggest an address from the organisation name and check it as it is typed. */
(function () {
  "use strict";
  var form = document.querySelector("[data-signup]");
  if (!form) { return; }
  var name = form.querySelector("[name=name]");
  var slug = form.querySelector("[name=slug]");
  var status = document.getElementById("slug-status");
  var checkUrl = slug.getAttribute("data-check-url");
  var slugEdited = slug.value !== "";
  var timer = null;
  var latest = 0;

  function suggest(text) {
    return text.toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
      .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 63).replace(/-+$/, "");
  }

  function show(message, state) {
    status.textContent = message;
    status.className = "slug-status" + (state ? " slug-" + state : "");
  }

  function check() {
    var value = slug.value.trim().toLowerCase();
    if (!value) { show("", ""); return; }
    var ticket = ++latest;
    fetch(checkUrl + "?slug=" + encodeURIComponent(value), {
      headers: { "Accept": "application/json" },
      credentials: "same-origin"
    }).then(function (response) { return response.json(); }).then(function (body) {
      if (ticket !== latest) { return; } // an older answer arriving late
      show(body.message, body.available === true ? "ok" : body.available === false ? "bad" : "");
    }).catch(function () {
      if (ticket === latest) { show("", ""); }
    });
  }

  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(check, 250);
  }

  name.addEventListener("input", function () {
    if (!slugEdited) {
      slug.value = suggest(name.value);
      later();
    }
  });
  slug.addEventListener("input", function () {
    slugEdited = slug.value !== "";
    later();
  });
  if (slug.value) { check(); }
})();
