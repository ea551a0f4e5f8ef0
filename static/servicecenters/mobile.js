/* Small helpers for the phone pages (vanilla JS). */
(function () {
  "use strict";
  // Tap a free slot: fill the booking form's day and times and scroll to it.
  document.querySelectorAll("[data-slot-start]").forEach(function (el) {
    el.addEventListener("click", function () {
      var form = document.getElementById("book");
      if (!form || el.classList.contains("taken") || el.classList.contains("past")) return;
      form.querySelector("[name=start]").value = el.getAttribute("data-slot-start");
      form.querySelector("[name=end]").value = el.getAttribute("data-slot-end");
      document.querySelectorAll(".slot.picked").forEach(function (p) { p.classList.remove("picked"); });
      el.classList.add("picked");
      form.scrollIntoView({ behavior: "smooth", block: "start" });
    });
  });
  // A day picker that navigates on change.
  document.querySelectorAll("[data-go-date]").forEach(function (input) {
    input.addEventListener("change", function () {
      if (input.value) window.location.search = "?date=" + encodeURIComponent(input.value);
    });
  });
  // Confirm destructive buttons.
  document.querySelectorAll("[data-confirm]").forEach(function (el) {
    el.addEventListener("click", function (event) {
      if (!window.confirm(el.getAttribute("data-confirm"))) event.preventDefault();
    });
  });
  // A select that submits its form on change (the center picker).
  document.querySelectorAll("[data-autosubmit]").forEach(function (el) {
    el.addEventListener("change", function () { el.form.submit(); });
  });
  // A select whose value is its form's action (the room a closure is for).
  document.querySelectorAll("[data-sets-action]").forEach(function (el) {
    var sync = function () { el.form.action = el.value; };
    sync();
    el.addEventListener("change", sync);
  });
  // Copy the calendar link.
  document.querySelectorAll("[data-copy]").forEach(function (el) {
    el.addEventListener("click", function () {
      var text = document.getElementById(el.getAttribute("data-copy")).textContent.trim();
      if (navigator.clipboard) navigator.clipboard.writeText(text);
      el.textContent = el.getAttribute("data-done") || el.textContent;
    });
  });
})();
