// The inspection page: wires the API client to the feed, dashboard, streams and controls.

import { Api, ApiError, initialKey, saveKey } from "./api.js";
import { byId, h, replace, utc } from "./dom.js";
import { FeedView, applyFilters, mergeFeed } from "./feed.js";
import { dashboardCards, dashboardChart, streamPanel, timeseriesTable } from "./panels.js";

const FEED_LIMIT = 200;
const STREAM_EVENT_LIMIT = 10000;
const CHIP_LIMIT = 50;
const POLL_MS = 2000;
const VIEWING_EVENTS = ["viewer.joined", "viewer.left", "stream.ended"];
const AUTO_REFRESH_STORAGE = "wave-mock.autoRefresh";

function describe(error) {
  if (error instanceof ApiError && error.status === 401) return "The API key was not accepted (401). Check it and press “Use key”.";
  if (error instanceof ApiError) return `${error.message} (HTTP ${error.status}, ${error.code})`;
  return `Cannot reach the mock: ${error.message}`;
}

function plural(count, noun) {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

function setStatus(message, kind = "info") {
  const status = byId("status");
  status.textContent = message;
  status.dataset.kind = kind;
}

function storedFlag(name) {
  try {
    return window.localStorage.getItem(name);
  } catch {
    return null;
  }
}

function storeFlag(name, value) {
  try {
    window.localStorage.setItem(name, value);
  } catch {
    // Storage disabled: the setting lasts for this visit only.
  }
}

function readFilters() {
  return {
    eventName: byId("filter-name").value.trim(),
    streamId: byId("filter-stream").value.trim(),
    sessionId: byId("filter-session").value.trim(),
  };
}

class Inspector {
  constructor() {
    this.api = new Api(initialKey());
    this.nowMs = Date.now();
    this.filters = readFilters();
    this.status = "all";
    this.streamId = "";
    this.knownStreams = new Set();
    this.timer = null;
    this.generation = 0;
    this.freezeEdited = false;
    this.dialogReturn = null;
    this.feed = new FeedView(byId("feed"), (entry, button) => this.openEvent(entry, button));
  }

  start() {
    byId("api-key").value = this.api.key;
    this.bind();
    byId("auto-refresh").checked = storedFlag(AUTO_REFRESH_STORAGE) !== "off";
    if (!this.api.key) {
      setStatus("Enter the API key the mock was started with (default wave_dev_key).", "warn");
      byId("api-key").focus();
      return;
    }
    this.refreshLoop();
  }

  bind() {
    const on = (id, type, handler) => byId(id).addEventListener(type, handler);
    const submit = (id, handler) => on(id, "submit", (event) => { event.preventDefault(); handler(); });
    submit("key-form", () => this.useKey(byId("api-key").value.trim()));
    submit("feed-filters", () => this.changeFilters());
    submit("stream-form", () => this.showStream(byId("stream-id").value.trim()));
    submit("freeze-form", () => this.freeze());
    submit("advance-form", () => this.clockAction(() => this.api.setClock({ advance: Number(byId("advance-by").value) }), "Clock advanced"));
    on("filter-status", "change", () => this.changeFilters());
    on("real-time", "click", () => this.clockAction(() => this.api.realTime(), "Clock back to real time"));
    on("reset", "click", () => this.reset());
    on("refresh-now", "click", () => this.refresh());
    on("auto-refresh", "change", () => this.toggleAuto());
    on("dashboard-period", "change", () => this.guard(() => this.refreshDashboard()));
    on("stream-period", "change", () => this.guard(() => this.refreshStream()));
    on("freeze-at", "input", () => { this.freezeEdited = true; });
    on("event-dialog-close", "click", () => byId("event-dialog").close());
    on("event-dialog", "close", () => this.dialogReturn?.isConnected && this.dialogReturn.focus());
  }

  async guard(action) {
    try {
      await action();
    } catch (error) {
      setStatus(describe(error), "error");
    }
  }

  useKey(key) {
    if (!key) return;
    saveKey(key);
    this.api.key = key;
    this.feed.clear();
    setStatus("Key saved in this browser.");
    this.refreshLoop();
  }

  toggleAuto() {
    const on = byId("auto-refresh").checked;
    storeFlag(AUTO_REFRESH_STORAGE, on ? "on" : "off");
    if (on) {
      this.refreshLoop();
    } else {
      this.generation += 1;
      window.clearTimeout(this.timer);
    }
  }

  async refreshLoop() {
    // A generation number so that a loop restarted mid-refresh (new key, toggle) leaves one poller.
    const generation = ++this.generation;
    window.clearTimeout(this.timer);
    await this.refresh();
    if (generation === this.generation && byId("auto-refresh").checked) {
      this.timer = window.setTimeout(() => this.refreshLoop(), POLL_MS);
    }
  }

  async refresh() {
    if (!this.api.key) return;
    try {
      await this.refreshClock();
      await Promise.all([this.refreshFeed(), this.refreshStreams(), this.refreshDashboard(), this.refreshStream(), this.refreshContract()]);
      if (byId("status").dataset.kind === "error") setStatus("Connected.");
    } catch (error) {
      setStatus(describe(error), "error");
    }
  }

  async refreshClock() {
    const clock = await this.api.clock();
    this.nowMs = Date.parse(clock.now);
    const now = byId("clock-now");
    now.textContent = utc(this.nowMs);
    now.setAttribute("datetime", clock.now);
    const mode = byId("clock-mode");
    mode.textContent = clock.frozen ? "Frozen" : "Real time";
    mode.className = clock.frozen ? "pill pill-frozen" : "pill pill-real";
    if (!this.freezeEdited) byId("freeze-at").value = new Date(this.nowMs).toISOString().slice(0, 19);
  }

  async refreshFeed() {
    const wantAccepted = this.status !== "rejected";
    const wantRejected = this.status !== "accepted";
    const [events, rejected] = await Promise.all([
      wantAccepted ? this.api.events(this.filters, FEED_LIMIT) : { events: [] },
      wantRejected ? this.api.rejected(FEED_LIMIT) : { rejected: [] },
    ]);
    const entries = applyFilters(mergeFeed(events.events, rejected.rejected), this.filters, this.status);
    this.feed.render(entries);
    const accepted = entries.filter((e) => e.kind === "accepted").length;
    byId("feed-count").textContent = `${accepted} accepted · ${entries.length - accepted} rejected shown`;
    byId("feed-empty").hidden = entries.length > 0;
  }

  async refreshStreams() {
    // Every stream the tenant has, not only those among the feed's latest events.
    const { streams } = await this.api.streams();
    this.knownStreams = new Set(streams.map((stream) => stream.streamId));
    this.renderStreamChoices();
  }

  async refreshContract() {
    // Only `wave-mock proxy` serves these; the mock's page stays as it was.
    if (this.proxyMode === undefined) {
      const health = await this.api.health().catch(() => ({}));
      this.proxyMode = health.mode === "proxy";
      byId("contract-panel").hidden = !this.proxyMode;
    }
    if (!this.proxyMode) return;
    const [violations, drift] = await Promise.all([this.api.violations(50), this.api.driftHistory(50)]);
    const s = violations.summary;
    const drifted = drift.history.filter((r) => r.status === "drift");
    byId("contract-summary").textContent = `${plural(s.violations, "violation")} in ${plural(s.exchanges, "exchange")} (${violations.view}) · ${plural(drifted.length, "drifting read")}`;
    replace(byId("contract-violations"), violations.violations.map((v) => h("li", { class: "feed-item rejected" },
      h("span", { class: "ev-name" }, `${v.exchange.method} ${v.exchange.path} → ${v.exchange.status}`),
      h("span", { class: "ev-meta" }, h("code", {}, v.field || "(body)"), ` ${v.message} `, h("span", { class: "k" }, `[${v.side}: ${v.rule}]`)))));
    replace(byId("contract-drift"), drifted.map((r) => h("li", { class: "feed-item rejected" },
      h("span", { class: "ev-name" }, `${r.streamId ? `stream ${r.streamId}` : "dashboard"} ${r.query.period || ""}`),
      h("ul", { class: "field-errors" }, r.differences.map((d) => h("li", {}, d.message))))));
  }

  changeFilters() {
    this.filters = readFilters();
    this.status = byId("filter-status").value;
    this.feed.clear();
    this.guard(() => this.refreshFeed());
  }

  async refreshDashboard() {
    const period = byId("dashboard-period").value;
    const body = await this.api.dashboard(period);
    replace(byId("dashboard-cards"), dashboardCards(body.metrics));
    replace(byId("dashboard-chart"), dashboardChart(body.metrics, period));
    replace(byId("dashboard-table"), timeseriesTable(body.metrics.timeseries || []));
  }

  renderStreamChoices() {
    const ids = [...this.knownStreams].sort();
    const signature = `${ids.join("\n")}|${this.streamId}`;
    if (this.streamChoices === signature) return;
    this.streamChoices = signature;
    replace(byId("known-streams"), ids.map((id) => h("option", { value: id })));
    // Every stream is in the datalist (type to find it); chips only for the first few.
    const chips = ids.slice(0, CHIP_LIMIT);
    if (this.streamId && ids.includes(this.streamId) && !chips.includes(this.streamId)) chips.push(this.streamId);
    const more = ids.length - chips.length;
    replace(byId("stream-chips"), [
      ...chips.map((id) =>
        h("button", { type: "button", class: "chip", "aria-pressed": String(id === this.streamId), onclick: () => this.showStream(id) }, id),
      ),
      ...(more > 0 ? [h("span", { class: "more" }, `+${more} more: type a stream id`)] : []),
    ]);
  }

  showStream(streamId) {
    if (!streamId) return;
    this.streamId = streamId;
    byId("stream-id").value = streamId;
    this.renderStreamChoices();
    this.guard(() => this.refreshStream());
  }

  async refreshStream() {
    const streamId = this.streamId;
    if (!streamId) return;
    const period = byId("stream-period").value;
    let body;
    try {
      body = await this.api.stream(streamId, period);
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404)) throw error;
      replace(byId("stream-panel"), h("p", { class: "empty" }, "No events for stream ", h("code", {}, streamId), " yet."));
      return;
    }
    const lists = await Promise.all(VIEWING_EVENTS.map((name) => this.api.events({ streamId, eventName: name }, STREAM_EVENT_LIMIT)));
    const records = lists.flatMap((list) => list.events);
    const limited = lists.some((list) => list.count >= STREAM_EVENT_LIMIT);
    if (streamId === this.streamId) replace(byId("stream-panel"), streamPanel(streamId, body, records, this.nowMs, limited));
  }

  async freeze() {
    const value = byId("freeze-at").value;
    if (!value) return;
    const now = `${value.length === 16 ? `${value}:00` : value}Z`;
    this.freezeEdited = false;
    await this.clockAction(() => this.api.setClock({ now }), "Clock frozen");
  }

  async clockAction(action, message) {
    try {
      const clock = await action();
      setStatus(`${message}: mock time is ${utc(Date.parse(clock.now))}.`);
      await this.refresh();
    } catch (error) {
      setStatus(describe(error), "error");
    }
  }

  async reset() {
    if (!window.confirm("Delete every event and rejection this key's tenant sent to the mock?")) return;
    try {
      await this.api.reset();
      this.feed.clear();
      this.knownStreams.clear();
      setStatus("Events reset.");
      await this.refresh();
    } catch (error) {
      setStatus(describe(error), "error");
    }
  }

  openEvent(entry, button) {
    const title = `${entry.fields.name || "Event"} · ${entry.kind === "accepted" ? "Accepted" : "Rejected"}`;
    byId("event-dialog-title").textContent = title;
    byId("event-json").textContent = JSON.stringify(entry.record, null, 2);
    this.dialogReturn = button;
    byId("event-dialog").showModal();
  }
}

new Inspector().start();
