// The meeting form's attendance checklist: "all present", and a ticked member's reason box greyed out.
// The form works without this file: unticked members need a reason either way (checked on the server).
(function () {
  "use strict";
  function enhance(list) {
    var boxes = list.querySelectorAll("input[type=checkbox]");
    function sync(box) {
      var reason = box.closest("tr").querySelector(".attendance-reason");
      if (reason) {
        reason.disabled = box.checked;
      }
    }
    boxes.forEach(function (box) {
      sync(box);
      box.addEventListener("change", function () { sync(box); });
    });
    var all = list.querySelector(".attendance-all");
    if (all) {
      all.hidden = false;
      all.addEventListener("click", function () {
        boxes.forEach(function (box) { box.checked = true; sync(box); });
      });
    }
  }
  function start() {
    document.querySelectorAll("[data-attendance]").forEach(enhance);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
