// The Vigil API, with the signed-in credential: an API key in the X-Api-Key header, or a person's access token (a JWT)
// as Authorization: Bearer. It lives in sessionStorage: it is gone when the tab closes and is never sent anywhere but
// to this origin.
const KEY = "vigil.apiKey";

export const session = {
  get key() { return sessionStorage.getItem(KEY); },
  set key(value) { value ? sessionStorage.setItem(KEY, value) : sessionStorage.removeItem(KEY); },
  info: null,
};

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }

  // "field: reason" for each field a problem+json names.
  get fieldErrors() {
    const errors = this.problem?.errors;
    if (!errors) return [];
    return Array.isArray(errors)
      ? errors.map((e) => `${e.field ?? e.name ?? ""}: ${e.reason ?? e.message ?? ""}`)
      : Object.entries(errors).flatMap(([field, reasons]) => [].concat(reasons).map((r) => `${field}: ${r}`));
  }
}

// A JWT is three base64url parts joined by dots; Vigil's API keys (vgl_...) have none.
export const isBearerToken = (credential) => /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(credential);

export async function api(path, { method = "GET", body, key = session.key } = {}) {
  const headers = { Accept: "application/json" };
  if (key && isBearerToken(key)) headers.Authorization = `Bearer ${key}`;
  else if (key) headers["X-Api-Key"] = key;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) {
    if (response.status === 401 && key === session.key) window.dispatchEvent(new CustomEvent("vigil:unauthorized"));
    throw new ApiError(response.status, data);
  }
  return data;
}

export const q = (params) => {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") search.set(k, v);
  const s = search.toString();
  return s ? `?${s}` : "";
};

export const enc = encodeURIComponent;
