// The store page without a framework: results follow the typing (an HTML fragment from the server),
// Enter (what a barcode scanner sends) submits the form and opens an exact match at once.
(function () {
  "use strict";
  // A scan answers with the product at /store/?q=<code>: show its own address, so Back and reload work.
  var canonical = document.body.dataset.canonical;
  if (canonical && window.location.pathname + window.location.search !== canonical) {
    window.history.replaceState(null, "", canonical);
  }
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
  var form = document.querySelector("form.search");
  var results = document.getElementById("results");
  if (!form || !results) { return; }
  var input = form.querySelector("input[name=q]");
  var timer = null;
  var latest = 0;
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var asked = ++latest;
      var url = form.dataset.live + "?q=" + encodeURIComponent(input.value);
      fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
        .then(function (response) { return response.ok ? response.text() : ""; })
        .then(function (html) { if (asked === latest) { results.innerHTML = html; } });
    }, 250);
  });
  form.addEventListener("submit", function () { clearTimeout(timer); latest++; });
})();
