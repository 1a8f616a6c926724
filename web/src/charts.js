import uPlot from "uplot";
import { h } from "./dom.js";

// A uPlot plugin drawing threshold limits as dashed horizontal lines across the plot.
function thresholdLines(limits) {
  return {
    hooks: {
      draw: [(u) => {
        const { ctx, bbox } = u;
        ctx.save();
        ctx.setLineDash([6, 4]);
        ctx.lineWidth = 1.5 * devicePixelRatio;
        for (const { value, color } of limits) {
          const y = u.valToPos(value, "y", true);
          if (y < bbox.top || y > bbox.top + bbox.height) continue;
          ctx.strokeStyle = color;
          ctx.beginPath();
          ctx.moveTo(bbox.left, y);
          ctx.lineTo(bbox.left + bbox.width, y);
          ctx.stroke();
        }
        ctx.restore();
      }],
    },
  };
}

const COLORS = ["#0b5cad", "#7a3e9d"];

// One chart: for each series, its mean as a line and its min-max as a shaded band; threshold limits as dashed lines.
// series: [{ label, points: [{ t (seconds), min, max, mean }] }] sharing one time axis.
export function vitalChart({ title, unit, series, limits, width, range }) {
  const times = [...new Set(series.flatMap((s) => s.points.map((p) => p.t)))].sort((a, b) => a - b);
  const data = [times];
  const uSeries = [{}];
  const bands = [];
  series.forEach((s, i) => {
    const byTime = new Map(s.points.map((p) => [p.t, p]));
    const color = COLORS[i % COLORS.length];
    const base = data.length;
    data.push(times.map((t) => byTime.get(t)?.max ?? null));
    data.push(times.map((t) => byTime.get(t)?.min ?? null));
    data.push(times.map((t) => byTime.get(t)?.mean ?? null));
    uSeries.push({ label: `${s.label} max`, stroke: color + "55", width: 1 });
    uSeries.push({ label: `${s.label} min`, stroke: color + "55", width: 1 });
    uSeries.push({ label: `${s.label} mean`, stroke: color, width: 2, points: { show: times.length < 3 } });
    bands.push({ series: [base, base + 1], fill: color + "22" });
  });
  const values = [...data.slice(1).flat(), ...limits.map((l) => l.value)].filter((v) => v !== null);
  const lo = values.length ? Math.min(...values) : 0;
  const hi = values.length ? Math.max(...values) : 1;
  const pad = Math.max((hi - lo) * 0.1, 1);
  const opts = {
    title,
    width,
    height: 220,
    series: uSeries,
    bands,
    scales: { x: { time: true, min: range.from, max: range.to }, y: { range: [lo - pad, hi + pad] } },
    axes: [{}, { label: unit, size: 56 }],
    legend: { live: true },
    plugins: [thresholdLines(limits)],
  };
  const holder = h("div", { class: "chart" });
  const plot = new uPlot(opts, data, holder);
  return { element: holder, plot };
}

// NEWS2 over time as a stepped line with the band limits 5 and 7 marked.
export function news2Chart({ points, width, range }) {
  const data = [points.map((p) => p.t), points.map((p) => p.score)];
  const holder = h("div", { class: "chart" });
  const plot = new uPlot({
    title: "NEWS2",
    width,
    height: 200,
    series: [{}, { label: "NEWS2", stroke: "#b3261e", width: 2, paths: uPlot.paths.stepped({ align: 1 }), points: { show: true } }],
    scales: { x: { time: true, min: range.from, max: range.to }, y: { range: [0, 20] } },
    axes: [{}, { label: "score", size: 48 }],
    plugins: [thresholdLines([{ value: 5, color: "#b45f06" }, { value: 7, color: "#b3261e" }])],
  }, data, holder);
  return { element: holder, plot };
}
