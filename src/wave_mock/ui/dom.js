// DOM and formatting helpers. Every string reaches the page as a text node or an
// attribute value, never through innerHTML, so event content cannot inject markup.

const SVG_NS = "http://www.w3.org/2000/svg";

function append(node, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function setAttrs(node, attrs) {
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      node.addEventListener(name.slice(2), value);
    } else {
      node.setAttribute(name, value === true ? "" : String(value));
    }
  }
  return node;
}

/** Create an HTML element: h("li", {class: "x"}, "text", child). */
export function h(tag, attrs, ...children) {
  return append(setAttrs(document.createElement(tag), attrs), children);
}

/** Create an SVG element the same way. */
export function s(tag, attrs, ...children) {
  return append(setAttrs(document.createElementNS(SVG_NS, tag), attrs), children);
}

/** Replace a node's children. */
export function replace(node, ...children) {
  node.replaceChildren();
  return append(node, children);
}

export function byId(id) {
  return document.getElementById(id);
}

const NUMBER = new Intl.NumberFormat("en-US", { maximumFractionDigits: 1 });

/** Format a number for a card: 12,345 or 1.5; "–" for null. */
export function num(value) {
  return value === null || value === undefined ? "–" : NUMBER.format(value);
}

/** Format seconds as "1h 02m", "3m 20s" or "12.5s". */
export function duration(seconds) {
  if (seconds === null || seconds === undefined) return "–";
  if (seconds < 60) return `${NUMBER.format(seconds)}s`;
  const whole = Math.round(seconds);
  const minutes = Math.floor(whole / 60);
  if (minutes < 60) return `${minutes}m ${String(whole % 60).padStart(2, "0")}s`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, "0")}m`;
}

/** Format a ratio as a percentage: 0.0123 -> "1.23 %". */
export function percent(ratio) {
  return ratio === null || ratio === undefined ? "–" : `${(ratio * 100).toFixed(2)} %`;
}

/** Format epoch milliseconds as "2026-11-27 10:00:05 UTC". */
export function utc(ms) {
  return `${new Date(ms).toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

/** Format epoch milliseconds as "10:00:05". */
export function clockTime(ms) {
  return new Date(ms).toISOString().slice(11, 19);
}
