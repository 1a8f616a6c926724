import { api, q, enc } from "../api.js";
import { h, clear } from "../dom.js";
import * as live from "../live.js";
import { vitalChart, news2Chart } from "../charts.js";
import { VITALS, RISK_LABEL, time, number, trendText } from "../format.js";
import { goalsSection } from "./goals.js";

// Chart ranges and the window size each is drawn from (docs/api.md: 1m, 5m and 1h aggregates).
const RANGES = [
  { id: "1h", label: "Last hour", seconds: 3600, window: "1m" },
  { id: "24h", label: "24 hours", seconds: 86400, window: "5m" },
  { id: "7d", label: "7 days", seconds: 7 * 86400, window: "1h" },
];

const CHARTS = [
  { title: "Heart rate", unit: "/min", types: ["heart_rate"] },
  { title: "SpO₂", unit: "%", types: ["spo2"] },
  { title: "Respiration rate", unit: "/min", types: ["respiratory_rate"] },
  { title: "Blood pressure", unit: "mmHg", types: ["systolic_bp", "diastolic_bp"] },
  { title: "Temperature", unit: "°C", types: ["temperature"] },
];

const seconds = (iso) => new Date(iso).getTime() / 1000;

export async function patientView(main, patientId) {
  const patient = await api(`/api/v1/patients/${enc(patientId)}`);
  let rangeId = sessionStorage.getItem("vigil.range") ?? "1h";
  const rangeGroup = h("fieldset", { class: "segmented" },
    h("legend", {}, "Range"),
    RANGES.map((r) => h("label", {},
      h("input", { type: "radio", name: "range", value: r.id, checked: r.id === rangeId }), r.label)));
  const charts = h("section", { class: "charts", "aria-label": "Vital sign charts", id: "charts" });
  const news2Section = h("section", { class: "card", "aria-labelledby": "news2-title" }, h("h2", { id: "news2-title" }, "NEWS2"));
  const timeline = h("section", { class: "card", "aria-labelledby": "timeline-title" }, h("h2", { id: "timeline-title" }, "Timeline"));
  const goals = goalsSection(patientId);
  main.append(
    h("nav", { "aria-label": "Breadcrumb", class: "crumbs" }, h("a", { href: patient.departmentId ? `#/ward/${enc(patient.departmentId)}` : "#/ward" }, "← Ward")),
    h("div", { class: "view-head" },
      h("h1", {}, patient.name),
      h("p", { class: "hint" }, [patient.mrn && `MRN ${patient.mrn}`, patient.departmentId && `Department ${patient.departmentId}`, `Status ${patient.status}`].filter(Boolean).join(" · "))),
    rangeGroup, charts, news2Section, goals.element, timeline);

  let loading = null;
  async function draw() {
    const range = RANGES.find((r) => r.id === rangeId);
    const to = Date.now() / 1000;
    const from = to - range.seconds;
    const span = { from, to };
    const fromIso = new Date(from * 1000).toISOString();
    const [effective, trends, baselines, history, ...series] = await Promise.all([
      api(`/api/v1/thresholds/effective${q({ patientId })}`),
      api(`/api/v1/patients/${enc(patientId)}/trends`),
      api(`/api/v1/patients/${enc(patientId)}/baselines`),
      api(`/api/v1/patients/${enc(patientId)}/news2/history${q({ from: fromIso, limit: 1000 })}`),
      ...CHARTS.flatMap((c) => c.types).map((type) =>
        api(`/api/v1/patients/${enc(patientId)}/aggregates${q({ type, window: range.window, from: fromIso })}`).then((rows) => [type, rows])),
    ]);
    const byType = new Map(series);
    const rules = new Map(effective.rules.map((r) => [r.type, r]));
    const width = Math.max(280, Math.min(charts.clientWidth || 700, 900) - 24);
    clear(charts);
    for (const chart of CHARTS) {
      const limits = chart.types.flatMap((type) => {
        const rule = rules.get(type);
        return rule ? [rule.low, rule.high].filter((v) => v !== null && v !== undefined).map((value) => ({ value, color: "#b3261e" })) : [];
      });
      const data = chart.types.map((type) => ({
        label: VITALS.find((v) => v.type === type).label,
        points: (byType.get(type) ?? []).map((w) => ({ t: seconds(w.windowStart), min: w.min, max: w.max, mean: w.mean })),
      }));
      const count = data.reduce((n, s) => n + s.points.length, 0);
      const limitText = limits.length ? `Alert limits ${limits.map((l) => l.value).join(" and ")} ${chart.unit}.` : "No alert limits.";
      const figure = h("figure", { class: "card chart-card", dataset: { chart: chart.types[0] } },
        h("figcaption", {}, h("h2", {}, chart.title),
          h("p", { class: "hint" }, `${count} ${range.window} windows: mean line, min–max band. ${limitText}`)));
      // The slope of each vital over the last 6 and 24 hours of its data, with its 95 % interval (docs/insights.md).
      const slopes = chart.types.map((type) => {
        const label = chart.types.length > 1 ? `${VITALS.find((v) => v.type === type).label}: ` : "";
        const spans = trends.trends.filter((t) => t.type === type);
        return spans.length ? h("p", { class: "trend", dataset: { trend: type } }, `Trend ${label}${spans.map((t) => trendText(t, chart.unit)).join("; ")}`) : null;
      }).filter(Boolean);
      // The patient's own baseline per vital, which anomaly rules measure deviations against.
      const own = chart.types.map((type) => {
        const b = baselines.find((x) => x.type === type);
        if (!b) return null;
        const v = VITALS.find((x) => x.type === type);
        const label = chart.types.length > 1 ? `${v.label}: ` : "";
        return h("p", { class: "hint", dataset: { baseline: type } },
          `Own baseline ${label}${number(b.level, v.digits)} ${chart.unit}, spread ${number(b.scale, v.digits === 0 ? 1 : 2)}, from ${b.minutes} minutes`);
      }).filter(Boolean);
      figure.querySelector("figcaption").append(...slopes, ...own);
      if (count === 0) figure.append(h("p", { class: "empty" }, "No readings in this range."));
      else figure.append(vitalChart({ title: "", unit: chart.unit, series: data, limits, width, range: span }).element);
      charts.append(figure);
    }
    clear(news2Section).append(h("h2", { id: "news2-title" }, "NEWS2"));
    const points = history.items.map((s) => ({ t: seconds(s.at), score: s.score, risk: s.risk })).reverse();
    if (points.length === 0) news2Section.append(h("p", { class: "empty" }, "No NEWS2 score in this range."));
    else {
      const latest = history.items[0];
      news2Section.append(
        h("p", {}, `Latest: ${latest.score} (${RISK_LABEL[latest.risk] ?? latest.risk} risk) at ${time(latest.at)}`),
        news2Chart({ points, width, range: span }).element);
    }
    await Promise.all([drawTimeline(), goals.draw()]);
  }

  async function drawTimeline() {
    const entries = await api(`/api/v1/patients/${enc(patientId)}/timeline${q({ limit: 50 })}`);
    clear(timeline).append(h("h2", { id: "timeline-title" }, "Timeline"));
    if (entries.items.length === 0) {
      timeline.append(h("p", { class: "empty" }, "Nothing recorded yet."));
      return;
    }
    timeline.append(h("ol", { class: "timeline" }, entries.items.map((e) => h("li", { class: `kind-${e.kind}` },
      h("time", { datetime: e.at }, time(e.at)), " ",
      e.kind === "alert"
        ? h("span", {}, h("strong", {}, `Alert ${e.type}`), ` · ${e.severity} · ${e.message ?? e.rule}${e.by && e.by !== "system" ? ` · by ${e.by}` : ""}${e.note ? ` · “${e.note}”` : ""}`)
        : h("span", {}, h("strong", {}, `Event ${e.type}`), ` · ${e.status}`)))));
  }

  function redraw() {
    // One drawing at a time; a change that arrives meanwhile draws once more afterwards.
    if (loading) { loading.again = true; return; }
    loading = { again: false };
    draw().catch(() => {}).finally(() => {
      const again = loading.again;
      loading = null;
      if (again) redraw();
    });
  }

  rangeGroup.addEventListener("change", (e) => {
    rangeId = e.target.value;
    sessionStorage.setItem("vigil.range", rangeId);
    redraw();
  });
  await draw();
  const offs = [
    live.on("tile", (tile) => { if (tile.patientId === patientId) redraw(); }),
    live.on("hello", redraw),
  ];
  return () => offs.forEach((off) => off());
}
