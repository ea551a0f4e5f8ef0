/* Draws the ECharts charts of the assessment pages from data in <script type="application/json"> blocks. */
(function () {
  "use strict";
  var palette = ["#b71c1c", "#f2a33a", "#1565c0", "#2e7d32", "#6a1b9a", "#00838f", "#ad1457", "#5d4037", "#455a64"];
  var font = '"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif';

  function data(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function draw(el, option) {
    var chart = echarts.init(el, null, {renderer: "canvas"});
    chart.setOption(option);
    window.addEventListener("resize", function () { chart.resize(); });
    el.setAttribute("data-rendered", "1");
    return chart;
  }

  function trend(el) {
    var d = data(el.getAttribute("data-source"));
    var series = d.series.map(function (s) {
      return {name: s.name, type: "line", data: s.data, connectNulls: true, symbolSize: 6, smooth: false};
    });
    series.push({name: d.average_label, type: "line", data: d.average, connectNulls: true,
                 lineStyle: {type: "dashed", width: 2, color: "#888"}, itemStyle: {color: "#888"}, symbol: "none"});
    draw(el, {
      color: palette, textStyle: {fontFamily: font},
      tooltip: {trigger: "axis", renderMode: "richText", valueFormatter: function (v) { return v == null ? "–" : v.toFixed(2); }},
      legend: {type: "scroll", bottom: 0},
      grid: {left: 48, right: 24, top: 24, bottom: 56},
      xAxis: {type: "category", data: d.quarters, boundaryGap: false},
      yAxis: {type: "value", scale: true, splitLine: {lineStyle: {color: "#eee"}}},
      series: series
    });
  }

  function history(el) {
    var d = data(el.getAttribute("data-source"));
    draw(el, {
      color: palette, textStyle: {fontFamily: font},
      tooltip: {trigger: "axis", renderMode: "richText"},
      legend: {bottom: 0},
      grid: {left: 48, right: 48, top: 24, bottom: 48},
      xAxis: {type: "category", data: d.quarters},
      yAxis: [{type: "value", name: d.total_label, min: 0, max: 100, splitLine: {lineStyle: {color: "#eee"}}},
              {type: "value", name: d.rank_label, inverse: true, min: 1, minInterval: 1, splitLine: {show: false}}],
      series: [{name: d.total_label, type: "bar", data: d.totals, barMaxWidth: 36,
                label: {show: true, position: "top", formatter: function (p) { return p.value == null ? "" : p.value.toFixed(2); }}},
               {name: d.rank_label, type: "line", yAxisIndex: 1, data: d.ranks, symbolSize: 8, connectNulls: true,
                label: {show: true, position: "bottom", formatter: function (p) { return p.value == null ? "" : "#" + p.value; }}}]
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-chart=trend]").forEach(trend);
    document.querySelectorAll("[data-chart=history]").forEach(history);
  });
})();
