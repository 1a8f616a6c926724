import { api, session, q, enc, ApiError } from "../api.js";
import { h, clear, announce } from "../dom.js";
import * as live from "../live.js";
import { severityRank, time, age } from "../format.js";

// Open alerts, most severe first and oldest first within a severity; acknowledge and resolve; the history below.
export async function alertsView(main) {
  const canAct = session.info.canAct;
  const openList = h("ul", { class: "alerts", id: "open-alerts", "aria-label": "Open alerts" });
  const history = h("table", { class: "history", id: "alert-history" });
  const status = h("p", { class: "error", role: "alert" });
  main.append(
    h("h1", {}, "Alerts"),
    status,
    h("section", { class: "card", "aria-labelledby": "open-title" }, h("h2", { id: "open-title" }, "Open"), openList),
    h("section", { class: "card", "aria-labelledby": "history-title" }, h("h2", { id: "history-title" }, "History (resolved)"), history));

  async function act(alert, action, button) {
    button.disabled = true;
    status.textContent = "";
    try {
      await api(`/api/v1/alerts/${enc(alert.id)}/${action}`, { method: "POST", body: {} });
      announce(`Alert ${action === "acknowledge" ? "acknowledged" : "resolved"}: ${alert.message}`);
      await load();
      (openList.querySelector("button:not([disabled])") ?? document.getElementById("open-title")).focus();
    } catch (e) {
      status.textContent = e instanceof ApiError ? `Could not ${action}: ${e.message}` : String(e);
      button.disabled = false;
    }
  }

  function renderOpen(alerts) {
    clear(openList);
    if (alerts.length === 0) {
      openList.append(h("li", { class: "empty" }, "No open alerts."));
      return;
    }
    const now = Date.now();
    for (const a of alerts) {
      const titleId = `alert-${a.id}`;
      openList.append(h("li", { class: `alert-row sev-${a.severity}`, dataset: { alertId: a.id, status: a.status } },
        h("div", { class: "alert-main" },
          h("span", { class: `sev-badge sev-${a.severity}` }, a.severity),
          h("span", { id: titleId, class: "alert-message" }, a.message),
          h("span", { class: "hint" },
            " · ", h("a", { href: `#/patient/${enc(a.patientId)}` }, `patient ${a.patientId}`),
            ` · ${a.status} · open ${age(a.createdAt, now)} · ${a.breaches} breach${a.breaches === 1 ? "" : "es"}`)),
        canAct && h("div", { class: "actions" },
          a.status === "active" && h("button", {
            type: "button", "aria-describedby": titleId,
            onclick: (e) => act(a, "acknowledge", e.currentTarget),
          }, "Acknowledge"),
          h("button", {
            type: "button", class: "secondary", "aria-describedby": titleId,
            onclick: (e) => act(a, "resolve", e.currentTarget),
          }, "Resolve"))));
    }
  }

  function renderHistory(items) {
    clear(history).append(
      h("caption", { class: "visually-hidden" }, "Resolved alerts, newest first"),
      h("thead", {}, h("tr", {}, ["Created", "Patient", "Severity", "Message", "Resolved", "By"].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, items.length === 0
        ? h("tr", {}, h("td", { colspan: 6, class: "empty" }, "No resolved alerts yet."))
        : items.map((a) => h("tr", {},
          h("td", {}, time(a.createdAt)),
          h("td", {}, h("a", { href: `#/patient/${enc(a.patientId)}` }, a.patientId)),
          h("td", {}, h("span", { class: `sev-badge sev-${a.severity}` }, a.severity)),
          h("td", {}, a.message),
          h("td", {}, time(a.resolvedAt)),
          h("td", {}, a.resolvedBy ?? "")))));
  }

  async function load() {
    const [open, resolved] = await Promise.all([
      api(`/api/v1/alerts${q({ status: "open", limit: 500 })}`),
      api(`/api/v1/alerts${q({ status: "resolved", limit: 50 })}`),
    ]);
    open.items.sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || a.createdAt.localeCompare(b.createdAt));
    renderOpen(open.items);
    renderHistory(resolved.items);
  }

  let pending = null;
  const reload = () => {
    if (pending) { pending.again = true; return; }
    pending = { again: false };
    load().catch(() => {}).finally(() => { const again = pending.again; pending = null; if (again) reload(); });
  };

  await load();
  const offs = [live.on("alerts", reload), live.on("hello", reload)];
  return () => offs.forEach((off) => off());
}
