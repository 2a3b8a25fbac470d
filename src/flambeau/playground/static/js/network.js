// The network diagram: input features on the left, the hidden layers, the output neuron(s) on
// the right. Neurons are HTML boxes holding a 10x10 canvas (their output over the plane); links
// are SVG cubic curves whose width and colour show the weight (forward view) or its gradient
// (backward view); a bias is the small square at a neuron's bottom-left corner.
//
// The DOM is built once per network *structure* (features, layer sizes, outputs) and then only
// updated: each frame changes stroke widths, colours and thumbnails in place, and skips the
// writes whose value did not change, so large networks still draw at 30+ frames per second.

import { cssColor, rgbAt } from "./colors.js";
import { b64ToCodes, formatWeight } from "./format.js";
import { isOne, t } from "./i18n.js";
import { drawSmallGrid, FEATURES, featureGrid } from "./thumbs.js";

const SVG_NS = "http://www.w3.org/2000/svg";
const TOP = 56; // room for the per-layer +/- buttons above the columns
const TOUCH_TOP = 100; // on a narrow (touch) screen the buttons are 40 px and stacked
const TOUCH_WIDTH = 560; // narrower than this, the diagram is drawn for fingers
const LEFT = 64; // room for the feature names left of the inputs
const RIGHT = 24;

const rgbCss = ([r, g, b]) => `rgb(${r},${g},${b})`;

/** Width of a link for weight w: |w| in [0, 5] mapped to 1-10 px (clamped), as the original. */
export function weightWidth(w) {
  if (!Number.isFinite(w)) return 1;
  return 1 + (9 * Math.min(Math.abs(w), 5)) / 5;
}

export class NetworkView {
  /**
   * container: the element that holds the diagram. handlers: {toggleFeature(key),
   * hoverNode(id|null), editWeight(layer, to, from, value), editBias(layer, node, value),
   * addNeuron(layerIndex), removeNeuron(layerIndex)}.
   */
  constructor(container, handlers) {
    this.el = container;
    this.h = handlers;
    this.signature = "";
    this.links = []; // links[i][to][from] = {path, w, color}: i = layer - 1
    this.nodes = []; // nodes[l][j] = {box, canvas, bias}
    this.inputBoxes = new Map(); // feature key -> box (all 7 features)
    this.view = "forward";
    this.last = null; // the last frame drawn (for tooltips and the editor)
    this.maxNeurons = 32;
    this.featureThumbnails = null; // {feature: 10x10 grid} from the server's config message
    this.hideLayerControls = false;
    this.tooltip = document.getElementById("tooltip");
    this.editor = document.getElementById("weight-editor");
    this.editorInput = document.getElementById("weight-input");
    this.editorLabel = document.getElementById("weight-editor-label");
    this.editTarget = null;
    this.setupEditor();
    this.panel = document.getElementById("neuron-panel");
    this.touchHelp = document.getElementById("touch-help");
    this.panelFor = null; // [layer, node] of the open panel
    document.getElementById("neuron-panel-close")?.addEventListener("click", () => this.closePanel());
  }

  /**
   * Build the diagram for a structure: features (the enabled feature keys, in input order),
   * shape (hidden layer sizes) and outputs (output neurons). Nothing happens when unchanged.
   */
  setStructure(features, shape, outputs, force = false) {
    const sig = `${features.join(",")}|${shape.join(",")}|${outputs}|${this.el.clientWidth}`;
    if (sig === this.signature && !force) return;
    this.signature = sig;
    this.features = features;
    this.shape = shape;
    this.outputs = outputs;
    this.build();
  }

  build() {
    const el = this.el;
    // the hovered neuron (if any) goes with the old diagram: no mouseleave will ever come for it
    if (this.hovered !== null && this.hovered !== undefined) {
      this.hovered = null;
      this.h.hoverNode(null);
    }
    el.textContent = "";
    this.closeEditor();
    this.closePanel();
    const sizes = [this.features.length, ...this.shape, this.outputs];
    const rows = Math.max(FEATURES.length, ...sizes);
    // the diagram takes the column's width (never more: no sideways scrolling on a phone);
    // smaller neurons when a layer is tall, so 32 neurons still fit on a screen, and 40 px
    // neurons (touch targets) on a narrow screen when they fit
    const available = el.clientWidth || 560;
    const touch = available < TOUCH_WIDTH;
    el.classList.toggle("touch", touch);
    if (this.touch !== touch) {
      this.touch = touch;
      this.h.touchChanged?.();
    }
    if (this.touchHelp) this.touchHelp.hidden = !touch;
    const top = touch ? TOUCH_TOP : TOP;
    const node = touch ? 40 : rows <= 8 ? 30 : rows <= 16 ? 22 : 14;
    const gap = touch ? 8 : rows <= 8 ? 14 : rows <= 16 ? 8 : 5;
    const height = top + rows * (node + gap) + 8;
    const ncols = sizes.length;
    // columns never closer than a neuron and room for its links (fingers: its 40 px buttons
    // too); a network wider than the column scrolls inside the diagram, never the page
    const spacing = node + (touch ? 24 : 10);
    const width = Math.max(available, LEFT + RIGHT + node + (ncols - 1) * spacing);
    el.classList.toggle("wide", width > available);
    el.style.height = `${height + (width > available ? 16 : 0)}px`; // room for a scrollbar
    const colX = (c) => LEFT + ((width - LEFT - RIGHT - node) * c) / (ncols - 1);
    const rowY = (j) => top + j * (node + gap);
    this.geom = { node, colX, rowY };

    const svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("class", "links");
    svg.setAttribute("width", width);
    svg.setAttribute("height", height);
    svg.setAttribute("aria-hidden", "true");
    const drawn = document.createElementNS(SVG_NS, "g"); // the visible links
    drawn.setAttribute("class", "link-lines");
    const hits = document.createElementNS(SVG_NS, "g"); // wide transparent copies for the mouse
    hits.setAttribute("class", "link-hits");
    svg.append(drawn, hits);
    el.appendChild(svg);
    this.linkGroup = drawn;

    // input column: every feature, the disabled ones faded; their own thumbnails are local
    this.inputBoxes.clear();
    this.nodes = [[]];
    FEATURES.forEach((f, row) => {
      const active = this.features.indexOf(f.key);
      const box = this.makeNode(colX(0), rowY(row), node, "input");
      box.classList.toggle("inactive", active < 0);
      box.setAttribute("role", "button");
      box.setAttribute("aria-pressed", String(active >= 0));
      box.setAttribute("aria-label", t("feature", { name: f.label }));
      box.id = `feature-${f.key}`;
      const label = document.createElement("span");
      label.className = "feature-label";
      label.textContent = f.label;
      box.appendChild(label);
      const thumbnail = this.featureThumbnails?.[f.key]; // 8-bit codes, as the neurons'
      drawSmallGrid(box.querySelector("canvas"), thumbnail ? b64ToCodes(thumbnail) : featureGrid(f));
      box.addEventListener("click", () => this.h.toggleFeature(f.key));
      box.addEventListener("keydown", (ev) => {
        if (ev.key === "Enter" || ev.key === " ") {
          ev.preventDefault();
          this.h.toggleFeature(f.key);
        }
      });
      this.inputBoxes.set(f.key, box);
      if (active >= 0) {
        this.nodes[0][active] = { box, canvas: box.querySelector("canvas"), row };
        this.hoverable(box, `0:${active}`);
      }
    });

    // hidden and output columns
    for (let l = 1; l < sizes.length; l++) {
      const isOut = l === sizes.length - 1;
      const layer = [];
      for (let j = 0; j < sizes[l]; j++) {
        const box = this.makeNode(colX(l), rowY(j), node, isOut ? "output" : "hidden");
        box.tabIndex = 0;
        box.id = `node-${l}-${j}`;
        box.setAttribute(
          "aria-label",
          isOut ? t("outputNode", { j: j + 1 }) : t("node", { j: j + 1, l }),
        );
        // the bias: a small square to click with a mouse; for fingers (too small a target) only
        // drawn, and a tap on the neuron opens its panel (bias and incoming weights)
        const bias = document.createElement(touch ? "span" : "button");
        bias.className = "bias";
        bias.id = `bias-${l}-${j}`;
        if (touch) {
          bias.setAttribute("aria-hidden", "true");
          box.addEventListener("click", () => this.openPanel(l, j));
        } else {
          bias.setAttribute("aria-label", `${t("editBias")} ${l}:${j + 1}`);
          bias.addEventListener("click", (ev) => {
            ev.stopPropagation();
            this.openEditor(ev, { kind: "bias", layer: l, node: j });
          });
          bias.addEventListener("mouseenter", (ev) => this.showTip(ev, this.biasTip(l, j)));
          bias.addEventListener("mouseleave", () => this.hideTip());
        }
        box.appendChild(bias);
        layer.push({ box, canvas: box.querySelector("canvas"), bias, row: j });
        this.hoverable(box, `${l}:${j}`);
      }
      this.nodes.push(layer);
      if (!isOut) this.layerButtons(l, colX(l), node, sizes[l], colX(1) - colX(0));
    }

    // links, from the right edge of a neuron to the left edge of the next layer's
    this.links = [];
    for (let l = 1; l < sizes.length; l++) {
      const rowsOut = [];
      for (let to = 0; to < sizes[l]; to++) {
        const row = [];
        for (let from = 0; from < sizes[l - 1]; from++) {
          const src = this.nodes[l - 1][from];
          const x1 = colX(l - 1) + node;
          const y1 = rowY(src.row) + node / 2;
          const x2 = colX(l);
          const y2 = rowY(to) + node / 2;
          const mx = (x1 + x2) / 2;
          const d = `M${x1},${y1}C${mx},${y1} ${mx},${y2} ${x2},${y2}`;
          const path = document.createElementNS(SVG_NS, "path");
          path.setAttribute("d", d);
          drawn.appendChild(path);
          const hit = document.createElementNS(SVG_NS, "path");
          hit.setAttribute("d", d);
          hit.id = `link-${l}-${to}-${from}`;
          const where = { kind: "weight", layer: l, to, from };
          hit.addEventListener("mouseenter", (ev) => this.showTip(ev, this.weightTip(l, to, from)));
          hit.addEventListener("mousemove", (ev) => this.moveTip(ev));
          hit.addEventListener("mouseleave", () => this.hideTip());
          hit.addEventListener("click", (ev) => this.openEditor(ev, where));
          hits.appendChild(hit);
          row.push({ path, w: -1, color: "" });
        }
        rowsOut.push(row);
      }
      this.links.push(rowsOut);
    }
    if (this.last) this.update(this.last, this.view);
  }

  makeNode(x, y, size, kind) {
    const box = document.createElement("div");
    box.className = `node ${kind}`;
    box.style.left = `${x}px`;
    box.style.top = `${y}px`;
    box.style.width = `${size}px`;
    box.style.height = `${size}px`;
    const canvas = document.createElement("canvas");
    canvas.width = 10;
    canvas.height = 10;
    box.appendChild(canvas);
    this.el.appendChild(box);
    return box;
  }

  /** + and - buttons (and the neuron count) above hidden layer l. */
  layerButtons(l, x, node, count, spacing) {
    const wrap = document.createElement("div");
    wrap.className = "layer-buttons";
    wrap.dataset.hide = "numHiddenLayers";
    wrap.style.left = `${x + node / 2}px`;
    const plus = document.createElement("button");
    plus.id = `add-neuron-${l}`;
    plus.textContent = "+";
    plus.setAttribute("aria-label", t("addNeuron", { n: l }));
    plus.disabled = count >= this.maxNeurons;
    plus.addEventListener("click", () => this.h.addNeuron(l - 1));
    const minus = document.createElement("button");
    minus.id = `remove-neuron-${l}`;
    minus.textContent = "−";
    minus.setAttribute("aria-label", t("removeNeuron", { n: l }));
    minus.disabled = count <= 1;
    minus.addEventListener("click", () => this.h.removeNeuron(l - 1));
    const label = document.createElement("div");
    label.className = "layer-count";
    // narrow columns (many layers) show the bare count
    label.textContent = spacing < 80 ? String(count) : `${count} ${isOne(count) ? t("neuron") : t("neurons")}`;
    wrap.append(plus, minus, label);
    wrap.hidden = this.hideLayerControls;
    this.el.appendChild(wrap);
  }

  hoverable(box, id) {
    const enter = () => {
      this.hovered = id;
      this.h.hoverNode(id);
    };
    const leave = () => {
      if (this.hovered !== id) return;
      this.hovered = null;
      this.h.hoverNode(null);
    };
    box.addEventListener("mouseenter", enter);
    box.addEventListener("mouseleave", leave);
    box.addEventListener("focus", enter);
    box.addEventListener("blur", leave);
  }

  /** Draw a frame: link widths and colours, biases, thumbnails, deltas (backward view). */
  update(frame, view) {
    this.last = frame;
    this.view = view;
    const backward = view === "backward" && frame.grads;
    const values = backward ? frame.grads : frame.weights;
    if (!values || values.length !== this.links.length) return;
    let scale = 1;
    if (backward) {
      // gradients have no natural size: show them relative to the largest one
      let m = 0;
      for (const layer of values) for (const row of layer) for (const g of row) m = Math.max(m, Math.abs(g) || 0);
      scale = m > 0 ? 1 / m : 1;
    }
    const dead = frame.dead; // L1: links set to 0 for good, drawn thin and grey
    for (let i = 0; i < this.links.length; i++) {
      const layer = this.links[i];
      const vals = values[i];
      const deadLayer = dead && dead[i];
      if (!vals || vals.length !== layer.length) continue;
      for (let to = 0; to < layer.length; to++) {
        const row = layer[to];
        const vr = vals[to];
        for (let from = 0; from < row.length; from++) {
          const v = vr[from];
          const link = row[from];
          const isDead = deadLayer && deadLayer[to] && deadLayer[to][from];
          const width = isDead ? 0.5 : backward ? 1 + 9 * Math.abs(v * scale) : weightWidth(v);
          const w = Math.round(width * 4) / 4; // quarter pixels: skip invisible changes
          const color = isDead ? "rgb(210,210,210)" : rgbCss(rgbAt(backward ? v * scale : v));
          if (w !== link.w) {
            link.path.setAttribute("stroke-width", w);
            link.w = w;
          }
          if (color !== link.color) {
            link.path.setAttribute("stroke", color);
            link.color = color;
          }
        }
      }
    }
    // the links' dashes flow with the epochs
    this.linkGroup.style.strokeDashoffset = String(-(frame.epoch || 0) / 3);

    // biases and deltas
    const biases = backward ? frame.bias_grads : frame.biases;
    let bscale = 1;
    if (backward && biases) {
      let m = 0;
      for (const layer of biases) for (const b of layer) m = Math.max(m, Math.abs(b) || 0);
      bscale = m > 0 ? 1 / m : 1;
    }
    let dscale = 1;
    if (backward && frame.deltas) {
      let m = 0;
      for (const layer of frame.deltas) for (const d of layer) m = Math.max(m, Math.abs(d) || 0);
      dscale = m > 0 ? 1 / m : 1;
    }
    for (let l = 1; l < this.nodes.length; l++) {
      const b = biases && biases[l - 1];
      const d = frame.deltas && frame.deltas[l - 1];
      this.nodes[l].forEach((n, j) => {
        if (b) n.bias.style.background = cssColor(b[j] * bscale);
        if (backward && d) {
          const v = d[j] * dscale;
          n.box.style.outline = `${Math.max(1, Math.round(Math.abs(v) * 5))}px solid ${rgbCss(rgbAt(v))}`;
        } else if (n.box.style.outline) n.box.style.outline = "";
      });
    }

    // thumbnails of every neuron the server sent (inputs too), 10x10 8-bit codes in base64
    if (frame.neurons) {
      for (let l = 0; l < this.nodes.length; l++) {
        this.nodes[l].forEach((n, j) => {
          const codes = frame.neurons[`${l}:${j}`];
          if (codes) drawSmallGrid(n.canvas, b64ToCodes(codes));
        });
      }
    }
    // keep an open tooltip's number current, and the panel's fields but the one being typed in
    if (this.tipFor) this.tooltip.textContent = this.tipFor();
    if (this.panelFor) this.fillPanel(false);
  }

  // ---- the neuron's panel (narrow screens): its bias and incoming weights, 40 px fields ------

  /** The name of neuron `j` of layer `l` as the panel's labels say it. */
  nodeName(l, j) {
    if (l === 0) return FEATURES.find((f) => f.key === this.features[j])?.label ?? String(j + 1);
    return l === this.nodes.length - 1 ? t("outputNode", { j: j + 1 }) : t("nodeName", { j: j + 1, l });
  }

  openPanel(l, j) {
    if (!this.panel || !this.last || !this.last.weights) return;
    this.panelFor = [l, j];
    const list = document.getElementById("neuron-panel-fields");
    list.textContent = "";
    document.getElementById("neuron-panel-title").textContent = this.nodeName(l, j);
    const field = (id, label, apply) => {
      const row = document.createElement("label");
      row.className = "panel-field";
      const name = document.createElement("span");
      name.textContent = label;
      const input = document.createElement("input");
      input.type = "number";
      input.step = "any";
      input.id = id;
      input.addEventListener("change", () => {
        const v = Number(input.value);
        if (input.value.trim() !== "" && Number.isFinite(v)) apply(v);
      });
      row.append(name, input);
      list.appendChild(row);
    };
    field("panel-bias", t("editBias"), (v) => this.h.editBias(l, j, v));
    for (let from = 0; from < this.nodes[l - 1].length; from++) {
      field(`panel-weight-${from}`, t("weightFrom", { name: this.nodeName(l - 1, from) }),
        (v) => this.h.editWeight(l, j, from, v));
    }
    this.fillPanel(true);
    this.panel.hidden = false;
  }

  /** The panel's fields from the last frame (`all`: the focused one too). */
  fillPanel(all) {
    const f = this.last;
    const [l, j] = this.panelFor;
    if (!f || !f.weights || !f.weights[l - 1] || !f.weights[l - 1][j]) return this.closePanel();
    const put = (id, v) => {
      const input = document.getElementById(id);
      if (input && (all || document.activeElement !== input)) {
        input.value = v === undefined || v === null ? "" : Number(Number(v).toPrecision(4));
      }
    };
    put("panel-bias", f.biases?.[l - 1]?.[j]);
    f.weights[l - 1][j].forEach((w, from) => put(`panel-weight-${from}`, w));
  }

  closePanel() {
    this.panelFor = null;
    if (this.panel) this.panel.hidden = true;
  }

  // ---- tooltips and the weight editor -------------------------------------------------------

  weightTip(l, to, from) {
    return () => {
      const f = this.last;
      if (!f || !f.weights) return "";
      const w = f.weights[l - 1]?.[to]?.[from];
      let s = t("weightIs", { v: formatWeight(w) });
      if (this.view === "backward" && f.grads) s += ` · ${t("gradIs", { v: formatWeight(f.grads[l - 1]?.[to]?.[from]) })}`;
      return s;
    };
  }

  biasTip(l, j) {
    return () => {
      const f = this.last;
      if (!f || !f.biases) return "";
      let s = t("biasIs", { v: formatWeight(f.biases[l - 1]?.[j]) });
      if (this.view === "backward") {
        if (f.bias_grads) s += ` · ${t("gradIs", { v: formatWeight(f.bias_grads[l - 1]?.[j]) })}`;
        if (f.deltas) s += ` · ${t("deltaIs", { v: formatWeight(f.deltas[l - 1]?.[j]) })}`;
      }
      return s;
    };
  }

  showTip(ev, text) {
    this.tipFor = text;
    this.tooltip.textContent = text();
    this.tooltip.hidden = false;
    this.moveTip(ev);
  }

  moveTip(ev) {
    this.tooltip.style.left = `${ev.pageX + 12}px`;
    this.tooltip.style.top = `${ev.pageY + 12}px`;
  }

  hideTip() {
    this.tipFor = null;
    this.tooltip.hidden = true;
  }

  setupEditor() {
    const input = this.editorInput;
    const apply = () => {
      const target = this.editTarget;
      const v = Number(input.value);
      if (!target || input.value.trim() === "" || !Number.isFinite(v)) return;
      if (target.kind === "weight") this.h.editWeight(target.layer, target.to, target.from, v);
      else this.h.editBias(target.layer, target.node, v);
    };
    input.addEventListener("change", apply);
    input.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter") {
        apply();
        this.closeEditor();
      } else if (ev.key === "Escape") this.closeEditor();
    });
    // leaving the field closes it, unless a click on another link reopened it meanwhile
    input.addEventListener("blur", () =>
      setTimeout(() => document.activeElement !== input && this.closeEditor(), 0),
    );
  }

  /** A click on a link or a bias: a number field at the mouse, applied as it changes. */
  openEditor(ev, target) {
    const f = this.last;
    if (!f || !f.weights) return;
    this.hideTip();
    this.editTarget = target;
    const v =
      target.kind === "weight"
        ? f.weights[target.layer - 1]?.[target.to]?.[target.from]
        : f.biases?.[target.layer - 1]?.[target.node];
    this.editorLabel.textContent = target.kind === "weight" ? t("editWeight") : t("editBias");
    this.editorInput.value = v === undefined || v === null ? "" : Number(v.toPrecision(4));
    this.editor.hidden = false;
    this.editor.style.left = `${ev.pageX + 6}px`;
    this.editor.style.top = `${ev.pageY - 14}px`;
    this.editorInput.focus();
    this.editorInput.select();
  }

  closeEditor() {
    if (this.editor) this.editor.hidden = true;
    this.editTarget = null;
  }
}
