// The output panel's big picture: the network's output over [-6, 6]² as a 100x100 heatmap
// (canvas #heatmap, scaled up by CSS), the data points on a second canvas above it, and the
// axes. A click on it adds a point of the user's own data.

import { paintGrid, shadeRgb } from "./colors.js";
import { labelCss } from "./thumbs.js";

const DOMAIN = 6; // the plane shown is [-DOMAIN, DOMAIN]²

export class OutputView {
  /**
   * heatmap: the 100x100 canvas; points: the overlay canvas; axes: an <svg> for the ticks;
   * onClick(x, y, shiftKey): a click at data coordinates (x, y).
   */
  constructor({ heatmap, points, axes, onClick }) {
    this.canvas = heatmap;
    this.ctx = heatmap.getContext("2d");
    this.n = heatmap.width;
    this.image = this.ctx.createImageData(this.n, this.n);
    this.pointsCanvas = points;
    this.pctx = points.getContext("2d");
    this.opts = { discretize: false, showTestData: false, numClasses: 2, regression: false };
    this.output = null; // the network's output grid (Float32Array, n*n)
    this.classes = null; // 3-4 classes: the winning class of each cell (Uint8Array)
    this.nodeGrid = null; // a hovered neuron's grid, shown instead of the output
    this.train = [];
    this.test = [];
    this.drawAxes(axes);
    points.addEventListener("click", (ev) => {
      const rect = points.getBoundingClientRect();
      const x = -DOMAIN + (2 * DOMAIN * (ev.clientX - rect.left)) / rect.width;
      const y = DOMAIN - (2 * DOMAIN * (ev.clientY - rect.top)) / rect.height;
      onClick(Math.max(-DOMAIN, Math.min(DOMAIN, x)), Math.max(-DOMAIN, Math.min(DOMAIN, y)), ev.shiftKey);
    });
  }

  /** Display options from the config; redraws when something changed. */
  setOptions(opts) {
    const changed = Object.keys(opts).some((k) => this.opts[k] !== opts[k]);
    if (opts.regression !== this.opts.regression || opts.numClasses !== this.opts.numClasses) {
      // the points shown belong to the previous problem (their labels would mean nothing now):
      // the frame that follows this config brings the new data set's points
      this.train = [];
      this.test = [];
    }
    Object.assign(this.opts, opts);
    if (changed) {
      this.drawHeatmap();
      this.drawPoints();
    }
  }

  /** A new output grid from a frame; with 3-4 classes `grid` is the winning class's
   *  probability and `classes` the class of each cell. */
  setOutput(grid, classes) {
    this.output = grid;
    this.classes = classes;
    if (!this.nodeGrid) this.drawHeatmap();
  }

  /** Show a hovered neuron's full-resolution output (null: back to the network's output). */
  showNode(grid) {
    this.nodeGrid = grid;
    this.drawHeatmap();
  }

  setPoints(points) {
    this.train = points.train || [];
    this.test = points.test || [];
    this.drawPoints();
  }

  drawHeatmap() {
    const grid = this.nodeGrid || this.output;
    if (!grid || grid.length !== this.n * this.n) return;
    const classes = !this.nodeGrid && this.classes && this.classes.length === grid.length ? this.classes : null;
    paintGrid(this.image, grid, this.n, {
      discretize: this.opts.discretize && !this.nodeGrid,
      classes,
    });
    this.ctx.putImageData(this.image, 0, 0);
  }

  drawPoints() {
    const c = this.pointsCanvas;
    // sharp circles on high-density screens: the canvas is CSS size x devicePixelRatio
    const dpr = window.devicePixelRatio || 1;
    const css = c.clientWidth || 300;
    if (c.width !== Math.round(css * dpr)) {
      c.width = Math.round(css * dpr);
      c.height = Math.round(css * dpr);
    }
    const ctx = this.pctx;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, c.width, c.height);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const s = css / (2 * DOMAIN);
    const k = this.opts.regression ? 2 : this.opts.numClasses;
    const draw = (pts, stroke) => {
      ctx.strokeStyle = stroke;
      ctx.lineWidth = 1;
      for (const [x, y, label] of pts) {
        if (Math.abs(x) > DOMAIN || Math.abs(y) > DOMAIN) continue; // as the original: not drawn
        ctx.beginPath();
        ctx.arc((x + DOMAIN) * s, (DOMAIN - y) * s, 3, 0, 2 * Math.PI);
        ctx.fillStyle = labelCss(label, k);
        ctx.fill();
        ctx.stroke();
      }
    };
    draw(this.train, "#fff");
    if (this.opts.showTestData) draw(this.test, "#222");
  }

  /** Ticks every unit on the bottom and right edges, labels every 2 units. */
  drawAxes(svg) {
    if (!svg) return;
    const ns = "http://www.w3.org/2000/svg";
    const size = 300;
    const s = size / (2 * DOMAIN);
    const add = (tag, attrs, text) => {
      const el = document.createElementNS(ns, tag);
      for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
      if (text !== undefined) el.textContent = text;
      svg.appendChild(el);
    };
    add("line", { x1: 0, y1: size, x2: size, y2: size, class: "axis" });
    add("line", { x1: size, y1: 0, x2: size, y2: size, class: "axis" });
    for (let v = -DOMAIN; v <= DOMAIN; v++) {
      const p = (v + DOMAIN) * s;
      const label = v % 2 === 0;
      add("line", { x1: p, y1: size, x2: p, y2: size + (label ? 5 : 3), class: "axis" });
      add("line", { x1: size, y1: size - p, x2: size + (label ? 5 : 3), y2: size - p, class: "axis" });
      if (label) {
        add("text", { x: p, y: size + 15, "text-anchor": "middle" }, String(v));
        add("text", { x: size + 8, y: size - p + 4 }, String(v));
      }
    }
  }
}

/** The colour legend: the quantised scale from -1 (left) to 1 (right) in a small canvas. */
export function drawLegend(canvas) {
  const ctx = canvas.getContext("2d");
  const w = canvas.width;
  for (let i = 0; i < w; i++) {
    const [r, g, b] = shadeRgb(-1 + (2 * i) / (w - 1));
    ctx.fillStyle = `rgb(${r},${g},${b})`;
    ctx.fillRect(i, 0, 1, canvas.height);
  }
}
