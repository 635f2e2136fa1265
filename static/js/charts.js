/*
 * Draws the dashboard's charts. Each <canvas data-chart-url data-chart-kind> gets its data from
 * a JSON endpoint (the Content-Security-Policy allows no inline scripts); the page already shows
 * the same numbers as a table, so a chart that cannot load only says so.
 */
(function () {
  "use strict";

  if (typeof window.Chart === "undefined") {
    return;
  }

  var style = getComputedStyle(document.documentElement);
  function colour(name, fallback) {
    var value = style.getPropertyValue(name).trim();
    return value || fallback;
  }
  var palette = {
    accent: colour("--accent", "#2563eb"),
    red: colour("--red", "#dc2626"),
    amber: colour("--amber", "#d97706"),
    green: colour("--green", "#16a34a"),
    text: colour("--text", "#1f2937"),
    grid: colour("--border", "#e5e7eb"),
  };

  Chart.defaults.color = palette.text;
  Chart.defaults.borderColor = palette.grid;
  Chart.defaults.font.family = style.fontFamily;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.animation = false;

  var integerAxis = { beginAtZero: true, ticks: { precision: 0 } };

  function perDay(data) {
    return {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [{ label: "Attempts", data: data.values, backgroundColor: palette.accent }],
      },
      options: { plugins: { legend: { display: false } }, scales: { y: integerAxis } },
    };
  }

  function trustHistogram(data) {
    // Two stacked series so the legend explains the colours: bands below the review threshold
    // are the ones worth a human review.
    function pick(below) {
      return data.values.map(function (value, index) {
        return data.below_threshold[index] === below ? value : 0;
      });
    }
    return {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [
          {
            label: "Below the review threshold (" + data.threshold_percent + " %)",
            data: pick(true),
            backgroundColor: palette.amber,
          },
          { label: "At or above it", data: pick(false), backgroundColor: palette.green },
        ],
      },
      options: {
        scales: { x: { stacked: true }, y: Object.assign({ stacked: true }, integerAxis) },
      },
    };
  }

  function byLabel(data) {
    return {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [
          // One colour per kind, the same as the attempt strip on the report.
          { label: "Violations", data: data.values, backgroundColor: data.colours || palette.red },
        ],
      },
      options: {
        indexAxis: "y",
        plugins: { legend: { display: false } },
        scales: { x: integerAxis },
      },
    };
  }

  function balance(data) {
    return {
      type: "line",
      data: {
        labels: data.labels,
        datasets: [
          {
            label: "Credits remaining",
            data: data.values,
            borderColor: palette.accent,
            backgroundColor: palette.accent,
            pointRadius: data.values.length > 60 ? 0 : 3,
            tension: 0,
          },
        ],
      },
      options: { plugins: { legend: { display: false } }, scales: { y: integerAxis } },
    };
  }

  var builders = {
    "per-day": perDay,
    "trust-histogram": trustHistogram,
    "by-label": byLabel,
    balance: balance,
  };

  function say(canvas, text) {
    var message = canvas.closest("figure").querySelector(".chart-message");
    message.textContent = text;
    message.hidden = false;
    canvas.parentElement.hidden = true;
  }

  function draw(canvas) {
    var build = builders[canvas.dataset.chartKind];
    fetch(canvas.dataset.chartUrl, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("the server answered " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        if (!data.values.length) {
          say(canvas, "Nothing to show yet.");
          return;
        }
        new Chart(canvas, build(data));
        canvas.dataset.chartDrawn = "true";
      })
      .catch(function (error) {
        say(canvas, "This chart could not be loaded (" + error.message + "); the table below has the same numbers.");
      });
  }

  document.querySelectorAll("canvas[data-chart-url]").forEach(draw);
})();
