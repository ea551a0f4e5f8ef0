/* Draws every chart of the dashboard from the ECharts option embedded beside it (json_script). */
(function () {
  "use strict";
  var FONT = '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif';
  var charts = [];
  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var source = document.getElementById(el.getAttribute("data-chart"));
    if (!source) { return; }
    var option = JSON.parse(source.textContent);
    if (el.getAttribute("data-height")) { el.style.height = el.getAttribute("data-height") + "px"; }
    option.textStyle = Object.assign({ fontFamily: FONT }, option.textStyle || {});
    option.animationDuration = 400;
    // Tooltips drawn on the canvas: ECharts' HTML tooltips carry inline styles the Content-Security-Policy refuses.
    if (option.tooltip) { option.tooltip.renderMode = "richText"; }
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(option);
    el.setAttribute("data-rendered", "1");
    charts.push(chart);
  });
  // The year picker submits its form on change.
  document.querySelectorAll("[data-autosubmit]").forEach(function (el) {
    el.addEventListener("change", function () { el.form.submit(); });
  });
  var pending = null;
  window.addEventListener("resize", function () {
    clearTimeout(pending);
    pending = setTimeout(function () { charts.forEach(function (c) { c.resize(); }); }, 100);
  });
})();
