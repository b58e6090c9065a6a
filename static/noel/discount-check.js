// The promotion form's discount, checked as it is typed: above the usual range a warning (did you mean a
// tenth of it?), above the maximum a refusal. The server says the same on save; this only says it sooner.
(function () {
  function check(input) {
    var note = input.parentElement.querySelector("[data-discount-note]");
    if (!note) {
      note = document.createElement("p");
      note.setAttribute("data-discount-note", "");
      note.setAttribute("role", "status");
      note.className = "text-sm mt-1";
      input.parentElement.appendChild(note);
    }
    var benefit = document.getElementById("id_benefit");
    var value = parseFloat((input.value || "").replace(",", "."));
    var text = "";
    if (benefit && benefit.value === "percentage_off" && !isNaN(value)) {
      var tenth = String(Math.round(value * 10) / 100);
      if (value > parseFloat(input.dataset.max)) {
        text = input.dataset.refuse.replace("{value}", input.value);
        note.className = "text-sm mt-1 text-red-700 font-semibold";
      } else if (value > parseFloat(input.dataset.usualMax)) {
        text = input.dataset.warn.replace(/\{value\}/g, input.value).replace("{tenth}", tenth);
        note.className = "text-sm mt-1 text-amber-700 font-semibold";
      }
    }
    note.textContent = text;
  }
  document.addEventListener("DOMContentLoaded", function () {
    var input = document.querySelector("input[data-usual-max]");
    if (!input) return;
    input.addEventListener("input", function () { check(input); });
    var benefit = document.getElementById("id_benefit");
    if (benefit) benefit.addEventListener("change", function () { check(input); });
    // on load the server has spoken already (its error under the field): the note waits for typing
  });
})();
