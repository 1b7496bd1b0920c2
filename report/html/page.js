// Draws the charts of a gigadex report from the JSON in #gigadex-data.
// When done it sets data-rendered on <body> to the number of charts, or
// data-error to what failed.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("gigadex-data").textContent);
  var colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"];
  var width = function (el) { return Math.max(400, Math.min(1060, el.clientWidth || 1060)); };

  function fmtUs(v) {
    if (v == null) return "-";
    if (v >= 1e6) return (v / 1e6).toPrecision(4) + " s";
    if (v >= 1e3) return (v / 1e3).toPrecision(4) + " ms";
    return v.toPrecision(4) + " µs";
  }
  function fmtRate(v) {
    if (v == null) return "-";
    if (v >= 1e6) return (v / 1e6).toPrecision(3) + " M";
    if (v >= 1e3) return (v / 1e3).toPrecision(3) + " k";
    return v.toPrecision(3);
  }
  // HdrHistogram's percentile axis: x is 1/(1-p); 10 is 90%, 1000 is 99.9%.
  function pctLabel(x) {
    var p = 100 * (1 - 1 / x);
    if (p <= 0) return "0%";
    var digits = Math.max(0, Math.round(Math.log10(x)) - 2);
    return p.toFixed(digits) + "%";
  }
  // decades returns the powers of 10 within the x scale: 0%, 90%, 99%, ...
  function decades(u) {
    var out = [], min = u.scales.x.min, max = u.scales.x.max;
    for (var v = 1; v <= max * 1.0001; v *= 10) if (v >= min / 1.0001) out.push(v);
    return out;
  }
  // axisOf adapts a formatter to axis labels: uPlot passes null for the
  // ticks that it leaves unlabelled.
  function axisOf(fmt) {
    return function (u, vals) { return vals.map(function (v) { return v == null ? "" : fmt(v); }); };
  }
  function fromZero(u, lo, hi) { return [0, hi > 0 ? hi * 1.15 : 1]; }
  function latencyAxis(label) {
    return { label: label, size: 70, values: axisOf(fmtUs) };
  }

  function spectrum(el) {
    // A run that measured nothing has no spectrum to draw.
    var runs = data.runs.filter(function (r) { return r.spectrum[0].length > 0; });
    if (runs.length === 0) return null;
    var aligned = uPlot.join(runs.map(function (r) { return r.spectrum; }));
    var series = [{ label: "percentile", value: function (u, v) { return v == null ? "-" : pctLabel(v); } }];
    runs.forEach(function (r, i) {
      series.push({ label: r.name, stroke: colors[i % colors.length], width: 2, spanGaps: true,
        value: function (u, v) { return fmtUs(v); } });
    });
    return new uPlot({
      width: width(el), height: 360,
      scales: { x: { time: false, distr: 3 }, y: { distr: 3 } },
      series: series,
      axes: [
        { label: "percentile", splits: decades, values: axisOf(pctLabel) },
        latencyAxis("RTT"),
      ],
    }, aligned, el);
  }

  function seconds(el, r) {
    var s = r.seconds;
    return new uPlot({
      width: width(el), height: 300,
      scales: { x: { time: false }, y: { distr: 3 }, rate: { range: fromZero } },
      series: [
        { label: "second", value: function (u, v) { return v == null ? "-" : v.toFixed(0) + " s"; } },
        { label: "p50", stroke: colors[0], width: 2, value: function (u, v) { return fmtUs(v); } },
        { label: "p99", stroke: colors[1], width: 2, value: function (u, v) { return fmtUs(v); } },
        { label: "max", stroke: colors[3], width: 1, value: function (u, v) { return fmtUs(v); } },
        { label: "msgs/s", stroke: colors[2], width: 1, dash: [6, 4], scale: "rate",
          value: function (u, v) { return fmtRate(v); } },
      ],
      axes: [
        { label: "seconds from the first interval" },
        latencyAxis("RTT"),
        { scale: "rate", side: 1, label: "msgs/s", size: 70, grid: { show: false },
          values: axisOf(fmtRate) },
      ],
    }, [s[0], s[1], s[2], s[3], s[4]], el);
  }

  function conns(el, r) {
    var c = r.conns;
    var bars = uPlot.paths.bars({ size: [0.6, 60] });
    return new uPlot({
      width: width(el), height: 260,
      scales: { x: { time: false, range: function (u, lo, hi) { return [lo - 0.5, hi + 0.5]; } },
        y: { range: fromZero }, p99: { range: fromZero } },
      series: [
        { label: "connection" },
        { label: "msgs/s", fill: colors[0] + "99", stroke: colors[0], paths: bars, points: { show: false },
          value: function (u, v) { return fmtRate(v); } },
        { label: "p99", stroke: colors[1], width: 0, scale: "p99", points: { show: true, size: 9, fill: colors[1] },
          value: function (u, v) { return fmtUs(v); } },
      ],
      axes: [
        { label: "connection", incrs: [1, 2, 5, 10, 20, 50, 100] },
        { label: "msgs/s", size: 70, values: axisOf(fmtRate) },
        { scale: "p99", side: 1, label: "RTT p99", size: 70, grid: { show: false },
          values: axisOf(fmtUs) },
      ],
    }, [c[0], c[1], c[2]], el);
  }

  function capacity(el, c) {
    var p = c.points;
    if (p[0].length === 0) return null;
    var cols = [p[0], p[1], p[2], p[3]];
    var series = [
      { label: "msgs/s", value: function (u, v) { return fmtRate(v); } },
      { label: "p50", stroke: colors[0], width: 2, points: { show: true, size: 6 }, value: function (u, v) { return fmtUs(v); } },
      { label: "p99", stroke: colors[1], width: 2, points: { show: true, size: 6 }, value: function (u, v) { return fmtUs(v); } },
      { label: "p99.9", stroke: colors[3], width: 2, points: { show: true, size: 6 }, value: function (u, v) { return fmtUs(v); } },
    ];
    c.slo.forEach(function (b, i) {
      cols.push(p[0].map(function () { return b.value; }));
      series.push({ label: "SLO " + b.label, stroke: "#555", dash: [8, 5], width: 1.5, points: { show: false },
        value: function (u, v) { return fmtUs(v); } });
    });
    return new uPlot({
      width: width(el), height: 380,
      scales: { x: { time: false, distr: 3 }, y: { distr: 3 } },
      series: series,
      axes: [
        { label: "achieved throughput (msgs/s)", values: axisOf(fmtRate) },
        latencyAxis("RTT"),
      ],
      hooks: { draw: [function (u) {
        if (!(c.capacity > 0)) return;
        var x = Math.round(u.valToPos(c.capacity, "x", true));
        var ctx = u.ctx;
        ctx.save();
        ctx.strokeStyle = colors[2];
        ctx.lineWidth = 2 * uPlot.pxRatio;
        ctx.setLineDash([4 * uPlot.pxRatio, 4 * uPlot.pxRatio]);
        ctx.beginPath();
        ctx.moveTo(x, u.bbox.top);
        ctx.lineTo(x, u.bbox.top + u.bbox.height);
        ctx.stroke();
        ctx.restore();
      }] },
    }, cols, el);
  }

  var drawn = 0;
  try {
    document.querySelectorAll(".chart").forEach(function (el) {
      var kind = el.dataset.chart, u = null;
      if (kind === "spectrum") u = spectrum(el);
      else if (kind === "seconds") u = seconds(el, data.runs[+el.dataset.run]);
      else if (kind === "conns") u = conns(el, data.runs[+el.dataset.run]);
      else if (kind === "capacity") u = capacity(el, data.capacity[+el.dataset.capacity]);
      if (u) {
        el.dataset.series = String(u.series.length - 1);
        drawn++;
      } else {
        el.textContent = "nothing to draw";
      }
    });
    document.body.dataset.rendered = String(drawn);
  } catch (e) {
    document.body.dataset.error = String(e && e.stack || e);
    throw e;
  }
})();
