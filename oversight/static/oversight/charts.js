// The inspectors' charts (Chart.js, served from our static files). Each <canvas data-chart="...">
// carries its chart as JSON: {"type": "line"|"bar", "labels": [...], "datasets": [{"label", "data"}]}.
// No inline script (the CSP forbids it): the data lives in the attribute.
(function () {
  "use strict";
  var palette = ["#1d4ed8", "#dc2626", "#059669", "#d97706", "#7c3aed", "#0891b2", "#be185d", "#4b5563"];

  function draw(canvas) {
    var spec;
    try {
      spec = JSON.parse(canvas.getAttribute("data-chart"));
    } catch (e) {
      canvas.setAttribute("data-chart-error", "bad data");
      return;
    }
    spec.datasets.forEach(function (set, i) {
      set.borderColor = set.borderColor || palette[i % palette.length];
      set.backgroundColor = set.backgroundColor || palette[i % palette.length];
      set.borderWidth = 2;
      set.pointRadius = spec.labels.length > 60 ? 0 : 2;
    });
    var chart = new window.Chart(canvas, {
      type: spec.type,
      data: {labels: spec.labels, datasets: spec.datasets},
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        indexAxis: spec.horizontal ? "y" : "x",
        plugins: {legend: {position: "bottom"}},
        scales: {y: {beginAtZero: true}}
      }
    });
    canvas.setAttribute("data-chart-ready", String(chart.data.datasets.length));
  }

  function drawAll() {
    if (!window.Chart) {
      return;
    }
    document.querySelectorAll("canvas[data-chart]:not([data-chart-ready])").forEach(draw);
  }

  document.addEventListener("DOMContentLoaded", drawAll);
  document.addEventListener("htmx:afterSettle", drawAll);
})();
