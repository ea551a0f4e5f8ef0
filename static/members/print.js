/* The introduction letter's print button (no inline handler: the Content-Security-Policy allows none). */
document.querySelectorAll("[data-print]").forEach(function (el) {
  el.addEventListener("click", function () { window.print(); });
});
