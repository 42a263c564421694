/* Statistics charts (ECharts, vendored via npm): volume and on-time rate per week or
 * month, and the concluded cases per department.  A click on a point opens the cases
 * behind it.  Without the library the placeholder and the tables remain. */
(function () {
  "use strict";

  function drillUrl(base, params) {
    var url = new URL(base, window.location.href);
    Object.keys(params).forEach(function (key) { url.searchParams.set(key, params[key]); });
    return url.toString();
  }

  function trend(node, data, labels) {
    var chart = window.echarts.init(node, null, { renderer: "svg" });
    chart.setOption({
      grid: { left: 8, right: 8, top: 40, bottom: 8, containLabel: true },
      legend: { top: 0, textStyle: { fontSize: 12 } },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: data.periods },
      yAxis: [
        { type: "value", minInterval: 1 },
        { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } }
      ],
      series: [
        { name: labels.started, type: "line", data: data.started, itemStyle: { color: "#2f6fd0" } },
        { name: labels.completed, type: "line", data: data.completed, itemStyle: { color: "#1f7a3a" } },
        { name: labels.on_time_rate, type: "line", yAxisIndex: 1, itemStyle: { color: "#e0a100" },
          data: data.on_time_rate.map(function (r) { return r === null ? null : Math.round(r * 1000) / 10; }) }
      ],
      animation: false
    });
    chart.on("click", function (event) {
      var figure = event.seriesIndex === 0 ? "started" : "completed";
      var range = data.ranges[event.dataIndex];
      window.location.href = drillUrl(labels.drill, { figure: figure, from: range[0], to: range[1] });
    });
    return chart;
  }

  function departments(node, data, labels) {
    var chart = window.echarts.init(node, null, { renderer: "svg" });
    chart.setOption({
      grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
      legend: { top: 0, textStyle: { fontSize: 12 } },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: data.departments, inverse: true, axisLabel: { width: 120, overflow: "truncate" } },
      series: [
        { name: labels.completed, type: "bar", data: data.department_completed, itemStyle: { color: "#1f7a3a" }, barMaxWidth: 22 },
        { name: labels.on_time, type: "bar", data: data.department_on_time, itemStyle: { color: "#2f6fd0" }, barMaxWidth: 22 }
      ],
      animation: false
    });
    chart.on("click", function (event) {
      window.location.href = drillUrl(labels.drill, {
        figure: event.seriesIndex === 0 ? "completed" : "completed_on_time",
        department: data.department_codes[event.dataIndex]
      });
    });
    return chart;
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.echarts) { return; }
    var data = JSON.parse(document.getElementById("statistics-data").textContent);
    var labels = JSON.parse(document.getElementById("statistics-labels").textContent);
    var charts = [];
    var node = document.getElementById("chart-trend");
    node.innerHTML = "";
    charts.push(trend(node, data, labels));
    node.setAttribute("data-rendered", "true");
    node = document.getElementById("chart-department-figures");
    if (data.departments.length) {
      node.innerHTML = "";
      charts.push(departments(node, data, labels));
      node.setAttribute("data-rendered", "true");
    } else {
      node.setAttribute("data-rendered", "empty");
    }
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  });
})();
