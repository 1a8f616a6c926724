import { api, session, enc, ApiError } from "../api.js";
import { h, clear, announce, nextId } from "../dom.js";
import { SEVERITIES } from "../format.js";

const RULE_TYPES = ["heart_rate", "respiratory_rate", "spo2", "temperature", "systolic_bp", "diastolic_bp", "weight", "height", "bmi", "steps", "data_gap"];
const TRANSITIONS = ["created", "escalated", "acknowledged", "resolved"];

// Thresholds per scope (customer, department, patient) and webhook subscriptions for alert notifications.
export async function configView(main) {
  main.append(h("h1", {}, "Configuration"));
  const thresholds = h("section", { class: "card", "aria-labelledby": "thr-title", id: "thresholds" });
  const subscriptions = h("section", { class: "card", "aria-labelledby": "sub-title", id: "subscriptions" });
  main.append(thresholds, subscriptions);
  await Promise.all([thresholdEditor(thresholds), subscriptionEditor(subscriptions)]);
}

function problemText(e) {
  if (!(e instanceof ApiError)) return String(e);
  const fields = e.fieldErrors;
  return fields.length ? fields.join("; ") : e.message;
}

async function thresholdEditor(section) {
  const customerId = session.info.customerId;
  const canEdit = session.info.canAct;
  const [configured, departments, patients] = await Promise.all([
    api("/api/v1/thresholds"),
    api(`/api/v1/customers/${enc(customerId)}/departments`).catch(() => []),
    api("/api/v1/patients?limit=1000").then((p) => p.items).catch(() => []),
  ]);
  const kind = h("select", { id: "scope-kind" },
    h("option", { value: "customer" }, "Customer (all patients)"),
    h("option", { value: "department" }, "Department"),
    h("option", { value: "patient" }, "Patient"));
  const target = h("select", { id: "scope-id" });
  const rulesBody = h("tbody");
  const message = h("p", { role: "status", class: "hint", id: "thr-message" });
  const save = h("button", { type: "submit", disabled: !canEdit }, "Save rules");

  function stored() {
    const k = kind.value;
    const id = k === "customer" ? customerId : target.value;
    return configured.items.find((s) => s.scope.kind === k && s.scope.id === id);
  }

  function fillTargets() {
    clear(target);
    target.disabled = kind.value === "customer";
    const list = kind.value === "department" ? departments : kind.value === "patient" ? patients : [{ id: customerId, name: customerId }];
    list.forEach((x) => target.append(h("option", { value: x.id }, x.name ?? x.id)));
    fillRules();
  }

  function ruleRow(rule = {}) {
    const id = nextId("rule");
    const row = h("tr", {},
      h("td", {}, h("select", { "aria-label": "Type", name: "type", id: `${id}-type` },
        RULE_TYPES.map((t) => h("option", { value: t, selected: t === rule.type }, t)))),
      h("td", {}, h("input", { "aria-label": "Low limit", name: "low", type: "number", step: "any", value: rule.low ?? "" })),
      h("td", {}, h("input", { "aria-label": "High limit", name: "high", type: "number", step: "any", value: rule.high ?? "" })),
      h("td", {}, h("input", { "aria-label": "Sustain seconds", name: "forSeconds", type: "number", min: 0, step: 1, value: rule.forSeconds ?? 0 })),
      h("td", {}, h("select", { "aria-label": "Severity", name: "severity" },
        SEVERITIES.map((s) => h("option", { value: s, selected: s === (rule.severity ?? "high") }, s)))),
      h("td", {}, h("button", { type: "button", class: "secondary", onclick: () => row.remove(), "aria-label": `Remove rule ${rule.type ?? ""}` }, "Remove")));
    return row;
  }

  function fillRules() {
    clear(rulesBody);
    (stored()?.rules ?? []).forEach((r) => rulesBody.append(ruleRow(r)));
    message.textContent = stored() ? `Stored ${new Date(stored().updatedAt).toLocaleString()} by ${stored().updatedBy}.` : "No rules of this scope: wider scopes and the defaults apply.";
  }

  const form = h("form", { id: "threshold-form" },
    h("div", { class: "row" },
      h("div", { class: "field" }, h("label", { for: "scope-kind" }, "Scope"), kind),
      h("div", { class: "field" }, h("label", { for: "scope-id" }, "Which"), target)),
    h("div", { class: "table-wrap" }, h("table", {},
      h("caption", { class: "visually-hidden" }, "Threshold rules of the chosen scope"),
      h("thead", {}, h("tr", {}, ["Type", "Low", "High", "For (s)", "Severity", ""].map((c) => h("th", { scope: "col" }, c)))),
      rulesBody)),
    h("div", { class: "row" },
      h("button", { type: "button", class: "secondary", onclick: () => rulesBody.append(ruleRow()), disabled: !canEdit }, "Add rule"),
      save),
    message,
    h("details", {}, h("summary", {}, "Built-in defaults"),
      h("ul", {}, configured.defaults.map((r) => h("li", {}, `${r.type}: ${r.low ?? "–"} to ${r.high ?? "–"}, ${r.severity}`)))));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const rules = [...rulesBody.querySelectorAll("tr")].map((tr) => {
      const get = (name) => tr.querySelector(`[name=${name}]`).value;
      const rule = { type: get("type"), forSeconds: Number(get("forSeconds") || 0), severity: get("severity") };
      if (get("low") !== "") rule.low = Number(get("low"));
      if (get("high") !== "") rule.high = Number(get("high"));
      return rule;
    });
    const scope = kind.value === "customer" ? { customerId } : kind.value === "department" ? { departmentId: target.value } : { patientId: target.value };
    try {
      const saved = await api("/api/v1/thresholds", { method: "PUT", body: { scope, rules } });
      configured.items = configured.items.filter((s) => !(s.scope.kind === saved.scope.kind && s.scope.id === saved.scope.id));
      if (saved.rules.length) configured.items.push(saved);
      fillRules();
      message.textContent = `Saved ${saved.rules.length} rule${saved.rules.length === 1 ? "" : "s"}.`;
      announce(message.textContent);
    } catch (e) {
      message.textContent = `Not saved: ${problemText(e)}`;
    }
  });
  kind.addEventListener("change", fillTargets);
  target.addEventListener("change", fillRules);
  section.append(h("h2", { id: "thr-title" }, "Alert thresholds"), form);
  fillTargets();
}

async function subscriptionEditor(section) {
  section.append(h("h2", { id: "sub-title" }, "Notification subscriptions"));
  let items;
  try {
    const answer = await api("/api/v1/notifications/subscriptions");
    items = Array.isArray(answer) ? answer : answer.items ?? [];
  } catch (e) {
    section.append(h("p", { class: "hint" }, e instanceof ApiError && e.status === 404
      ? "This server has no notification service."
      : `Subscriptions could not be read: ${problemText(e)}`));
    return;
  }
  const list = h("ul", { class: "subscriptions", id: "subscription-list" });
  const message = h("p", { role: "status", class: "hint" });
  // Subscriptions are the customer admin's (policy manage): others see them read-only.
  const canEdit = session.info.canManage;
  let editing = null;

  const url = h("input", { id: "sub-url", type: "url", required: true, placeholder: "https://example.org/hooks/vigil" });
  const secret = h("input", { id: "sub-secret", type: "password", autocomplete: "new-password", "aria-describedby": "sub-secret-help" });
  const minSeverity = h("select", { id: "sub-severity" }, SEVERITIES.map((s) => h("option", { value: s }, s)));
  const types = TRANSITIONS.map((t) => h("input", { type: "checkbox", name: "types", value: `alert.${t}`, id: `sub-type-${t}`, checked: true }));
  const submit = h("button", { type: "submit", disabled: !canEdit }, "Add subscription");
  const cancel = h("button", { type: "button", class: "secondary", hidden: true }, "Cancel edit");

  function render() {
    clear(list);
    if (items.length === 0) list.append(h("li", { class: "empty" }, "No subscriptions."));
    for (const s of items) {
      list.append(h("li", { dataset: { subscriptionId: s.id } },
        h("span", { class: "sub-url" }, s.url),
        h("span", { class: "hint" }, ` · from ${s.minSeverity} · ${(s.types ?? []).join(", ") || "all transitions"}`),
        canEdit && h("span", { class: "actions" },
          h("button", { type: "button", class: "secondary", "aria-label": `Edit subscription ${s.url}`, onclick: () => edit(s) }, "Edit"),
          h("button", { type: "button", class: "secondary", "aria-label": `Delete subscription ${s.url}`, onclick: () => remove(s) }, "Delete"))));
    }
  }

  function edit(s) {
    editing = s;
    url.value = s.url;
    secret.value = "";
    minSeverity.value = s.minSeverity;
    types.forEach((box) => { box.checked = !s.types?.length || s.types.includes(box.value); });
    submit.textContent = "Save subscription";
    cancel.hidden = false;
    url.focus();
  }

  function reset() {
    editing = null;
    form.reset();
    types.forEach((box) => { box.checked = true; });
    submit.textContent = "Add subscription";
    cancel.hidden = true;
  }

  async function remove(s) {
    try {
      await api(`/api/v1/notifications/subscriptions/${enc(s.id)}`, { method: "DELETE" });
      items = items.filter((x) => x.id !== s.id);
      render();
      message.textContent = "Subscription deleted.";
    } catch (e) {
      message.textContent = `Not deleted: ${problemText(e)}`;
    }
  }

  const form = h("form", { id: "subscription-form" },
    h("div", { class: "field" }, h("label", { for: "sub-url" }, "Webhook URL"), url),
    h("div", { class: "field" }, h("label", { for: "sub-secret" }, "Signing secret"), secret,
      h("span", { id: "sub-secret-help", class: "hint" }, "Used to sign each delivery (X-Vigil-Signature); leave empty when editing to keep it.")),
    h("div", { class: "field" }, h("label", { for: "sub-severity" }, "Minimum severity"), minSeverity),
    h("fieldset", {}, h("legend", {}, "Transitions"),
      types.map((box, i) => h("label", { class: "check" }, box, ` ${TRANSITIONS[i]}`))),
    h("div", { class: "row" }, submit, cancel),
    message);
  cancel.addEventListener("click", reset);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { url: url.value, minSeverity: minSeverity.value, types: types.filter((b) => b.checked).map((b) => b.value) };
    if (secret.value || !editing) body.secret = secret.value;
    try {
      if (editing) {
        const saved = await api(`/api/v1/notifications/subscriptions/${enc(editing.id)}`, { method: "PUT", body });
        items = items.map((x) => (x.id === editing.id ? saved : x));
      } else {
        items.push(await api("/api/v1/notifications/subscriptions", { method: "POST", body }));
      }
      message.textContent = editing ? "Subscription saved." : "Subscription added.";
      reset();
      render();
      announce(message.textContent);
    } catch (e) {
      message.textContent = `Not saved: ${problemText(e)}`;
    }
  });
  section.append(list, form);
  render();
}
