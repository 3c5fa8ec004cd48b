/* Syndication Desk: the reports' charts. Each <canvas data-chart="ID"> is drawn by the
   vendored Chart.js from the JSON in <script type="application/json" id="ID">, which the
   server writes from the same numbers as the table below the chart (the table stays the
   accessible source of truth; without scripts the table is all there is). */
(function () {
  "use strict";
  // Our palette: each colour at least 3:1 against white, told apart by more than hue.
  var COLOURS = ["#1f5fa8", "#b3541e", "#2e7d32", "#6a3d9a", "#8a6d00", "#b0263b"];

  function draw(canvas) {
    var source = document.getElementById(canvas.dataset.chart);
    if (!source || typeof window.Chart !== "function") return;
    var spec = JSON.parse(source.textContent);
    var line = spec.type === "line";
    var datasets = spec.datasets.map(function (set, i) {
      var colour = COLOURS[i % COLOURS.length];
      return {
        label: set.label,
        data: set.data,
        borderColor: colour,
        backgroundColor: line ? colour : colour + "cc",
        borderDash: line && i % 2 ? [6, 4] : [],
        pointRadius: line && set.data.length > 60 ? 0 : 3,
        tension: 0
      };
    });
    var valueAxis = { beginAtZero: true, stacked: spec.stacked, ticks: { precision: 0 } };
    var labelAxis = { stacked: spec.stacked, ticks: { autoSkip: true, maxRotation: 0 } };
    canvas.chart = new window.Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: datasets },
      options: {
        animation: false,
        maintainAspectRatio: false,
        indexAxis: spec.horizontal ? "y" : "x",
        interaction: { mode: "index", intersect: false },
        scales: spec.horizontal ? { x: valueAxis, y: labelAxis } : { x: labelAxis, y: valueAxis },
        plugins: { legend: { position: "bottom" } }
      }
    });
  }

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  ready(function () {
    document.querySelectorAll("canvas[data-chart]").forEach(draw);
  });
})();
