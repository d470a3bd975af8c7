// A tiny client for the mock's inspection API and the WAVE analytics API.

const KEY_STORAGE = "wave-mock.apiKey";

export class ApiError extends Error {
  constructor(status, body) {
    const error = body && body.error ? body.error : {};
    super(error.message || `HTTP ${status}`);
    this.status = status;
    this.code = error.code || "http_error";
  }
}

/** Read the key from ?apiKey= (then drop it from the address bar) or localStorage. */
export function initialKey() {
  const url = new URL(window.location.href);
  const fromQuery = url.searchParams.get("apiKey");
  if (fromQuery) {
    saveKey(fromQuery);
    // Keep the secret out of history and screenshots once it is remembered.
    url.searchParams.delete("apiKey");
    window.history.replaceState(null, "", url.pathname + url.search + url.hash);
    return fromQuery;
  }
  try {
    return window.localStorage.getItem(KEY_STORAGE) || "";
  } catch {
    return "";
  }
}

export function saveKey(key) {
  try {
    window.localStorage.setItem(KEY_STORAGE, key);
  } catch {
    // Storage can be disabled (private mode); the key still works for this visit.
  }
}

export class Api {
  constructor(key) {
    this.key = key;
  }

  async request(method, path, { query, body } = {}) {
    const url = new URL(path, window.location.origin);
    for (const [name, value] of Object.entries(query || {})) {
      if (value !== "" && value !== null && value !== undefined) url.searchParams.set(name, value);
    }
    // The proxy keeps the page's own reads out of its contract ledger, so an open page does not count itself.
    const headers = { Accept: "application/json", Authorization: `Bearer ${this.key}`, "X-Wave-Mock-Inspector": "page" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
    });
    const data = await response.json().catch(() => null);
    if (!response.ok) throw new ApiError(response.status, data);
    return data;
  }

  events(filters, limit) {
    return this.request("GET", "/_mock/events", { query: { ...filters, limit } });
  }

  rejected(limit) {
    return this.request("GET", "/_mock/rejected", { query: { limit } });
  }

  streams() {
    return this.request("GET", "/_mock/streams");
  }

  clock() {
    return this.request("GET", "/_mock/clock");
  }

  setClock(body) {
    return this.request("POST", "/_mock/clock", { body });
  }

  realTime() {
    return this.request("DELETE", "/_mock/clock");
  }

  reset() {
    return this.request("POST", "/_mock/reset");
  }

  health() {
    return this.request("GET", "/_mock/health");
  }

  violations(limit) {
    return this.request("GET", "/_mock/violations", { query: { limit } });
  }

  driftHistory(limit) {
    return this.request("GET", "/_mock/drift", { query: { limit } });
  }

  dashboard(period) {
    return this.request("GET", "/api/v1/analytics/dashboards", { query: { period } });
  }

  stream(streamId, period) {
    return this.request("GET", `/api/v1/analytics/stream/${encodeURIComponent(streamId)}`, { query: { period } });
  }
}
