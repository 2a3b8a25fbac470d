// Pictures that need no server: the data set picker's thumbnails and the thumbnails of input
// features that are switched off (the server sends the others).
//
// The thumbnails are icons only: 200 noise-free points drawn as 4x4 squares on a 100x100 canvas,
// from small generators that follow the shapes described in docs (circle, xor, ...). The data
// the network trains on always comes from the server.

import { classCss, cssColor, paintGrid } from "./colors.js";

// A tiny seeded generator (a 32-bit xorshift), so the icons look the same on every visit.
function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

const uniform = (r, a, b) => a + (b - a) * r();
function normal(r) {
  // Box-Muller is enough for a picture
  const u = Math.max(r(), 1e-9);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
}

/** Points [x, y, label] of a data set's icon; labels +1/-1 (classes) or a value (regression). */
export function iconPoints(name, n = 200) {
  const r = rng(12345);
  const pts = [];
  const half = n / 2;
  switch (name) {
    case "circle":
      for (let i = 0; i < n; i++) {
        const inner = i < half;
        const rad = inner ? uniform(r, 0, 2.5) : uniform(r, 3.5, 5);
        const a = uniform(r, 0, 2 * Math.PI);
        pts.push([rad * Math.sin(a), rad * Math.cos(a), inner ? 1 : -1]);
      }
      break;
    case "xor":
      for (let i = 0; i < n; i++) {
        let x = uniform(r, -5, 5);
        let y = uniform(r, -5, 5);
        x += x > 0 ? 0.3 : -0.3;
        y += y > 0 ? 0.3 : -0.3;
        pts.push([x, y, x * y >= 0 ? 1 : -1]);
      }
      break;
    case "gauss":
      for (let i = 0; i < n; i++) {
        const pos = i < half;
        const c = pos ? 2 : -2;
        pts.push([c + normal(r) * 0.7, c + normal(r) * 0.7, pos ? 1 : -1]);
      }
      break;
    case "spiral":
      for (let i = 0; i < half; i++) {
        for (const [delta, label] of [[0, 1], [Math.PI, -1]]) {
          const rad = (5 * i) / half;
          const tt = 1.75 * (i / half) * 2 * Math.PI + delta;
          pts.push([rad * Math.sin(tt), rad * Math.cos(tt), label]);
        }
      }
      break;
    case "moons":
      for (let i = 0; i < n; i++) {
        const upper = i < half;
        const a = uniform(r, 0, Math.PI);
        const x = upper ? Math.cos(a) : 1 - Math.cos(a);
        const y = upper ? Math.sin(a) : 0.5 - Math.sin(a);
        pts.push([(x - 0.5) * 3.5, (y - 0.25) * 3.5, upper ? 1 : -1]);
      }
      break;
    case "reg-plane":
      for (let i = 0; i < n; i++) {
        const x = uniform(r, -6, 6);
        const y = uniform(r, -6, 6);
        pts.push([x, y, (x + y) / 10]);
      }
      break;
    case "reg-gauss": {
      const centres = [[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1], [-4, -2.5, -1], [0, -2.5, 1], [4, -2.5, -1]];
      for (let i = 0; i < n; i++) {
        const x = uniform(r, -6, 6);
        const y = uniform(r, -6, 6);
        let best = 0;
        for (const [cx, cy, s] of centres) {
          const v = s * Math.max(0, Math.min(1, 1 - Math.hypot(x - cx, y - cy) / 2));
          if (Math.abs(v) > Math.abs(best)) best = v;
        }
        pts.push([x, y, best]);
      }
      break;
    }
    default:
      break;
  }
  return pts;
}

/** Draw a data set's icon into a 100x100 canvas. */
export function drawDatasetIcon(canvas, name) {
  const ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const s = canvas.width / 12;
  for (const [x, y, label] of iconPoints(name)) {
    ctx.fillStyle = cssColor(label);
    ctx.fillRect((x + 6) * s - 2, (6 - y) * s - 2, 4, 4);
  }
}

/** The seven input features the interface offers, in the network's input order. */
export const FEATURES = [
  { key: "x", label: "X₁", f: (x) => x },
  { key: "y", label: "X₂", f: (x, y) => y },
  { key: "xSquared", label: "X₁²", f: (x) => x * x },
  { key: "ySquared", label: "X₂²", f: (x, y) => y * y },
  { key: "xTimesY", label: "X₁X₂", f: (x, y) => x * y },
  { key: "sinX", label: "sin(X₁)", f: (x) => Math.sin(x) },
  { key: "sinY", label: "sin(X₂)", f: (x, y) => Math.sin(y) },
];

/** The 10x10 grid of a feature (row 0 at y = -6), values clamped by the colour scale. */
export function featureGrid(feature, n = 10) {
  const rows = [];
  for (let r = 0; r < n; r++) {
    const y = -6 + (12 * (r + 0.5)) / n;
    const row = [];
    for (let c = 0; c < n; c++) row.push(feature.f(-6 + (12 * (c + 0.5)) / n, y));
    rows.push(row);
  }
  return rows;
}

/** Paint a small square grid (a list of rows, or its values row by row: a thumbnail's decoded
 *  codes) into a canvas of the same size. */
export function drawSmallGrid(canvas, grid, opts = {}) {
  const n = Array.isArray(grid) ? grid.length : Math.round(Math.sqrt(grid.length));
  if (!n) return;
  if (canvas.width !== n) {
    canvas.width = n;
    canvas.height = n;
  }
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(n, n);
  paintGrid(img, grid, n, { alpha: 255, ...opts });
  ctx.putImageData(img, 0, 0);
}

/** A CSS colour for a point label, given the problem (2 classes, 3-4 classes, regression). */
export function labelCss(label, numClasses) {
  return numClasses > 2 ? classCss(label) : cssColor(label);
}
