import { api, session, enc, ApiError } from "../api.js";
import { h, clear, nextId, announce } from "../dom.js";

// Health goals (docs/insights.md): each goal with its progress in the current day or week, and for the care team a
// form to add one and a button to remove one.
const KINDS = [
  { kind: "steps_per_day", label: "Steps per day", unit: "steps", direction: "at_least" },
  { kind: "resting_heart_rate", label: "Resting heart rate", unit: "/min", direction: "at_most" },
  { kind: "weight", label: "Weight", unit: "kg", direction: null },
];
const DIRECTION = { at_least: "at least", at_most: "at most" };
const fmt = (v) => (v === null || v === undefined ? "no data yet" : Number(v).toLocaleString("en-GB", { maximumFractionDigits: 1 }));

export function goalsSection(patientId) {
  const canEdit = session.info.canAct;
  const section = h("section", { class: "card goals", "aria-labelledby": "goals-title", id: "goals" });
  const list = h("ul", { class: "goal-list", id: "goal-list" });
  const message = h("p", { role: "status", class: "hint", id: "goal-message" });

  async function draw() {
    const goals = await api(`/api/v1/patients/${enc(patientId)}/goals`);
    clear(list);
    if (goals.items.length === 0) list.append(h("li", { class: "empty" }, "No health goals."));
    for (const g of goals.items) {
      const k = KINDS.find((x) => x.kind === g.kind) ?? { label: g.kind, unit: g.unit };
      const p = g.progress;
      const status = p.value === null ? "no data yet" : p.met ? "met" : "not met yet";
      list.append(h("li", { dataset: { goal: g.kind }, class: p.met ? "goal met" : "goal" },
        h("strong", {}, k.label), ` · ${DIRECTION[g.direction]} ${fmt(g.target)} ${k.unit} per ${g.period} · `,
        h("span", { class: "goal-value" }, `${fmt(p.value)}${p.value === null ? "" : ` ${k.unit}`}`), ` · ${status}`,
        h("meter", { min: 0, max: 100, value: p.percent, "aria-label": `${k.label}: ${p.percent}% of the goal` }),
        g.note ? h("span", { class: "hint" }, ` “${g.note}”`) : null,
        canEdit ? h("button", { type: "button", class: "secondary", "aria-label": `Remove the ${k.label.toLowerCase()} goal`, onclick: () => remove(g) }, "Remove") : null));
    }
  }

  async function remove(goal) {
    await api(`/api/v1/patients/${enc(patientId)}/goals/${enc(goal.id)}`, { method: "DELETE" });
    announce("Goal removed.");
    await draw();
  }

  section.append(h("h2", { id: "goals-title" }, "Health goals"), list);
  if (canEdit) {
    const ids = { kind: nextId("goal-kind"), target: nextId("goal-target"), direction: nextId("goal-direction"), period: nextId("goal-period") };
    const kind = h("select", { id: ids.kind }, KINDS.map((k) => h("option", { value: k.kind }, k.label)));
    const target = h("input", { id: ids.target, type: "number", step: "any", required: true });
    const direction = h("select", { id: ids.direction }, h("option", { value: "" }, "default"), h("option", { value: "at_least" }, "at least"), h("option", { value: "at_most" }, "at most"));
    const period = h("select", { id: ids.period }, h("option", { value: "day" }, "today"), h("option", { value: "week" }, "last 7 days"));
    const form = h("form", { class: "goal-form", id: "goal-form" },
      h("label", { for: ids.kind }, "Goal"), kind,
      h("label", { for: ids.target }, "Target"), target,
      h("label", { for: ids.direction }, "Direction"), direction,
      h("label", { for: ids.period }, "Period"), period,
      h("button", { type: "submit" }, "Add goal"), message);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const body = { kind: kind.value, target: target.value === "" ? null : Number(target.value), period: period.value };
      if (direction.value) body.direction = direction.value;
      try {
        await api(`/api/v1/patients/${enc(patientId)}/goals`, { method: "POST", body });
        message.textContent = "Goal added.";
        target.value = "";
        await draw();
      } catch (err) {
        message.textContent = err instanceof ApiError && err.fieldErrors.length ? err.fieldErrors.join("; ") : `Not added: ${err.message}`;
      }
    });
    section.append(form);
  }
  return { element: section, draw };
}
