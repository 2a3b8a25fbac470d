// Small formatting and decoding helpers. Numbers are written as the page's language writes
// them: 0.498 and 97.5% in English, 0,498 and 97,5 % in French.

import { getLang } from "./i18n.js";

/** ``v`` with ``options`` of Intl.NumberFormat, in the page's language. */
function localNumber(v, options) {
  return Number(v).toLocaleString(getLang(), options);
}

/** The epoch counter as the playground shows it: zero-padded to six digits, grouped by
 *  thousands as the language does ("000,123"; in French "000 123"); larger numbers just grow. */
export function formatEpoch(n) {
  const digits = String(Math.max(0, Math.floor(n || 0))).padStart(6, "0");
  const separator = localNumber(1000).charAt(1); // "," or the French narrow no-break space
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, separator);
}

/** A number as the language writes it, all its digits (a learning rate: 0.03, 0,03). */
export function formatNumber(v) {
  return typeof v === "number" ? localNumber(v, { maximumFractionDigits: 20, useGrouping: false }) : String(v);
}

/** A loss to 3 decimals, or "NaN" when the server sent null (the loss diverged). */
export function formatLoss(v) {
  if (v === null || v === undefined || Number.isNaN(v)) return "NaN";
  return localNumber(v, { minimumFractionDigits: 3, maximumFractionDigits: 3, useGrouping: false });
}

/** An accuracy fraction as a percentage, or a dash. */
export function formatPercent(v) {
  if (v === null || v === undefined || Number.isNaN(v)) return "–";
  return localNumber(v, { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 });
}

/** Two significant digits, as the playground's "Weight is 0.23". */
export function formatWeight(v) {
  if (v === null || v === undefined || Number.isNaN(v)) return "NaN";
  return localNumber(Number(Number(v).toPrecision(2)), { maximumSignificantDigits: 2, useGrouping: false });
}

/** base64 -> Uint8Array. */
export function b64ToBytes(b64) {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Uint8Array / ArrayBuffer -> base64, in chunks so large files do not overflow the stack. */
export function bytesToB64(buf) {
  const bytes = buf instanceof Uint8Array ? buf : new Uint8Array(buf);
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    bin += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  return btoa(bin);
}

/** base64 of little-endian float32 values -> Float32Array (null in, null out). */
export function b64ToFloat32(b64) {
  if (!b64) return null;
  const bytes = b64ToBytes(b64);
  // copy into an aligned buffer; DataView keeps it right on big-endian machines too
  const n = bytes.length >> 2;
  const out = new Float32Array(n);
  const view = new DataView(bytes.buffer, bytes.byteOffset, n * 4);
  for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

/** base64 of little-endian float64 values -> a list of numbers, null where a value is not a
 *  finite number (as JSON would have sent it). */
function b64ToNumbers(b64) {
  const bytes = b64ToBytes(b64);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const out = new Array(bytes.length >> 3);
  for (let i = 0; i < out.length; i++) {
    const v = view.getFloat64(i * 8, true);
    out[i] = Number.isFinite(v) ? v : null;
  }
  return out;
}

/** A frame's weights, biases, gradients and deltas (per layer, float64 bytes in base64; frame.py's
 *  `parameters`) as nested lists, in place: weights[i][to][from] and grads likewise (layer i's
 *  shape from `sizes`), biases[i][to], bias_grads and deltas likewise. */
export function decodeParameters(f) {
  if (!f.sizes) return f;
  // layer i: sizes[i + 1] rows of sizes[i] (rows even when empty: no input feature on)
  const rows = (values, i) => Array.from({ length: f.sizes[i + 1] }, (_, r) =>
    values.slice(r * f.sizes[i], (r + 1) * f.sizes[i]));
  for (const key of ["weights", "grads"]) {
    if (Array.isArray(f[key]) && typeof f[key][0] === "string") {
      f[key] = f[key].map((b64, i) => rows(b64ToNumbers(b64), i));
    }
  }
  for (const key of ["biases", "bias_grads", "deltas"]) {
    if (Array.isArray(f[key]) && typeof f[key][0] === "string") f[key] = f[key].map(b64ToNumbers);
  }
  return f;
}

/** base64 of 8-bit codes (frame.py's `codes`: the heatmap and the thumbnails) -> Float32Array:
 *  code c stands for the middle of its step, (c + 0.5) / 120 - 1, so that it falls in its value's
 *  shade (8 codes in each of the 30); NaN for 255 (null in, null out). */
export function b64ToCodes(b64) {
  if (!b64) return null;
  const bytes = b64ToBytes(b64);
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = bytes[i] === 255 ? NaN : (bytes[i] + 0.5) / 120 - 1;
  return out;
}

/** Parse a networkShape from the config (a list, or a comma string; "" = no hidden layer). */
export function parseShape(v) {
  if (Array.isArray(v)) return v.map(Number);
  if (v === null || v === undefined) return [];
  return String(v)
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")
    .map(Number);
}

/** A boolean from the config (true/false, or the strings of a hash). */
export function truthy(v) {
  return v === true || v === "true" || v === 1 || v === "1";
}

/** Save text or bytes as a file through a temporary link. */
export function saveFile(filename, content, mime = "application/octet-stream") {
  const blob = content instanceof Blob ? content : new Blob([content], { type: mime });
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
