// The live feed: accepted and rejected events merged newest first, rendered incrementally
// so that screen readers (aria-live) hear only the additions and focus is not lost.

import { h, clockTime } from "./dom.js";

function isObject(value) {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function text(value) {
  return typeof value === "string" && value ? value : null;
}

/** Return the fields the feed shows from a (possibly malformed) body. */
export function summary(body) {
  const b = isObject(body) ? body : {};
  const props = isObject(b.properties) ? b.properties : {};
  return {
    name: text(b.eventName),
    type: text(b.eventType),
    streamId: text(props.streamId),
    sessionId: text(b.sessionId),
    platform: text(b.platform),
  };
}

/** Merge both lists into entries sorted by receivedAt, newest first (ties keep server order). */
export function mergeFeed(events, rejected) {
  const entries = events.map((record) => ({
    key: `e:${record.eventId}`,
    kind: "accepted",
    receivedMs: Date.parse(record.receivedAt),
    record,
    fields: summary(record.event),
  }));
  // Rejections have no id: key them by content, numbering repeats from the oldest so
  // that keys stay stable while newer entries arrive on top.
  const seen = new Map();
  const keyed = [...rejected].reverse().map((record) => {
    const base = `r:${record.receivedAt}|${record.operation}|${record.index}|${JSON.stringify(record.body)}`;
    const n = (seen.get(base) || 0) + 1;
    seen.set(base, n);
    return { key: `${base}#${n}`, kind: "rejected", receivedMs: Date.parse(record.receivedAt), record, fields: summary(record.body) };
  });
  entries.push(...keyed.reverse());
  return entries.sort((a, b) => b.receivedMs - a.receivedMs);
}

/** Keep only the entries the filters allow (rejections are filtered here, on their bodies). */
export function applyFilters(entries, filters, status) {
  return entries.filter((entry) => {
    if (status !== "all" && entry.kind !== status) return false;
    if (entry.kind === "accepted") return true;
    const f = entry.fields;
    return (
      (!filters.eventName || f.name === filters.eventName) &&
      (!filters.streamId || f.streamId === filters.streamId) &&
      (!filters.sessionId || f.sessionId === filters.sessionId)
    );
  });
}

function badge(kind) {
  return kind === "accepted"
    ? h("span", { class: "badge badge-accepted" }, h("span", { "aria-hidden": "true" }, "✓ "), "Accepted")
    : h("span", { class: "badge badge-rejected" }, h("span", { "aria-hidden": "true" }, "✕ "), "Rejected");
}

function meta(entry) {
  const f = entry.fields;
  const parts = [];
  if (f.streamId) parts.push(h("span", {}, h("span", { class: "k" }, "stream "), f.streamId));
  if (f.sessionId) parts.push(h("span", {}, h("span", { class: "k" }, "session "), f.sessionId));
  if (f.platform) parts.push(h("span", {}, f.platform));
  if (entry.kind === "rejected") {
    const op = entry.record.operation === "trackEventBatch" ? `batch item ${entry.record.index}` : entry.record.operation;
    parts.push(h("span", {}, op));
  }
  return h("span", { class: "ev-meta" }, parts);
}

function fieldErrors(record) {
  const errors = Array.isArray(record.errors) ? record.errors : [];
  return h(
    "ul",
    { class: "field-errors", "aria-label": "Field errors" },
    errors.map((e) => h("li", {}, h("code", {}, e.field || "(body)"), " ", e.message)),
  );
}

function item(entry, onOpen) {
  // Accepted events show their event time (what metrics use; the mock-only `timestamp`
  // may differ from arrival); rejections only have an arrival time.
  const when = entry.record.time || entry.record.receivedAt;
  const time = h(
    "time",
    { datetime: when, class: "ev-time", title: `received ${entry.record.receivedAt}` },
    clockTime(Date.parse(when)),
  );
  const button = h(
    "button",
    { type: "button", class: "feed-open", "aria-haspopup": "dialog", onclick: () => onOpen(entry, button) },
    time,
    badge(entry.kind),
    h("span", { class: "ev-name" }, entry.fields.name || "(no eventName)"),
    meta(entry),
  );
  const li = h("li", { class: `feed-item ${entry.kind}`, "data-kind": entry.kind }, button);
  // Behind `wave-mock proxy`: the exchange that carried this event broke the contract.
  const contract = entry.record.contract;
  if (contract && contract.violations > 0) {
    button.append(h("span", { class: "badge badge-rejected contract-mark", "data-testid": "contract-mark" },
      `⚠ ${contract.violations} contract violation${contract.violations === 1 ? "" : "s"} (exchange ${contract.exchange})`));
  }
  if (entry.kind === "rejected") li.append(fieldErrors(entry.record));
  return li;
}

/** Render entries into the list, inserting new nodes and dropping gone ones only. */
export class FeedView {
  constructor(list, onOpen) {
    this.list = list;
    this.onOpen = onOpen;
    this.nodes = new Map();
  }

  clear() {
    this.list.replaceChildren();
    this.nodes.clear();
  }

  render(entries) {
    const firstRender = this.nodes.size === 0;
    const wanted = new Set(entries.map((e) => e.key));
    for (const [key, node] of this.nodes) {
      if (!wanted.has(key)) {
        node.remove();
        this.nodes.delete(key);
      }
    }
    let ref = this.list.firstChild;
    for (const entry of entries) {
      let node = this.nodes.get(entry.key);
      if (!node) {
        node = item(entry, this.onOpen);
        if (!firstRender) node.classList.add("fresh");
        this.nodes.set(entry.key, node);
      }
      if (node === ref) ref = ref.nextSibling;
      else this.list.insertBefore(node, ref);
    }
  }
}
