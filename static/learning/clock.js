// The contest clock: counts down the seconds the server gave; at zero it hands the paper in (the server decides).
(function () {
  var clock = document.getElementById("clock");
  var form = document.getElementById("paper-form");
  if (!clock || !form) return;
  var left = parseInt(clock.getAttribute("data-seconds"), 10) || 0;
  var shown = clock.querySelector("b");
  var end = Date.now() + left * 1000;
  function tick() {
    var s = Math.max(0, Math.round((end - Date.now()) / 1000));
    shown.textContent = Math.floor(s / 60) + ":" + ("0" + (s % 60)).slice(-2);
    if (s <= 60) clock.classList.add("low");
    if (s <= 0) { form.submit(); return; }
    setTimeout(tick, 500);
  }
  tick();
})();
