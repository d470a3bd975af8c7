// The dashboard and stream panels: number cards, charts and a data table.

import { h, num, duration, percent, utc } from "./dom.js";
import { concurrency, stepChart, timeseriesChart } from "./charts.js";

function card(label, value, hint) {
  return h(
    "div",
    { class: "card" },
    h("span", { class: "card-label" }, label),
    h("span", { class: "card-value" }, value),
    hint ? h("span", { class: "card-hint" }, hint) : null,
  );
}

/** Return the dashboard's key-number cards. */
export function dashboardCards(metrics) {
  return [
    card("Events", num(metrics.totalEvents)),
    card("Unique users", num(metrics.uniqueUsers)),
    card("Sessions", num(metrics.uniqueSessions)),
    card("Live streams", num(metrics.liveStreams), `${num(metrics.streamsStarted)} started`),
    card("Viewers", num(metrics.totalViewers)),
    card("Peak viewers", num(metrics.peakConcurrentViewers), "concurrent"),
    card("Watch time", duration(metrics.totalWatchTime), `avg ${duration(metrics.avgWatchTime)}`),
  ];
}

/** Return the dashboard chart. */
export function dashboardChart(metrics, period) {
  const series = metrics.timeseries || [];
  return series.length ? timeseriesChart(series, period) : h("p", { class: "empty" }, "No buckets in this period.");
}

/** Return the timeseries as an accessible table. */
export function timeseriesTable(series) {
  return h(
    "table",
    {},
    h("caption", { class: "visually-hidden" }, "Timeseries buckets"),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Bucket start"), h("th", { scope: "col" }, "Events"), h("th", { scope: "col" }, "Active viewers"))),
    h("tbody", {}, series.map((b) => h("tr", {}, h("td", {}, utc(Date.parse(b.start))), h("td", {}, num(b.events)), h("td", {}, num(b.activeViewers))))),
  );
}

function qualityCards(quality) {
  if (!quality) return [];
  return [
    card("Startup (avg)", quality.avgStartupTimeMs === null ? "–" : `${num(quality.avgStartupTimeMs)} ms`, quality.p95StartupTimeMs === null ? null : `p95 ${num(quality.p95StartupTimeMs)} ms`),
    card("Rebuffering", percent(quality.rebufferRatio), `${num(quality.rebufferCount)} stalls, ${duration(quality.rebufferSeconds)}`),
    card("Bitrate (avg)", quality.avgBitrateKbps === null ? "–" : `${num(quality.avgBitrateKbps)} kbps`),
    card("Errors", num(quality.errorCount), `${num(quality.fatalErrorCount)} fatal`),
  ];
}

const STREAM_PERIOD_MS = { "1h": 3600e3, "24h": 86400e3, "7d": 7 * 86400e3, "30d": 30 * 86400e3 };

/** Return the stream panel: heading, cards and the concurrent-viewers chart. */
export function streamPanel(streamId, body, records, nowMs, limited) {
  const startMs = nowMs - STREAM_PERIOD_MS[body.period];
  const points = concurrency(records, startMs, nowMs);
  const live = body.isLive
    ? h("span", { class: "pill pill-live" }, h("span", { "aria-hidden": "true" }, "● "), "Live")
    : h("span", { class: "pill" }, "Not live");
  return [
    h("h3", { class: "stream-title" }, h("code", {}, streamId), " ", live),
    h(
      "div",
      { class: "cards cards-small", "data-testid": "stream-cards" },
      card("Viewers", num(body.totalViewers)),
      card("Peak viewers", num(body.peakViewers)),
      card("Watching now", num(body.currentViewers)),
      card("Avg watch time", duration(body.avgWatchTime)),
      card("Live for", duration(body.totalDuration)),
      qualityCards(body.quality),
    ),
    h(
      "figure",
      { class: "chart-figure" },
      h("div", { class: "chart" }, stepChart(points, startMs, nowMs)),
      h(
        "figcaption",
        {},
        "Concurrent viewers, replayed in the browser from the stream's viewer.joined, viewer.left and stream.ended events.",
        limited ? " Only the latest events were fetched, so the start may be incomplete." : "",
      ),
    ),
  ];
}
