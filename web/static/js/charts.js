/* Supervisor charts (ECharts, vendored via npm): open / due soon / overdue per department
 * and per matter.  Without the library the placeholder and the tables remain. */
(function () {
  "use strict";
  var COLORS = { open: "#2f6fd0", warning: "#e0a100", overdue: "#c8312b" };

  function draw(node, data, labels) {
    var chart = window.echarts.init(node, null, { renderer: "svg" });
    var series = ["open", "warning", "overdue"].map(function (key) {
      return { name: labels[key], type: "bar", stack: "all", data: data.series[key], itemStyle: { color: COLORS[key] }, barMaxWidth: 28 };
    });
    chart.setOption({
      grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
      legend: { top: 0, textStyle: { fontSize: 12 } },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: data.labels, inverse: true, axisLabel: { width: 110, overflow: "truncate" } },
      series: series,
      animation: false
    });
    window.addEventListener("resize", function () { chart.resize(); });
    node.setAttribute("data-rendered", "true");
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.echarts) { return; }
    var data = JSON.parse(document.getElementById("chart-data").textContent);
    var labels = JSON.parse(document.getElementById("chart-labels").textContent);
    Array.prototype.forEach.call(document.querySelectorAll("[data-chart]"), function (node) {
      var which = data[node.getAttribute("data-chart")];
      if (!which || !which.labels.length) { node.setAttribute("data-rendered", "empty"); return; }
      node.innerHTML = "";
      node.style.height = Math.max(160, 40 + which.labels.length * 34) + "px";
      draw(node, which, labels);
    });
  });
})();
