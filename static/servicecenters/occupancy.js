/* The occupancy chart: one line per room kind, weeks on the x axis (Apache ECharts, vendored). */
(function () {
  "use strict";
  var el = document.getElementById("occupancy-chart");
  var data = JSON.parse(document.getElementById("occupancy-data").textContent);
  if (!el || !window.echarts) return;
  var chart = window.echarts.init(el, null, { renderer: "svg" });
  chart.setOption({
    animation: false,
    tooltip: { trigger: "axis", renderMode: "richText", valueFormatter: function (v) { return v + "%"; } },
    legend: { type: "scroll", bottom: 0 },
    grid: { left: 40, right: 12, top: 16, bottom: 64 },
    xAxis: { type: "category", data: data.weeks },
    yAxis: { type: "value", axisLabel: { formatter: "{value}%" } },
    series: data.series.map(function (s) { return { name: s.name, type: "line", smooth: true, data: s.data }; })
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
