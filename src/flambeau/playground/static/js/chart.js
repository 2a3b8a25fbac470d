// The loss chart: training loss (grey) and test loss (black) over the epochs, on a canvas, with
// the value under the mouse shown in a small label. Points arrive in each frame's `history`.
// The y-range is the running minimum and maximum of all values, as in the playground; when there
// are more points than pixels, every k-th point is drawn (the last one always).

import { formatLoss } from "./format.js";
import { t } from "./i18n.js";

export class LossChart {
  constructor(canvas, hoverLabel) {
    this.canvas = canvas;
    this.ctx = canvas.getContext("2d");
    this.label = hoverLabel;
    this.clear();
    this.hoverIndex = -1;
    canvas.addEventListener("mousemove", (ev) => {
      const rect = canvas.getBoundingClientRect();
      this.hover((ev.clientX - rect.left) / rect.width);
    });
    canvas.addEventListener("mouseleave", () => this.hover(null));
  }

  clear() {
    this.epochs = [];
    this.train = [];
    this.test = [];
    this.min = Infinity;
    this.max = -Infinity;
    this.dirty = true;
  }

  get length() {
    return this.epochs.length;
  }

  /** Append [epoch, loss_train, loss_test] points (null losses are kept as gaps). */
  append(points) {
    for (const [e, tr, te] of points) {
      this.epochs.push(e);
      this.train.push(tr);
      this.test.push(te);
      for (const v of [tr, te]) {
        if (v !== null && Number.isFinite(v)) {
          if (v < this.min) this.min = v;
          if (v > this.max) this.max = v;
        }
      }
    }
    if (points.length) this.dirty = true;
  }

  /** Redraw if anything changed (called once per drawn frame). */
  draw() {
    if (!this.dirty) return;
    this.dirty = false;
    const { canvas, ctx } = this;
    const dpr = window.devicePixelRatio || 1;
    const w = canvas.clientWidth || 300;
    const h = canvas.clientHeight || 70;
    if (canvas.width !== Math.round(w * dpr)) {
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(h * dpr);
    }
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    const n = this.length;
    if (n === 0) return;
    const lo = this.min;
    const hi = this.max > lo ? this.max : lo + 1e-9;
    const pad = 3;
    const x = (i) => (n === 1 ? w / 2 : pad + ((w - 2 * pad) * i) / (n - 1));
    const y = (v) => h - pad - ((h - 2 * pad) * (v - lo)) / (hi - lo);
    const step = Math.max(1, Math.floor(n / (2 * w)));
    const line = (values, color, width) => {
      ctx.strokeStyle = color;
      ctx.lineWidth = width;
      ctx.beginPath();
      let pen = false;
      const visit = (i) => {
        const v = values[i];
        if (v === null || !Number.isFinite(v)) {
          pen = false; // a NaN loss leaves a gap
          return;
        }
        if (pen) ctx.lineTo(x(i), y(v));
        else ctx.moveTo(x(i), y(v));
        pen = true;
      };
      let i = 0;
      for (; i < n; i += step) visit(i);
      if (i - step !== n - 1) visit(n - 1); // always end on the newest point
      ctx.stroke();
    };
    line(this.train, "#777", 1.5);
    line(this.test, "#000", 1.5);
    if (this.hoverIndex >= 0 && this.hoverIndex < n) {
      const hx = x(this.hoverIndex);
      ctx.strokeStyle = "rgba(0,0,0,0.35)";
      ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.moveTo(hx, 0);
      ctx.lineTo(hx, h);
      ctx.stroke();
    }
  }

  /** Show the values at the horizontal position f in [0, 1] (null hides the label). */
  hover(f) {
    const n = this.length;
    if (f === null || n === 0) {
      this.hoverIndex = -1;
      this.label.hidden = true;
    } else {
      const i = Math.max(0, Math.min(n - 1, Math.round(f * (n - 1))));
      this.hoverIndex = i;
      this.label.hidden = false;
      this.label.textContent = t("chartHover", {
        e: this.epochs[i],
        tr: formatLoss(this.train[i]),
        te: formatLoss(this.test[i]),
      });
    }
    this.dirty = true;
    this.draw();
  }
}
