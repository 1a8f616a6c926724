// The live stream: Server-Sent Events from /api/v1/dashboard/stream. EventSource cannot send headers, so the page
// first trades its API key for a short-lived stream token. The browser reconnects a dropped stream by itself; once a
// token has expired that fails and the stream closes, and a new token opens a new one (with backoff on failures).
import { api } from "./api.js";

const listeners = new Map();
let source = null;
let retryDelay = 1000;
let retryTimer = null;
let stopped = true;

export function on(name, handler) {
  if (!listeners.has(name)) listeners.set(name, new Set());
  listeners.get(name).add(handler);
  return () => listeners.get(name).delete(handler);
}

function emit(name, data) {
  for (const handler of listeners.get(name) ?? []) handler(data);
}

function status(state) {
  emit("status", state);
}

export async function start() {
  stopped = false;
  clearTimeout(retryTimer);
  if (source) source.close();
  status("connecting");
  let token;
  try {
    ({ token } = await api("/api/v1/dashboard/stream-tokens", { method: "POST" }));
  } catch (e) {
    if (e.status === 401) return;
    return reconnectLater();
  }
  if (stopped) return;
  const es = new EventSource(`/api/v1/dashboard/stream?access_token=${encodeURIComponent(token)}`);
  source = es;
  es.addEventListener("hello", () => {
    retryDelay = 1000;
    status("live");
    emit("hello");
  });
  es.addEventListener("tile", (e) => emit("tile", JSON.parse(e.data)));
  es.addEventListener("alerts", (e) => emit("alerts", JSON.parse(e.data)));
  es.addEventListener("error", () => {
    if (source !== es) return;
    if (es.readyState === EventSource.CLOSED) reconnectLater();
    else status("connecting");
  });
}

function reconnectLater() {
  if (stopped) return;
  status("offline");
  clearTimeout(retryTimer);
  retryTimer = setTimeout(start, retryDelay);
  retryDelay = Math.min(retryDelay * 2, 30000);
}

// Starts the stream unless it is already open or opening.
export function ensure() {
  if (stopped || !source) start();
}

export function stop() {
  stopped = true;
  clearTimeout(retryTimer);
  if (source) source.close();
  source = null;
  status("off");
}
