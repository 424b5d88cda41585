/* Charts for /visualise/*: reads the page's data from <script type="application/json" id="viz-data">
   and draws it with ECharts (SVG renderer). Without JavaScript the tables below the charts carry
   the same data. Every text from the data is escaped before it goes into a tooltip. */
(function () {
  "use strict";

  var dataNode = document.getElementById("viz-data");
  if (!dataNode || typeof window.echarts === "undefined") { return; }
  var payload = JSON.parse(dataNode.textContent);
  var charts = [];

  function esc(text) {
    return String(text == null ? "" : text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;" }[c];
    });
  }

  function formatDate(iso) {
    if (!iso) { return ""; }
    var parts = iso.split("-");
    var months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    if (payload.lang === "fi") { return Number(parts[2]) + "." + Number(parts[1]) + "." + parts[0]; }
    return Number(parts[2]) + " " + months[Number(parts[1]) - 1] + " " + parts[0];
  }

  function formatAmount(value) {
    var rounded = Math.round(value);
    if (payload.lang === "fi") {
      return String(rounded).replace(/\B(?=(\d{3})+(?!\d))/g, "\u00a0") + "\u00a0€";
    }
    return "€" + String(rounded).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }

  function start(element, option) {
    element.hidden = false;
    var chart = window.echarts.init(element, null, { renderer: "svg" });
    option.aria = { enabled: true };
    option.animation = false;
    chart.setOption(option);
    chart.on("click", function (params) {
      var url = params.data && params.data.url;
      if (url && url.charAt(0) === "/") { window.location.assign(url); }
    });
    charts.push(chart);
    return chart;
  }

  function day(iso) { return iso ? Date.parse(iso + "T00:00:00Z") : null; }

  function timeline(element) {
    var rows = payload.rows.slice();
    var labels = rows.map(function (r) { return r.label; });
    var data = rows.map(function (r, index) {
      var s = day(r.start) || day(r.end);
      var e = day(r.end) || day(r.start);
      return {
        value: [index, s, e + 86400000],
        url: r.url,
        row: r,
        itemStyle: { color: r.type === "project" ? "#00507a" : "#8a5a00", opacity: r.approximate ? 0.45 : 1 }
      };
    });
    element.style.height = Math.max(240, rows.length * 26 + 90) + "px";
    start(element, {
      grid: { left: 8, right: 24, top: 36, bottom: 24, containLabel: true },
      tooltip: {
        formatter: function (params) {
          var r = params.data.row;
          return "<strong>" + esc(r.label) + "</strong><br>" + esc(formatDate(r.start)) + "–" + esc(formatDate(r.end)) +
            (r.approximate ? " (" + esc(payload.text.approximate) + ")" : "");
        }
      },
      xAxis: { type: "time", position: "top", splitLine: { show: true } },
      yAxis: {
        type: "category", data: labels, inverse: true,
        axisLabel: {
          width: 260, overflow: "truncate",
          formatter: function (value, index) {
            var style = rows[index] && rows[index].type === "project" ? "p" : "r";
            return "{" + style + "|" + String(value).replace(/[{}|]/g, " ") + "}";
          },
          rich: { p: { fontWeight: "bold", color: "#1b1b1b" }, r: { color: "#595959" } }
        }
      },
      series: [{
        type: "custom",
        encode: { x: [1, 2], y: 0 },
        renderItem: function (params, api) {
          var category = api.value(0);
          var from = api.coord([api.value(1), category]);
          var to = api.coord([api.value(2), category]);
          var height = api.size([0, 1])[1] * 0.6;
          var shape = window.echarts.graphic.clipRectByRect(
            { x: from[0], y: from[1] - height / 2, width: Math.max(to[0] - from[0], 3), height: height },
            { x: params.coordSys.x, y: params.coordSys.y, width: params.coordSys.width, height: params.coordSys.height });
          return shape && { type: "rect", transition: ["shape"], shape: shape, style: api.style() };
        },
        data: data
      }]
    });
  }

  function network(element) {
    var maxDegree = payload.nodes.reduce(function (m, n) { return Math.max(m, n.degree); }, 1);
    start(element, {
      tooltip: {
        formatter: function (params) {
          if (params.dataType === "edge") {
            return esc(params.data.label);
          }
          return "<strong>" + esc(params.data.name) + "</strong><br>" + esc(payload.categories[params.data.category]);
        }
      },
      color: ["#00507a", "#8a5a00"],
      legend: { data: payload.categories, top: 0 },
      series: [{
        type: "graph", layout: "force", roam: true, draggable: true,
        categories: payload.categories.map(function (name) { return { name: name }; }),
        force: { repulsion: 140, edgeLength: [40, 110], gravity: 0.08 },
        label: { show: true, position: "right", width: 160, overflow: "truncate", fontSize: 11,
                 formatter: function (params) { return params.data.degree >= 3 ? params.data.name : ""; } },
        emphasis: { focus: "adjacency", label: { show: true, formatter: "{b}" } },
        lineStyle: { color: "source", opacity: 0.5 },
        data: payload.nodes.map(function (n) {
          return { id: n.id, name: n.name, category: n.category, degree: n.degree, url: n.url,
                   symbol: n.category === 1 ? "rect" : "circle",
                   symbolSize: 8 + 18 * Math.sqrt(n.degree / maxDegree) };
        }),
        links: payload.links.map(function (l) { return { source: l.source, target: l.target, label: l.label }; })
      }]
    });
  }

  function schemes(element) {
    var items = payload.schemes.slice().reverse();
    element.style.height = Math.max(200, items.length * 40 + 80) + "px";
    start(element, {
      grid: { left: 8, right: 40, top: 16, bottom: 24, containLabel: true },
      tooltip: { formatter: function (p) { return esc(p.name) + ": " + esc(formatAmount(p.value)); } },
      xAxis: { type: "value", axisLabel: { formatter: function (v) { return formatAmount(v); } } },
      yAxis: { type: "category", data: items.map(function (s) { return s.name; }),
               axisLabel: { width: 240, overflow: "truncate" } },
      series: [{ type: "bar", color: "#00507a",
                 data: items.map(function (s) { return { value: s.value, url: s.url }; }) }]
    });
  }

  function projects(element) {
    var p = payload.projects;
    element.style.height = Math.max(200, p.categories.length * 44 + 110) + "px";
    var palette = ["#00507a", "#8a5a00", "#2e7d32", "#6a1b9a", "#ad1457", "#37474f"];
    start(element, {
      color: palette,
      grid: { left: 8, right: 40, top: 40, bottom: 24, containLabel: true },
      legend: { top: 0, type: "scroll" },
      tooltip: {
        trigger: "item",
        formatter: function (params) {
          return "<strong>" + esc(params.name) + "</strong><br>" + esc(params.seriesName) + ": " + esc(formatAmount(params.value));
        }
      },
      xAxis: { type: "value", axisLabel: { formatter: function (v) { return formatAmount(v); } } },
      yAxis: { type: "category", inverse: true, data: p.categories, axisLabel: { width: 240, overflow: "truncate" } },
      series: p.series.map(function (s) {
        return { name: s.name, type: "bar", stack: "funding",
                 data: s.data.map(function (v, i) { return { value: v, url: p.urls[i] }; }) };
      })
    });
  }

  var draw = { timeline: timeline, network: network, schemes: schemes, projects: projects };
  Array.prototype.forEach.call(document.querySelectorAll("[data-chart]"), function (element) {
    var name = element.getAttribute("data-chart");
    if (draw[name]) { draw[name](element); }
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
}());
