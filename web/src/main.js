import { api, session, ApiError } from "./api.js";
import { h, clear } from "./dom.js";
import * as live from "./live.js";
import { wardView } from "./views/ward.js";
import { patientView } from "./views/patient.js";
import { alertsView } from "./views/alerts.js";
import { configView } from "./views/config.js";

const main = document.getElementById("main");
const nav = document.getElementById("nav");
const signOut = document.getElementById("sign-out");
const liveStatus = document.getElementById("live-status");
let teardown = null;

const STATUS_TEXT = { live: "Live", connecting: "Connecting…", offline: "Offline – reconnecting", off: "" };
live.on("status", (state) => {
  liveStatus.textContent = STATUS_TEXT[state] ?? "";
  liveStatus.dataset.state = state;
});

function signInView() {
  nav.hidden = true;
  signOut.hidden = true;
  const error = h("p", { id: "sign-in-error", class: "error", role: "alert" });
  const input = h("input", {
    id: "api-key", name: "apiKey", type: "password", autocomplete: "current-password", required: true,
    "aria-describedby": "api-key-help sign-in-error",
  });
  const form = h("form", { class: "card sign-in", "aria-labelledby": "sign-in-title" },
    h("h1", { id: "sign-in-title" }, "Sign in to Vigil"),
    h("label", { for: "api-key" }, "API key or access token"),
    input,
    h("p", { id: "api-key-help", class: "hint" }, "Your key or token is kept in this browser tab only and forgotten when the tab closes."),
    h("button", { type: "submit" }, "Sign in"),
    error);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    try {
      session.info = await api("/api/v1/dashboard/session", { key: input.value.trim() });
      session.key = input.value.trim();
      if (location.hash === "#/ward") route();
      else location.hash = "#/ward";
    } catch (e) {
      error.textContent = e instanceof ApiError && (e.status === 401 || e.status === 403)
        ? "That key or token was not accepted: it is unknown, revoked, expired, or not a customer's."
        : `Sign-in failed: ${e.message}`;
      input.focus();
    }
  });
  clear(main).append(form);
  input.focus();
}

async function ensureSession() {
  if (!session.key) return false;
  if (session.info) return true;
  try {
    session.info = await api("/api/v1/dashboard/session");
    return true;
  } catch {
    session.key = null;
    return false;
  }
}

const routes = [
  [/^#\/ward(?:\/([^/]+))?$/, (el, m) => wardView(el, m[1] ? decodeURIComponent(m[1]) : null)],
  [/^#\/patient\/([^/]+)$/, (el, m) => patientView(el, decodeURIComponent(m[1]))],
  [/^#\/alerts$/, (el) => alertsView(el)],
  [/^#\/config$/, (el) => configView(el)],
];

// Routes may overlap (a hash change while a view still loads): only the latest one renders, each into a container
// of its own, and a superseded view is torn down as soon as it finishes loading.
let generation = 0;

async function route() {
  const mine = ++generation;
  if (teardown) { teardown(); teardown = null; }
  const signedIn = await ensureSession();
  if (mine !== generation) return;
  if (!signedIn) {
    live.stop();
    signInView();
    return;
  }
  nav.hidden = false;
  signOut.hidden = false;
  const hash = location.hash || "#/ward";
  const match = routes.map(([re, view]) => [hash.match(re), view]).find(([m]) => m);
  for (const link of nav.querySelectorAll("a")) {
    const current = hash.startsWith(`#/${link.dataset.route}`) || (link.dataset.route === "ward" && hash.startsWith("#/patient"));
    if (current) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  if (!match) {
    location.hash = "#/ward";
    return;
  }
  const container = h("div", { class: "view" });
  clear(main).append(container);
  let done;
  try {
    done = (await match[1](container, match[0])) ?? null;
  } catch (e) {
    if (mine === generation) container.append(h("p", { class: "error", role: "alert" }, `This view could not be loaded: ${e.message}`));
    return;
  }
  if (mine !== generation) {
    if (done) done();
    return;
  }
  teardown = done;
  // Focus the new view's heading so keyboard and screen-reader users land on it.
  const heading = container.querySelector("h1");
  if (heading) {
    heading.setAttribute("tabindex", "-1");
    heading.focus();
  }
  live.ensure();
}

signOut.addEventListener("click", () => {
  session.key = null;
  session.info = null;
  live.stop();
  location.hash = "";
  route();
});
window.addEventListener("vigil:unauthorized", () => {
  session.key = null;
  session.info = null;
  live.stop();
  route();
});
// The skip link moves focus to the content; following its href would change the route.
document.querySelector(".skip-link").addEventListener("click", (event) => {
  event.preventDefault();
  main.focus();
});
window.addEventListener("hashchange", route);
route();
