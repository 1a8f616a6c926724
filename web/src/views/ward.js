import { api, session, q, enc } from "../api.js";
import { h, clear, announce } from "../dom.js";
import * as live from "../live.js";
import { VITALS, RISK_LABEL, number, severityRank, age } from "../format.js";

// The ward: a tile per active patient of a department, updated from the live stream.
export async function wardView(main, departmentId) {
  const customerId = session.info.customerId;
  const departments = await api(`/api/v1/customers/${enc(customerId)}/departments`).catch(() => []);
  const select = h("select", { id: "department" },
    h("option", { value: "" }, "All departments"),
    departments.map((d) => h("option", { value: d.id, selected: d.id === departmentId }, d.name)));
  select.addEventListener("change", () => { location.hash = select.value ? `#/ward/${enc(select.value)}` : "#/ward"; });
  const grid = h("ul", { class: "tiles", id: "tiles", "aria-label": "Patients" });
  const summary = h("p", { class: "hint", id: "ward-summary" });
  main.append(
    h("div", { class: "view-head" },
      h("h1", {}, departmentId ? `Ward: ${departments.find((d) => d.id === departmentId)?.name ?? departmentId}` : "Ward"),
      h("div", { class: "field inline" }, h("label", { for: "department" }, "Department"), select)),
    summary,
    grid);

  const tiles = new Map();
  const belongs = (tile) => tile.status === "active" && (!departmentId || tile.departmentId === departmentId);

  function place(tile) {
    const existing = tiles.get(tile.patientId);
    if (!belongs(tile)) {
      if (existing) { existing.remove(); tiles.delete(tile.patientId); }
      return;
    }
    const el = renderTile(tile);
    if (existing) existing.replaceWith(el);
    else grid.append(el);
    tiles.set(tile.patientId, el);
    summarise();
  }

  function summarise() {
    const alerting = [...tiles.values()].filter((el) => el.dataset.alerts !== "0").length;
    summary.textContent = `${tiles.size} patient${tiles.size === 1 ? "" : "s"}, ${alerting} with open alerts.`;
  }

  async function load() {
    const ward = await api(`/api/v1/dashboard/ward${q({ departmentId })}`);
    clear(grid);
    tiles.clear();
    ward.items.forEach(place);
    if (ward.items.length === 0) grid.append(h("li", { class: "empty" }, "No active patients here."));
    summarise();
  }

  await load();
  const offs = [
    live.on("hello", load),
    live.on("tile", (tile) => {
      const before = tiles.get(tile.patientId)?.dataset.alerts;
      grid.querySelector(".empty")?.remove();
      place(tile);
      if (belongs(tile) && before !== undefined && tile.alerts.length > Number(before)) {
        announce(`New alert for ${tile.name}: ${tile.alerts[0].message}`);
      }
    }),
  ];
  return () => offs.forEach((off) => off());
}

function renderTile(tile) {
  const risk = tile.news2?.risk ?? "none";
  const top = [...tile.alerts].sort((a, b) => severityRank(b.severity) - severityRank(a.severity))[0];
  const vitals = new Map(Object.entries(tile.vitals ?? {}));
  const value = (type, digits) => number(vitals.get(type)?.value, digits);
  const titleId = `tile-${tile.patientId}`;
  return h("li", { class: `tile risk-${risk}`, dataset: { patientId: tile.patientId, alerts: String(tile.alerts.length) } },
    h("article", { "aria-labelledby": titleId },
      h("header", {},
        h("h2", { id: titleId }, h("a", { href: `#/patient/${enc(tile.patientId)}` }, tile.name)),
        h("span", { class: "mrn" }, tile.mrn ? `MRN ${tile.mrn}` : tile.patientId)),
      h("div", { class: `news2 risk-${risk}`, "data-field": "news2" },
        h("span", { class: "label" }, "NEWS2"),
        h("span", { class: "score" }, tile.news2 ? String(tile.news2.value) : "–"),
        h("span", { class: "band" }, tile.news2 ? `${RISK_LABEL[risk] ?? risk} risk${tile.news2.complete ? "" : " (incomplete)"}` : "not scored")),
      h("dl", { class: "vitals" },
        VITALS.filter((v) => v.type !== "diastolic_bp").map((v) => h("div", { "data-vital": v.type },
          h("dt", {}, v.type === "systolic_bp"
            ? h("abbr", { title: "Blood pressure, systolic/diastolic" }, "BP")
            : h("abbr", { title: v.label }, v.short)),
          h("dd", {}, v.type === "systolic_bp"
            ? `${value("systolic_bp", 0)}/${value("diastolic_bp", 0)}`
            : value(v.type, v.digits), h("span", { class: "unit" }, ` ${v.unit}`))))),
      top
        ? h("p", { class: `alert-badge sev-${top.severity}`, "data-field": "alerts" },
          h("strong", {}, `${tile.alerts.length} alert${tile.alerts.length === 1 ? "" : "s"}`),
          ` · ${top.severity}${top.status === "acknowledged" ? " (acknowledged)" : ""} · ${top.message} · ${age(top.createdAt)}`)
        : h("p", { class: "alert-badge none", "data-field": "alerts" }, "No open alerts")));
}
