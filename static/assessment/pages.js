/* Small helpers for the assessment pages (no inline script: the Content-Security-Policy allows none). */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    // A select that submits its form on change (the quarter filter).
    document.querySelectorAll("[data-autosubmit]").forEach(function (el) {
      el.addEventListener("change", function () { el.form.submit(); });
    });
    // A form that asks before it is sent (publishing a quarter).
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
      });
    });
  });
})();
