// The playground page: wires the controls, the WebSocket and the views together.
//
// The server owns the experiment (docs/playground-protocol.md). The page sends what the user
// does (`set`, `play`, `step`, ...) and redraws from what comes back: a `config` message
// re-renders the controls and the network's structure, a `frame` message the numbers, the chart,
// the heatmap and the network's weights. Frames are drawn on the next animation frame; when
// several arrive in between, only the newest is drawn (their loss histories are all kept) and
// one cumulative `ack` answers them, so the server never runs more than 2 frames ahead.

import { Connection, socketUrl } from "./socket.js";
import { LossChart } from "./chart.js";
import { classCss } from "./colors.js";
import {
  b64ToBytes, b64ToCodes, b64ToFloat32, bytesToB64, decodeParameters, formatEpoch, formatLoss, formatNumber,
  formatPercent, parseShape, saveFile, truthy,
} from "./format.js";
import { applyTranslations, getLang, initialLang, isOne, setLang, t } from "./i18n.js";
import { errorText } from "./messages.js";
import { drawLegend, OutputView } from "./heatmap.js";
import { NetworkView } from "./network.js";
import { drawDatasetIcon, FEATURES } from "./thumbs.js";

const $ = (id) => document.getElementById(id);

// The limits of every control (menus, slider ranges, sizes, data sets, file sizes) are the
// server's: they come in every `config` message (config.limits()); nothing is drawn before.

const state = {
  config: null,
  limits: null, // the server's, in the page's names (readLimits)
  hash: null, // the last canonical hash from the server
  playing: false,
  serverPlaying: false, // the last frame's word on playing
  view: "forward",
  pending: null, // frames received but not drawn yet, merged
  scheduled: false,
  lastEpoch: -1,
  hover: null, // id of the hovered neuron, or null
  nodeAsked: false, // a `node` request is in flight
  code: null, // the last exported script {filename, text}
  drawMs: 0, // average time to draw a frame
  framesDrawn: 0,
};

const conn = new Connection(socketUrl());
const send = (type, fields = {}) => conn.send({ type, ...fields });
const set = (changes) => send("set", { changes });

// ---- views -------------------------------------------------------------------------------

const output = new OutputView({
  heatmap: $("heatmap"),
  points: $("points"),
  axes: $("heatmap-axes"),
  onClick: (x, y, shift) => addPoint(x, y, shift),
});
const chart = new LossChart($("loss-chart"), $("chart-hover"));
const network = new NetworkView($("network"), {
  toggleFeature: (key) => set({ [key]: !truthy(state.config?.[key]) }),
  hoverNode: (id) => hoverNode(id),
  editWeight: (layer, to, from, value) => send("set_weight", { layer, to, from, value }),
  editBias: (layer, node, value) => send("set_bias", { layer, node, value }),
  addNeuron: (i) => changeShape((s) => (s[i] = Math.min(s[i] + 1, state.limits.maxNeurons))),
  removeNeuron: (i) => changeShape((s) => (s[i] = Math.max(s[i] - 1, 1))),
  touchChanged: () => drawNetworkLegend(),
});

/** The diagram's legend: the view's, in its words for a mouse or for fingers (network.touch). */
function drawNetworkLegend() {
  const key = state.view === "backward" ? "backwardLegend" : network.touch ? "forwardLegendTouch" : "forwardLegend";
  $("network-legend").textContent = t(key);
}

function changeShape(edit) {
  if (!state.config) return;
  const shape = parseShape(state.config.networkShape);
  edit(shape);
  set({ networkShape: shape.join(",") });
}

function addPoint(x, y, shift) {
  // the own data go with the data set's control: hidden (classroom) means no clicking points in
  if (!state.config || truthy(state.config.dataset_hide)) return;
  const regression = state.config.problem === "regression";
  const k = regression ? 2 : Number(state.config.numClasses) || 2;
  let label = Number($("point-class").value);
  if (shift) {
    // the other class: the opposite sign with 2 classes, the next class with 3-4
    label = k > 2 ? (label + 1) % k : -label;
  }
  send("add_point", { x: round3(x), y: round3(y), label });
}
const round3 = (v) => Math.round(v * 1000) / 1000;

function hoverNode(id) {
  state.hover = id;
  if (id === null) {
    output.showNode(null);
    send("node", { id: null });
  } else askNode();
}

function askNode() {
  if (state.hover === null || state.nodeAsked) return;
  state.nodeAsked = true;
  send("node", { id: state.hover });
}

// ---- the data set picker -----------------------------------------------------------------

/** The data set buttons, from the server's lists (the own data are not a button). */
function buildDatasets(L) {
  const box = $("datasets");
  if (box.children.length) return;
  const lists = { classification: L.dataset, regression: L.regDataset };
  for (const [problem, all] of Object.entries(lists)) {
    for (const name of all.filter((n) => n !== "custom")) {
      const b = document.createElement("button");
      b.id = `dataset-${name}`;
      b.className = "dataset";
      b.dataset.problem = problem;
      b.dataset.i18nAria = `ds-${name}`;
      b.dataset.i18nTitle = `ds-${name}`;
      const c = document.createElement("canvas");
      c.width = 100;
      c.height = 100;
      drawDatasetIcon(c, name);
      b.appendChild(c);
      b.addEventListener("click", () => {
        set(problem === "regression" ? { regDataset: name } : { dataset: name });
      });
      box.appendChild(b);
    }
  }
  applyTranslations(box);
}

// ---- controls -----------------------------------------------------------------------------

/** Fill a <select> with values (labels from labelOf), keeping `current` selectable. */
function fillSelect(select, values, current, labelOf = formatNumber) {
  const list = [...values];
  if (current !== undefined && current !== null && !list.some((v) => String(v) === String(current))) {
    list.push(current); // a value from a hash that the list lacks (e.g. learningRate=0.05)
  }
  const key = list.map(String).join("|") + getLang();
  if (select.dataset.key !== key) {
    select.textContent = "";
    for (const v of list) {
      const o = document.createElement("option");
      o.value = String(v);
      o.textContent = labelOf(v);
      select.appendChild(o);
    }
    select.dataset.key = key;
  }
  if (current !== undefined && current !== null) select.value = String(current);
}

function setSlider(id, value, [min, max]) {
  const input = $(id);
  input.min = min;
  input.max = max;
  // a hash may give a value beyond the slider's range: show it as it is
  if (document.activeElement !== input) input.value = value;
  $(`${id}-value`).textContent = value;
}

/** Redraw every control from the server's config. */
function renderControls() {
  const c = state.config;
  const L = state.limits;
  const regression = c.problem === "regression";
  const k = Number(c.numClasses) || 2;
  document.body.classList.toggle("regression", regression);

  fillSelect($("learning-rate"), L.learningRate, c.learningRate);
  fillSelect($("activation"), L.activation, c.activation, (v) => t(`act-${v}`));
  fillSelect($("regularization"), L.regularization, c.regularization, (v) => (v === "none" ? t("none") : v));
  fillSelect($("regularization-rate"), L.regularizationRate, c.regularizationRate);
  fillSelect($("num-classes"), L.numClasses, k);
  $("problem").value = c.problem;
  $("loss").value = c.loss || "playground";
  $("optimizer").value = c.optimizer || "sgd";
  $("view-switch").value = c.view || "forward";
  $("lang-switch").value = getLang();

  setSlider("perc-train", c.percTrainData, L.percTrainData);
  setSlider("noise", c.noise, L.noise);
  setSlider("batch-size", c.batchSize, L.batchSize);
  setSlider("speed", c.speed ?? 1, L.speed);
  if (document.activeElement !== $("stop-epochs")) $("stop-epochs").value = c.stopEpochs ?? 0;
  if (document.activeElement !== $("stop-test-loss")) $("stop-test-loss").value = c.stopTestLoss ?? 0;
  $("show-test-data").checked = truthy(c.showTestData);
  $("discretize").checked = truthy(c.discretize);

  // data sets: the problem's own, the chosen one pressed
  const chosen = regression ? c.regDataset : c.dataset;
  for (const b of $("datasets").children) {
    const allowed = (b.dataset.problem === "regression" ? L.regDataset : L.dataset) || [];
    const name = b.id.slice("dataset-".length);
    b.hidden = b.dataset.problem !== c.problem || (allowed.length > 0 && !allowed.includes(name));
    b.classList.toggle("selected", name === chosen);
    b.setAttribute("aria-pressed", String(name === chosen));
  }
  $("custom-note").hidden = c.dataset !== "custom" || regression;

  // with 3-4 classes a swatch per class explains the output's colours
  const legend = $("class-legend");
  legend.hidden = regression || k <= 2;
  if (!legend.hidden && legend.dataset.key !== `${k}${getLang()}`) {
    legend.textContent = "";
    for (let i = 0; i < k; i++) {
      const item = document.createElement("span");
      const sw = document.createElement("span");
      sw.className = "swatch";
      sw.style.background = classCss(i);
      item.append(sw, t("classN", { n: i }));
      legend.appendChild(item);
    }
    legend.dataset.key = `${k}${getLang()}`;
  }

  // the class of new points
  const classes = regression || k === 2 ? [1, -1] : [...Array(k).keys()];
  const labelOf = (v) => (k > 2 && !regression ? t("classN", { n: v }) : v > 0 ? t("classPos") : t("classNeg"));
  const previous = $("point-class").value;
  const keep = previous !== "" && classes.includes(Number(previous));
  fillSelect($("point-class"), classes, keep ? Number(previous) : classes[0], labelOf);

  // the network's layers
  const shape = parseShape(c.networkShape);
  $("layer-count").textContent = shape.length;
  $("layer-word").dataset.i18n = isOne(shape.length) ? "hiddenLayer" : "hiddenLayers";
  $("layer-word").textContent = t($("layer-word").dataset.i18n);
  $("add-layer").disabled = shape.length >= L.maxLayers;
  $("remove-layer").disabled = shape.length === 0;

  // classroom mode: `NAME_hide=true` hides that control; hideText the texts
  for (const el of document.querySelectorAll("[data-hide]")) el.hidden = truthy(c[`${el.dataset.hide}_hide`]);
  network.hideLayerControls = truthy(c.numHiddenLayers_hide);
  document.body.classList.toggle("hide-text", truthy(c.hideText));

  state.view = c.view || "forward";
  drawNetworkLegend();
}

// the teacher's own tab, opened from the teacher page (/?teacher=KEY): the server knows it
const TEACHER_KEY = new URLSearchParams(location.search).get("teacher");

/** The `hello` message for a hash (the teacher's key, if any, with it). */
function hello(hash) {
  return TEACHER_KEY ? { hash, teacher: TEACHER_KEY } : { hash };
}

/** The server's `limits` (snake_case names, see config.limits()) in the page's names. */
function readLimits(l) {
  const out = {};
  const map = {
    maxLayers: "max_layers",
    maxNeurons: "max_neurons",
    learningRate: "learning_rates",
    regularizationRate: "regularization_rates",
    activation: "activations",
    regularization: "regularizations",
    dataset: "datasets",
    regDataset: "reg_datasets",
    numClasses: "num_classes",
    batchSize: "batch_size_slider",
    noise: "noise",
    percTrainData: "perc_train_data",
    speed: "speed",
    maxWeightsBytes: "max_weights_bytes",
    maxCsvBytes: "max_csv_chars",
    maxConfigBytes: "max_config_chars",
  };
  for (const [key, name] of Object.entries(map)) {
    const v = l[name];
    if (v !== undefined && v !== null) out[key] = v;
  }
  return out;
}

/** The network's structure as the config describes it. */
function structureFromConfig() {
  const c = state.config;
  const features = state.inputs || FEATURES.filter((f) => truthy(c[f.key])).map((f) => f.key);
  const shape = parseShape(c.networkShape);
  const k = Number(c.numClasses) || 2;
  const outputs = state.outputs || (c.problem !== "regression" && c.loss === "cross_entropy" ? k : 1);
  return { features, shape, outputs };
}

function onConfig(msg) {
  state.full = false;
  state.config = msg.config;
  state.inputs = Array.isArray(msg.inputs) ? msg.inputs : null;
  state.outputs = Number.isInteger(msg.outputs) ? msg.outputs : null;
  if (msg.feature_thumbnails) network.featureThumbnails = msg.feature_thumbnails;
  if (msg.limits) state.limits = readLimits(msg.limits);
  buildDatasets(state.limits);
  network.maxNeurons = state.limits.maxNeurons;
  if (typeof msg.hash === "string") {
    state.hash = msg.hash;
    history.replaceState(null, "", `#${msg.hash}`);
    // a `lang` written in the hash (a shared link) sets the language of this view
    const lang = new URLSearchParams(msg.hash).get("lang");
    if (lang && lang !== getLang()) changeLanguage(lang, false);
  }
  renderControls();
  showNotice(msg.notice);
  const s = structureFromConfig();
  network.setStructure(s.features, s.shape, s.outputs, true);
  const c = state.config;
  output.setOptions({
    discretize: truthy(c.discretize),
    showTestData: truthy(c.showTestData),
    numClasses: Number(c.numClasses) || 2,
    regression: c.problem === "regression",
  });
}

// ---- frames -----------------------------------------------------------------------------

function onFrame(msg) {
  const p = state.pending;
  if (p) {
    // keep every history point since the last reset, and the newest points list
    if (!msg.history_reset) {
      msg.history = [...(p.history || []), ...(msg.history || [])];
      if (p.history_reset) msg.history_reset = true;
    }
    if (!msg.points && p.points) msg.points = p.points;
    if (!msg.stopped && p.stopped) msg.stopped = p.stopped;
  }
  state.pending = msg;
  if (!state.scheduled) {
    state.scheduled = true;
    requestAnimationFrame(drawPending);
  }
}

function drawPending() {
  state.scheduled = false;
  const f = state.pending;
  state.pending = null;
  if (!f) return;
  const start = performance.now();
  try {
    drawFrame(f);
  } finally {
    // a running average of the drawing time, and a count, for the curious (and the tests)
    state.drawMs = 0.9 * state.drawMs + 0.1 * (performance.now() - start);
    state.framesDrawn += 1;
    if (typeof f.frame === "number") send("ack", { frame: f.frame });
  }
}

function drawFrame(f) {
  decodeParameters(f); // weights, biases, gradients: nested lists from here on
  // the chart starts again for a new network (the server says so) or when the epoch goes back
  if (f.history_reset || (typeof f.epoch === "number" && f.epoch < state.lastEpoch)) chart.clear();
  state.lastEpoch = f.epoch ?? state.lastEpoch;
  for (const pt of f.history || []) {
    const n = chart.length;
    if (n && pt[0] < chart.epochs[n - 1]) chart.clear();
    if (chart.length && pt[0] === chart.epochs[chart.length - 1]) {
      // the same epoch again (a weight edited, a rebuilt network): replace the point
      chart.epochs.pop();
      chart.train.pop();
      chart.test.pop();
    }
    chart.append([pt]);
  }
  chart.draw();

  $("epoch").textContent = formatEpoch(f.epoch);
  // no training points (custom data cleared, or a shared link without them): say so, not NaN
  const noData = !!f.no_data;
  $("loss-train").textContent = noData ? "–" : formatLoss(f.loss_train);
  $("loss-test").textContent = noData && f.loss_test === null ? "–" : formatLoss(f.loss_test);
  $("no-data").hidden = !noData;
  $("acc-train").textContent = formatPercent(f.acc_train);
  $("acc-test").textContent = formatPercent(f.acc_test);
  drawConfusion(f.confusion);

  if (f.heatmap) {
    // 3-4 classes: `heatmap` is the winning class's probability, `heatmap_class` its index
    const classes = f.heatmap_class ? b64ToBytes(f.heatmap_class) : null;
    output.setOutput(b64ToCodes(f.heatmap), classes);
  }
  if (f.points) output.setPoints(f.points);

  // a frame's weights tell the true structure (the config may be one message ahead or behind)
  if (f.weights && f.weights.length && state.config) {
    const s = structureFromConfig();
    const shape = f.weights.slice(0, -1).map((w) => w.length);
    const outputs = f.weights[f.weights.length - 1].length;
    const inputs = f.weights[0][0] ? f.weights[0][0].length : 0;
    if (inputs === s.features.length) network.setStructure(s.features, shape, outputs);
  }
  network.update(f, state.view);

  state.serverPlaying = !!f.playing;
  setPlaying(state.serverPlaying);
  if (f.stopped) showStatus(stoppedText(f.stopped));
  if (state.hover !== null) askNode(); // keep a hovered neuron's picture current
}

function stoppedText(why) {
  const c = state.config || {};
  if (why === "epochs") return t("stoppedEpochs", { n: c.stopEpochs });
  if (why === "test_loss") return t("stoppedTestLoss", { v: c.stopTestLoss });
  if (why === "diverged" || why === "nan") return t("stoppedNan");
  if (why === "no_data") return t("noData");
  return t("stoppedOther", { why });
}

function setPlaying(on) {
  state.playing = on;
  const b = $("play-pause");
  b.classList.toggle("playing", on);
  b.setAttribute("aria-pressed", String(on));
  b.dataset.i18nAria = on ? "pause" : "play";
  b.dataset.i18nTitle = on ? "pause" : "play";
  b.setAttribute("aria-label", t(b.dataset.i18nAria));
  b.title = t(b.dataset.i18nTitle);
}

function drawConfusion(m) {
  const table = $("confusion");
  if (!Array.isArray(m) || !m.length) {
    table.textContent = "";
    delete table.dataset.k; // the next matrix builds its rows again, whatever its class count
    return;
  }
  const k = m.length;
  // with 2 classes index 0 is the orange class (-1), index 1 the blue one (+1)
  const swatch = (i) => {
    const s = document.createElement("span");
    s.className = "swatch";
    s.style.background = k === 2 ? (i === 0 ? classCss(0) : classCss(1)) : classCss(i);
    return s;
  };
  const key = `${k}`;
  if (table.dataset.k !== key || table.rows.length !== k + 1) {
    table.textContent = "";
    const cap = document.createElement("caption");
    cap.dataset.i18n = "trueClass";
    cap.textContent = t("trueClass");
    table.appendChild(cap);
    const head = table.insertRow();
    head.appendChild(document.createElement("th"));
    for (let j = 0; j < k; j++) head.appendChild(document.createElement("th")).appendChild(swatch(j));
    for (let i = 0; i < k; i++) {
      const row = table.insertRow();
      row.appendChild(document.createElement("th")).appendChild(swatch(i));
      for (let j = 0; j < k; j++) row.insertCell();
    }
    table.dataset.k = key;
  }
  const total = m.reduce((a, row) => a + row.reduce((x, y) => x + y, 0), 0) || 1;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      const cell = table.rows[i + 1].cells[j + 1];
      cell.textContent = m[i][j];
      // shade the cells by their share of the test set: the diagonal should be dark
      cell.style.background = `rgba(8,119,189,${Math.min(1, (1.5 * m[i][j]) / total).toFixed(2)})`;
      cell.classList.toggle("diag", i === j);
    }
  }
}

// ---- messages shown to the user -------------------------------------------------------------

function showError(message) {
  const box = $("errors");
  const last = box.lastElementChild;
  if (last && last.dataset.message === message) {
    last.dataset.count = String(Number(last.dataset.count || 1) + 1);
    last.querySelector(".count").textContent = ` (×${last.dataset.count})`;
    return;
  }
  const item = document.createElement("div");
  item.className = "error";
  item.dataset.message = message;
  const text = document.createElement("span");
  text.className = "text";
  text.textContent = message;
  const count = document.createElement("span");
  count.className = "count";
  const close = document.createElement("button");
  close.className = "dismiss";
  close.textContent = "×";
  close.dataset.i18nAria = "dismiss";
  close.setAttribute("aria-label", t("dismiss"));
  close.addEventListener("click", () => item.remove());
  item.append(text, count, close);
  box.appendChild(item);
  while (box.children.length > 5) box.firstElementChild.remove();
}

/** A notice of the server's config message ({code, params}, or null): the custom points too
 *  many for the share link, with the CSV download offered instead. */
function showNotice(notice) {
  state.notice = notice || null;
  const box = $("share-notice");
  box.hidden = !notice;
  if (notice) $("share-notice-text").textContent = t(`notice-${notice.code}`, notice.params || {});
}

function showStatus(text) {
  const s = $("status");
  s.textContent = text;
  s.hidden = !text;
}

// ---- files ------------------------------------------------------------------------------

function readFile(input, asText, then, max) {
  const file = input.files && input.files[0];
  input.value = ""; // the same file can be chosen again
  if (!file) return;
  if (max && file.size > max) {
    showError(t("fileTooLarge", { size: file.size.toLocaleString(getLang()), max: max.toLocaleString(getLang()) }));
    return;
  }
  const reader = new FileReader();
  reader.onload = () => then(reader.result);
  reader.onerror = () => showError(t("readError"));
  if (asText) reader.readAsText(file);
  else reader.readAsArrayBuffer(file);
}

function openCode(msg) {
  state.code = msg;
  $("code-filename").textContent = msg.filename || "";
  $("code-text").textContent = msg.text;
  const d = $("code-dialog");
  if (!d.open) d.showModal();
}

async function copyCode() {
  const text = state.code ? state.code.text : "";
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // no clipboard permission: select the text and use the older command
    const range = document.createRange();
    range.selectNodeContents($("code-text"));
    const sel = getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
    document.execCommand("copy");
  }
  $("code-copy").textContent = t("copied");
  setTimeout(() => ($("code-copy").textContent = t("copy")), 1500);
}

// ---- language -----------------------------------------------------------------------------

function changeLanguage(lang, remember) {
  setLang(lang, remember);
  applyTranslations();
  if (state.config) {
    renderControls();
    const s = structureFromConfig();
    network.setStructure(s.features, s.shape, s.outputs, true); // its labels are texts too
  }
}

// ---- wiring -------------------------------------------------------------------------------

function bind() {
  $("play-pause").addEventListener("click", () => {
    send(state.playing ? "pause" : "play");
    if (!state.playing && !$("no-data").hidden) showStatus(t("noData"));
    else if (!state.playing) showStatus("");
    setPlaying(!state.playing); // at once; the next frame confirms it
  });
  $("step").addEventListener("click", () => send("step", { unit: "epoch" }));
  $("step-batch").addEventListener("click", () => send("step", { unit: "batch" }));
  $("reset").addEventListener("click", () => {
    send("reset");
    showStatus("");
  });
  $("regenerate").addEventListener("click", () => send("regenerate"));

  const onSelect = (id, key, convert = (v) => v) =>
    $(id).addEventListener("change", (ev) => set({ [key]: convert(ev.target.value) }));
  onSelect("learning-rate", "learningRate", Number);
  onSelect("activation", "activation");
  onSelect("regularization", "regularization");
  onSelect("regularization-rate", "regularizationRate", Number);
  onSelect("problem", "problem");
  onSelect("optimizer", "optimizer");
  onSelect("view-switch", "view");
  $("loss").addEventListener("change", (ev) => {
    const changes = { loss: ev.target.value };
    if (ev.target.value !== "cross_entropy" && Number(state.config?.numClasses) > 2) changes.numClasses = 2;
    set(changes);
  });
  $("num-classes").addEventListener("change", (ev) => {
    const k = Number(ev.target.value);
    const changes = { numClasses: k };
    if (k > 2) changes.loss = "cross_entropy"; // 3 and 4 classes need the softmax
    set(changes);
  });

  // sliders: the number follows the thumb, the server hears the value when it is let go
  for (const [id, key] of [["perc-train", "percTrainData"], ["noise", "noise"], ["batch-size", "batchSize"], ["speed", "speed"]]) {
    const input = $(id);
    input.addEventListener("input", () => ($(`${id}-value`).textContent = input.value));
    input.addEventListener("change", () => set({ [key]: Number(input.value) }));
  }
  $("stop-epochs").addEventListener("change", (ev) => set({ stopEpochs: Math.max(0, Math.round(Number(ev.target.value) || 0)) }));
  $("stop-test-loss").addEventListener("change", (ev) => set({ stopTestLoss: Math.max(0, Number(ev.target.value) || 0) }));
  $("show-test-data").addEventListener("change", (ev) => set({ showTestData: ev.target.checked }));
  $("discretize").addEventListener("change", (ev) => set({ discretize: ev.target.checked }));

  $("add-layer").addEventListener("click", () =>
    changeShape((s) => s.length < state.limits.maxLayers && s.push(2)),
  );
  $("remove-layer").addEventListener("click", () => changeShape((s) => s.pop()));

  $("lang-switch").addEventListener("change", (ev) => {
    changeLanguage(ev.target.value, true);
    set({ lang: ev.target.value });
  });

  // code, weights, experiment, data
  $("export-flambeau").addEventListener("click", () => send("export", { framework: "flambeau" }));
  $("export-pytorch").addEventListener("click", () => send("export", { framework: "pytorch" }));
  $("code-copy").addEventListener("click", copyCode);
  $("code-download").addEventListener("click", () => {
    if (state.code) saveFile(state.code.filename || "playground.py", state.code.text, "text/x-python");
  });
  $("code-close").addEventListener("click", () => $("code-dialog").close());
  $("download-weights").addEventListener("click", () => send("get_weights"));
  $("upload-weights").addEventListener("change", (ev) =>
    readFile(ev.target, false, (buf) => send("load_weights", { data: bytesToB64(buf) }), state.limits?.maxWeightsBytes),
  );
  $("download-config").addEventListener("click", () => send("get_config_json"));
  $("upload-config").addEventListener("change", (ev) =>
    readFile(ev.target, true, (text) => send("load_config_json", { data: text }), state.limits?.maxConfigBytes),
  );
  $("clear-points").addEventListener("click", () => send("clear_points"));
  $("upload-csv").addEventListener("change", (ev) =>
    readFile(ev.target, true, (text) => send("upload_csv", { text }), state.limits?.maxCsvBytes),
  );
  $("download-csv").addEventListener("click", () => send("download_csv"));
  $("share-notice-csv").addEventListener("click", () => send("download_csv"));
  $("load-teacher").addEventListener("click", () => {
    $("teacher-banner").hidden = true;
    if (state.teacherHash) location.hash = state.teacherHash; // hashchange opens it
  });

  // the user typed another hash into the address bar: open that experiment
  window.addEventListener("hashchange", () => {
    const h = location.hash.replace(/^#/, "");
    if (h !== state.hash) send("hello", hello(h));
  });
  // the network's width follows the window
  let resizeTimer = 0;
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => {
      if (!state.config) return;
      const s = structureFromConfig();
      network.setStructure(s.features, network.shape || s.shape, network.outputs || s.outputs);
    }, 150);
  });
}

function connect() {
  conn.on("config", onConfig);
  conn.on("frame", onFrame);
  conn.on("node", (msg) => {
    if (msg.id === null) return; // the answer to "no neuron hovered"
    state.nodeAsked = false;
    if (msg.id === state.hover) output.showNode(msg.grid ? b64ToFloat32(msg.grid) : null);
    else if (state.hover !== null) askNode(); // the mouse moved on meanwhile
  });
  conn.on("code", openCode);
  conn.on("teacher_experiment", (msg) => {
    state.teacherHash = msg.hash;
    $("teacher-banner").hidden = !msg.hash || msg.hash === state.hash;
  });
  conn.on("csv", (msg) => saveFile(msg.filename || "playground.csv", msg.text, "text/csv"));
  conn.on("weights", (msg) => saveFile(msg.filename || "playground.safetensors", b64ToBytes(msg.data)));
  conn.on("config_json", (msg) =>
    saveFile(msg.filename || "playground.json", msg.text ?? JSON.stringify(msg.data, null, 2), "application/json"),
  );
  conn.on("error", (msg) => {
    state.nodeAsked = false;
    state.full = msg.code === "session_full"; // the socket closes next: no "connection lost" too
    showError(errorText(msg)); // worded here, in the page's language, from the code
    if (msg.code === "locked" && state.config) {
      // a control the teacher locked (hidden, yet reached): the server kept its value; show it
      renderControls();
      setPlaying(state.serverPlaying);
    }
  });
  conn.onOpen = () => {
    state.nodeAsked = false;
    // the whole experiment is in the hash: a (re)connection opens it again
    send("hello", hello(location.hash.replace(/^#/, "")));
  };
  conn.onLost = () => {
    if (!state.full) showError(t("connectionLost"));
    setPlaying(false);
  };
  conn.connect();
}

function init() {
  setLang(initialLang(location.hash.replace(/^#/, "")));
  // the extra settings are open where the screen is tall enough for them and the output
  $("extras").open = window.innerHeight >= 900 && window.innerWidth >= 800;
  applyTranslations();
  drawLegend($("color-legend"));
  bind();
  connect();
  // for the tests and the curious: the page's state, read-only
  window.playground = { state, chart, network, output };
}

init();
