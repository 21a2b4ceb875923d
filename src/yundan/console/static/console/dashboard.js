/* 看板: draws each chart from the numbers embedded in the page (json_script "dashboard-charts",
   written by yundan.console.dashboard_panels). The table beside each chart has the same numbers. */
(function () {
  "use strict";
  var PALETTE = ["#1664ff", "#e1251b", "#2f8f4e", "#c47f00", "#7b61ff", "#13a8a8", "#646a73"];
  var source = document.getElementById("dashboard-charts");
  if (!source || typeof Chart === "undefined") return;
  var specs = JSON.parse(source.textContent);
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = "#646a73";

  function dataset(spec, set, index) {
    var colour = PALETTE[index % PALETTE.length];
    return {
      label: set.label, data: set.data, borderColor: colour,
      backgroundColor: spec.type === "line" ? colour + "22" : colour,
      borderWidth: spec.type === "line" ? 2 : 0, pointRadius: spec.type === "line" ? 2 : 0, tension: 0.2
    };
  }

  function scales(spec) {
    var values = { beginAtZero: true, stacked: spec.stacked, grid: { color: "#eef0f2" },
                   title: { display: Boolean(spec.unit), text: spec.unit } };
    if (spec.unit === "%") values.max = 100;
    var labels = { stacked: spec.stacked, grid: { display: false }, ticks: { autoSkip: !spec.horizontal } };
    return spec.horizontal ? { x: values, y: labels } : { x: labels, y: values };
  }

  Object.keys(specs).forEach(function (id) {
    var spec = specs[id];
    var canvas = document.getElementById(id);
    if (!canvas) return;
    new Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: spec.datasets.map(function (set, i) { return dataset(spec, set, i); }) },
      options: {
        indexAxis: spec.horizontal ? "y" : "x",
        maintainAspectRatio: false,
        animation: window.matchMedia("(prefers-reduced-motion: reduce)").matches ? false : { duration: 300 },
        interaction: { mode: "index", intersect: false },
        scales: scales(spec),
        plugins: { legend: { display: spec.datasets.length > 1, position: "bottom" } }
      }
    });
  });
})();
