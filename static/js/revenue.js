// Revenue charts: each chart is drawn from the table beside it, which stays the real content.
(function () {
  "use strict";

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  if (!window.Chart) return;

  var reduceMotion = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  var styles = getComputedStyle(document.documentElement);
  var palette = [styles.getPropertyValue("--accent").trim() || "#8a2b0f", "#1f4e79", "#1f6b37", "#7a5300"];

  document.querySelectorAll("figure.chart").forEach(function (figure) {
    var table = figure.querySelector("table[data-chart]");
    var canvas = figure.querySelector("canvas");
    if (!table || !canvas) return;
    var rows = Array.prototype.slice.call(table.querySelectorAll("tbody tr")).filter(function (row) {
      return row.querySelector("td[data-value]");
    });
    if (!rows.length) { figure.querySelector(".chart-canvas").hidden = true; return; }
    var type = table.dataset.chart;
    var headers = Array.prototype.slice.call(table.querySelectorAll("thead th[data-series]"));
    var labels = rows.map(function (row) { return row.querySelector("th").textContent.trim(); });
    var datasets = headers.map(function (header, index) {
      var colour = palette[index % palette.length];
      return {
        label: header.textContent.trim(),
        data: rows.map(function (row) {
          return Number(row.querySelectorAll("td[data-value]")[index].dataset.value);
        }),
        backgroundColor: type === "doughnut" ? palette : colour,
        borderColor: type === "doughnut" ? "#ffffff" : colour,
      };
    });
    new window.Chart(canvas, {
      type: type,
      data: { labels: labels, datasets: datasets },
      options: {
        animation: reduceMotion ? false : { duration: 300 },
        responsive: true,
        maintainAspectRatio: false,
        // Figures in the store's language, as in the tables (not the browser's), and legends
        // and tooltips laid out right to left on Arabic pages.
        locale: document.documentElement.lang || undefined,
        plugins: {
          legend: { position: "bottom", rtl: document.dir === "rtl" },
          tooltip: { rtl: document.dir === "rtl" },
        },
      },
    });
  });
})();
