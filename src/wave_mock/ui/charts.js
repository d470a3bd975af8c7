// Inline SVG charts, drawn from numbers the page already has (no chart library).

import { s, num } from "./dom.js";

const PAD = { top: 14, right: 48, bottom: 30, left: 48 };
// The viewBox sizes match the width each chart gets on a laptop screen, so text stays ~11 px.
const WIDE = size(1340, 230);
const NARROW = size(600, 230);

function size(width, height) {
  return { width, height, plotW: width - PAD.left - PAD.right, plotH: height - PAD.top - PAD.bottom, bottom: height - PAD.bottom };
}

/** Return integer ticks 0, step, 2*step, ... up to the first one >= `max` (about `count` steps). */
export function ticks(max, count = 4) {
  const top = Math.max(1, max);
  const raw = top / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = Math.max(1, [1, 2, 5, 10].map((m) => m * magnitude).find((m) => m >= raw));
  const values = [0];
  while (values.at(-1) < top) values.push(values.at(-1) + step);
  return values;
}

function frame(box, label, description) {
  return s(
    "svg",
    { viewBox: `0 0 ${box.width} ${box.height}`, role: "img", "aria-label": label, class: "chart-svg", preserveAspectRatio: "xMidYMid meet" },
    s("title", {}, label),
    s("desc", {}, description),
  );
}

function yAxis(svg, box, values, scale, side) {
  const x = side === "left" ? PAD.left - 8 : box.width - PAD.right + 8;
  for (const v of values) {
    const y = scale(v);
    if (side === "left") svg.append(s("line", { x1: PAD.left, x2: box.width - PAD.right, y1: y, y2: y, class: "grid" }));
    svg.append(s("text", { x, y: y + 4, class: `axis axis-${side}`, "text-anchor": side === "left" ? "end" : "start" }, num(v)));
  }
}

function xLabel(svg, box, x, text) {
  svg.append(s("text", { x, y: box.bottom + 18, class: "axis", "text-anchor": "middle" }, text));
}

function bucketLabel(ms, hourly) {
  const iso = new Date(ms).toISOString();
  if (hourly) return `${iso.slice(11, 13)}:00`;
  return new Date(ms).toLocaleDateString("en-US", { month: "short", day: "numeric", timeZone: "UTC" });
}

/** Draw the dashboard timeseries: events as bars (left axis), active viewers as a line (right axis). */
export function timeseriesChart(series, period) {
  const hourly = period === "1d";
  const total = series.reduce((sum, b) => sum + b.events, 0);
  const box = WIDE;
  const svg = frame(
    box,
    `Events and active viewers per ${hourly ? "hour" : "day"}`,
    `${series.length} buckets, ${total} events in total, at most ${Math.max(0, ...series.map((b) => b.activeViewers))} active viewers in one bucket.`,
  );
  const eventTicks = ticks(Math.max(0, ...series.map((b) => b.events)));
  const viewerTicks = ticks(Math.max(0, ...series.map((b) => b.activeViewers)));
  const eventsY = (v) => box.bottom - (v / eventTicks.at(-1)) * box.plotH;
  const viewersY = (v) => box.bottom - (v / viewerTicks.at(-1)) * box.plotH;
  yAxis(svg, box, eventTicks, eventsY, "left");
  yAxis(svg, box, viewerTicks, viewersY, "right");
  const slot = box.plotW / Math.max(1, series.length);
  const labelEvery = Math.ceil(series.length / 12);
  const points = [];
  series.forEach((bucket, i) => {
    const x = PAD.left + i * slot;
    const y = eventsY(bucket.events);
    const label = `${bucketLabel(Date.parse(bucket.start), hourly)}: ${bucket.events} events, ${bucket.activeViewers} active viewers`;
    svg.append(
      s("rect", { x: x + slot * 0.15, y, width: slot * 0.7, height: box.bottom - y, class: "bar" }, s("title", {}, label)),
    );
    points.push([x + slot / 2, viewersY(bucket.activeViewers)]);
    if (i % labelEvery === 0) xLabel(svg, box, x + slot / 2, bucketLabel(Date.parse(bucket.start), hourly));
  });
  if (points.length) {
    const d = points.map(([x, y], i) => `${i ? "L" : "M"}${x.toFixed(1)},${y.toFixed(1)}`).join(" ");
    svg.append(s("path", { d, class: "line" }));
    for (const [x, y] of points) svg.append(s("circle", { cx: x, cy: y, r: 2.5, class: "dot" }));
  }
  svg.append(s("line", { x1: PAD.left, x2: box.width - PAD.right, y1: box.bottom, y2: box.bottom, class: "baseline" }));
  return svg;
}

const JOINED = "viewer.joined";
const LEFT = "viewer.left";
const ENDED = "stream.ended";

/** Return the viewer key the mock uses: userId, else anonymousId, else sessionId. */
export function viewerKey(body) {
  return body.userId || body.anonymousId || body.sessionId;
}

/**
 * Replay a stream's join/leave/end records into concurrent viewers over [startMs, nowMs].
 *
 * Mirrors the mock's replay: event time order, leaves and ends first at equal times;
 * a join while already watching is ignored, stream.ended closes every session.
 */
export function concurrency(records, startMs, nowMs) {
  const ordered = records
    .map((r) => ({ t: Date.parse(r.time), name: r.event.eventName, viewer: viewerKey(r.event), id: r.eventId }))
    .filter((r) => r.t <= nowMs)
    .sort((a, b) => a.t - b.t || Number(a.name === JOINED) - Number(b.name === JOINED) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const open = new Set();
  const points = [];
  let started = false;
  for (const r of ordered) {
    if (!started && r.t >= startMs) {
      points.push({ t: startMs, n: open.size });
      started = true;
    }
    if (r.name === JOINED) open.add(r.viewer);
    else if (r.name === LEFT) open.delete(r.viewer);
    else if (r.name === ENDED) open.clear();
    if (started) {
      if (points.length && points.at(-1).t === r.t) points.at(-1).n = open.size;
      else points.push({ t: r.t, n: open.size });
    }
  }
  if (!started) points.push({ t: startMs, n: open.size });
  points.push({ t: nowMs, n: open.size });
  return points;
}

function timeLabel(ms, spanMs) {
  const iso = new Date(ms).toISOString();
  if (spanMs <= 36 * 3600 * 1000) return iso.slice(11, 16);
  return new Date(ms).toLocaleDateString("en-US", { month: "short", day: "numeric", timeZone: "UTC" });
}

/** Draw concurrent viewers over time as a step chart. */
export function stepChart(points, startMs, endMs) {
  const peak = Math.max(0, ...points.map((p) => p.n));
  const box = NARROW;
  const svg = frame(box, "Concurrent viewers over time", `Step chart from ${points.length} changes; peak ${peak} concurrent viewers.`);
  const yTicks = ticks(peak);
  const span = Math.max(1, endMs - startMs);
  const x = (t) => PAD.left + ((t - startMs) / span) * box.plotW;
  const y = (n) => box.bottom - (n / yTicks.at(-1)) * box.plotH;
  yAxis(svg, box, yTicks, y, "left");
  for (let i = 0; i <= 4; i += 1) xLabel(svg, box, x(startMs + (span * i) / 4), timeLabel(startMs + (span * i) / 4, span));
  let d = "";
  points.forEach((p, i) => {
    d += i === 0 ? `M${x(p.t).toFixed(1)},${y(p.n).toFixed(1)}` : ` H${x(p.t).toFixed(1)} V${y(p.n).toFixed(1)}`;
  });
  const base = box.bottom.toFixed(1);
  svg.append(s("path", { d: `${d} V${base} H${x(points[0].t).toFixed(1)} Z`, class: "area" }));
  svg.append(s("path", { d, class: "step" }));
  svg.append(s("line", { x1: PAD.left, x2: box.width - PAD.right, y1: base, y2: base, class: "baseline" }));
  return svg;
}
