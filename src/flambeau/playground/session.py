"""One playground session (one WebSocket, one browser tab): its configuration, data and network,
and what the page asks of them: configuration changes, play / step / reset / regenerate, custom
points, weights and configuration files, and the frames.

The network, its training rule (the TensorFlow Playground's) and the losses as reported are
:mod:`.network`'s; the frame's arrays (heatmap, neuron thumbnails, weights, gradients) and their
encoding are :mod:`.frame`'s. The session holds the state between them: the batching of the
training set into updates (points carried over from one epoch to the next), the epoch count, the
loss history for the chart, and which points the page has already been sent.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Mapping
from typing import Any

import numpy as np

import flambeau
from flambeau import nn

from . import config as cfg
from . import network
from .config import ConfigError, PlaygroundError
from .data import (
    MAX_HASH_POINTS_CHARS,
    CustomPoints,
    PlaygroundData,
    check_label,
    data_to_csv,
    feature_matrix,
    make_data,
    parse_csv,
    points_from_hash,
    points_to_hash,
)
from .frame import (
    DOMAIN,
    GRID,
    b64,
    feature_thumbnails,
    grid_layers,
    heatmaps,
    neuron_thumbnails,
    parameters,
)

MAX_WEIGHT_VALUE = 1e6        # a weight or bias typed by the user
MAX_HISTORY = 20_000          # history points kept until a frame takes them
BATCHES_PER_CALL = 5          # full batches updated by one call of the compiled updates
CHUNK_SECONDS = 0.5           # while playing, a frame is sent at least this often


class Session:
    """One training session (one WebSocket, one browser tab).

    Args:
        config: a configuration (see :mod:`.config`); the defaults if None.
        weight_seed: seed of the generator that draws initial weights and new data seeds (None:
            fresh entropy, as the original's ``Math.random``).
    """

    def __init__(self, config: Mapping[str, Any] | None = None, weight_seed: int | None = None) -> None:
        self._rng = np.random.default_rng(weight_seed)
        self.config = cfg.default_config() if config is None else cfg.config_from_mapping(config)[0]
        self.custom = CustomPoints()
        self.playing = False
        self.frame_number = 0
        self._epochs_since_frame = 0   # while playing: epochs trained since the last frame
        self._frame_started = 0.0
        self.chunk_seconds = CHUNK_SECONDS
        self.clock = time.monotonic    # the seconds slices and frames are timed with (tests: their own)
        self._data_version = 0
        self._points_sent = -1
        self._build_data()
        self._build_network()

    # ------------------------------------------------------------------ building
    def _build_data(self) -> None:
        """(Re)generate the data of the configuration and precompute the training inputs."""
        self.data: PlaygroundData = make_data(self.config, self.custom)
        self.features = cfg.active_features(self.config)
        # the grid is drawn in float32 (the model's display copy): converted once, not per frame
        self._grid_inputs = feature_matrix(GRID, self.features).astype(np.float32)
        thumbnails = feature_thumbnails()
        self._input_thumbnails = {f"0:{j}": thumbnails[name] for j, name in enumerate(self.features)}
        self._x_train = feature_matrix(self.data.x_train, self.features)
        self._x_test = feature_matrix(self.data.x_test, self.features)
        self._x_both = np.concatenate([self._x_train, self._x_test])  # one evaluation pass for both
        self._t_train = network.loss_targets(self.config, self.data.y_train)
        self._t_test = network.loss_targets(self.config, self.data.y_test)
        self._data_version += 1
        self._cursor = 0
        self._pending = np.zeros(0, dtype=np.int64)

    def _build_network(self) -> None:
        """A new network with fresh weights, its optimizer and loss; epoch 0, chart cleared."""
        generator = flambeau.Generator().manual_seed(int(self._rng.integers(2**62)))
        self.model, self.linears = network.build_model(self.config, len(self.features), generator)
        self._display = network.DisplayCopy()
        self.loss_fn: nn.Module = network.make_loss(self.config)
        self.dead = [np.zeros(tuple(lin.weight.shape), dtype=bool) for lin in self.linears]
        self._any_dead = False  # whether a link of ``dead`` is dead (kept with it: read at each update)
        self._build_optimizer()
        self.epoch = 0
        self._cursor = 0
        self._pending = np.zeros(0, dtype=np.int64)
        self._updated = False  # the gradients of the last batch are in the parameters' .grad
        self._history: list[list[float | None]] = []
        self._history_reset = True
        self._evaluate()
        self._record_history()

    def _build_optimizer(self) -> None:
        self.optimizer = network.make_optimizer(self.config, list(self.model.parameters()))
        self._step = network.training_step(self.model, self.optimizer, self.loss_fn)
        self._batches = network.training_batches(self.model, self.optimizer, self.loss_fn)

    # ------------------------------------------------------------------ configuration
    def configure(self, config: Mapping[str, Any]) -> None:
        """Replace the whole configuration (already validated) and rebuild data and network."""
        self._check_custom_labels(config, list(config))
        self.config = dict(config)
        self._build_data()
        self._build_network()

    def load_hash(self, text: str) -> list[ConfigError]:
        """Configure from a URL hash; bad values keep their defaults and are returned."""
        pairs = cfg.hash_pairs(text)
        config, errors = cfg.config_from_mapping(pairs, strict=False)
        if cfg.data_name(config) == "custom":
            self.custom = CustomPoints()
            if pairs.get("points"):
                try:
                    self.custom = points_from_hash(pairs["points"], config["problem"], cfg.num_classes(config))
                except PlaygroundError as e:
                    errors.append(e)
        try:
            self.configure(config)
        except ConfigError as e:  # custom points that do not fit: back to the default data set
            errors.append(e)
            config["dataset"], config["regDataset"] = "circle", "reg-plane"
            self.configure(config)
        return errors

    def load_config_json(self, data: Any) -> None:
        """Configure from a JSON text (or an already decoded object), all or nothing."""
        if isinstance(data, str):
            if len(data) > cfg.MAX_CONFIG_CHARS:
                raise PlaygroundError("the configuration file is too large", "data", code="config_file_too_large",
                                      max=cfg.MAX_CONFIG_CHARS)
            try:
                data = json.loads(data)
            except (ValueError, RecursionError):
                raise PlaygroundError("the configuration file is not valid JSON", "data",
                                      code="config_file_not_json") from None
        if not isinstance(data, dict):
            raise PlaygroundError("the configuration must be a JSON object of {setting: value}", "data",
                                  code="config_file_not_json")
        config, _ = cfg.config_from_mapping(data, strict=True)
        self.configure(config)

    def config_json(self) -> dict[str, Any]:
        """The ``config_json`` message: the configuration as a JSON file."""
        return {"type": "config_json", "filename": "playground-config.json",
                "text": json.dumps(self.config, indent=2) + "\n"}

    def _check_custom_labels(self, config: Mapping[str, Any], changed: list[str]) -> None:
        if cfg.data_name(config) != "custom" or not len(self.custom):
            return
        try:
            self.custom.check_labels(config["problem"], cfg.num_classes(config))
        except PlaygroundError:
            key = next((k for k in changed if k in ("problem", "numClasses", "loss", "dataset", "regDataset")),
                       "dataset")
            raise ConfigError(f"{key}: the custom points' labels do not fit this problem ("
                              f"{config['problem']}, {cfg.num_classes(config) or 'real'} classes); clear "
                              "them or choose another data set", key, code="custom_labels_misfit", key=key,
                              problem=config["problem"], k=cfg.num_classes(config)) from None

    def update(self, changes: Mapping[str, Any]) -> bool:
        """Apply ``changes`` (all or nothing). Returns True if the network was rebuilt (changing
        data, features, network, activation, regularization, problem, loss or numClasses)."""
        new = cfg.apply_changes(self.config, changes)
        changed = [key for key in changes if new[key] != self.config[key]]
        self._check_custom_labels(new, changed)
        old = self.config
        self.config = new
        if any(key in cfg.DATA_KEYS or key in cfg.FEATURES or key == "loss" for key in changed):
            if cfg.data_name(new) == "custom" and any(k in ("percTrainData", "seed") for k in changed):
                self.custom.resplit(new["percTrainData"] / 100, cfg.seed_to_int(new["seed"]))
            self._build_data()
        if any(key in cfg.REBUILD_KEYS for key in changed):
            self._build_network()
            return True
        if "optimizer" in changed:
            self._build_optimizer()
        elif new["learningRate"] != old["learningRate"]:
            for group in self.optimizer.param_groups:
                group["lr"] = new["learningRate"]
        return False

    # ------------------------------------------------------------------ commands
    def reset(self) -> None:
        """New random weights, same data, epoch 0, chart cleared, paused."""
        self.playing = False
        self._build_network()

    def regenerate(self) -> None:
        """A new seed and new data (the playground's ``0.xxxxx``); the network is kept."""
        self.config = dict(self.config, seed=f"{self._rng.random():.5f}")
        if cfg.data_name(self.config) == "custom":
            self.custom.resplit(self.config["percTrainData"] / 100, cfg.seed_to_int(self.config["seed"]))
        self._build_data()
        self._evaluate()

    def _use_custom(self) -> None:
        """Switch to the custom data set, starting from the points on screen."""
        if cfg.data_name(self.config) != "custom":
            self.custom = CustomPoints.from_data(self.data)
            key = "dataset" if self.config["problem"] == "classification" else "regDataset"
            self.config = dict(self.config, **{key: "custom"})

    def add_point(self, x: float, y: float, label: float) -> None:
        """Add a training point to the custom data set (the network is kept)."""
        for name, value in (("x", x), ("y", y)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not -DOMAIN <= value <= DOMAIN:
                raise PlaygroundError(f"{name}: {value!r} must be a number from -6 to 6", name, code="bad_field",
                                      name=name, expect="number_range", low=-DOMAIN, high=DOMAIN)
        label = check_label(label, self.config["problem"], cfg.num_classes(self.config))
        self._use_custom()
        self.custom.add(float(x), float(y), label, train=True)
        self._build_data()
        self._evaluate()

    def clear_points(self) -> None:
        """Empty the custom data set (switching to it)."""
        self._use_custom()
        self.custom.clear()
        self._build_data()
        self._evaluate()

    def upload_csv(self, text: str) -> None:
        """Replace the data by a CSV file's points (split by percTrainData unless the file says);
        the network is rebuilt, as for any new data set."""
        xy, labels, is_train = parse_csv(text, self.config["problem"], cfg.num_classes(self.config))
        points = CustomPoints()
        points.xy, points.labels = xy, labels
        if is_train is None:
            points.resplit(self.config["percTrainData"] / 100, cfg.seed_to_int(self.config["seed"]))
        else:
            points.is_train = is_train
        self.custom = points
        key = "dataset" if self.config["problem"] == "classification" else "regDataset"
        self.config = dict(self.config, **{key: "custom"})
        self._build_data()
        self._build_network()

    def download_csv(self) -> dict[str, Any]:
        """The ``csv`` message: the current points as ``x,y,label,split``."""
        return {"type": "csv", "filename": f"playground-{self.data.name}.csv", "text": data_to_csv(self.data)}

    def set_weight(self, layer: int, to: int, frm: int, value: float) -> None:
        """Set the weight of the link from neuron ``frm`` of layer ``layer - 1`` to neuron ``to`` of
        layer ``layer`` (layer 1 is the first hidden layer; inputs are layer 0)."""
        lin = self._layer(layer)
        rows, cols = lin.weight.shape
        _check_index("to", to, rows)
        _check_index("from", frm, cols)
        value = _check_value(value)
        lin.weight.detach().numpy()[to, frm] = value
        self.dead[layer - 1][to, frm] = False  # an edited link lives again
        self._any_dead = any(d.any() for d in self.dead)
        self._evaluate()
        self._record_history()

    def set_bias(self, layer: int, node: int, value: float) -> None:
        """Set the bias of neuron ``node`` of layer ``layer``."""
        lin = self._layer(layer)
        _check_index("node", node, lin.bias.shape[0])
        lin.bias.detach().numpy()[node] = _check_value(value)
        self._evaluate()
        self._record_history()

    def _layer(self, layer: int) -> nn.Linear:
        if isinstance(layer, bool) or not isinstance(layer, int) or not 1 <= layer <= len(self.linears):
            raise PlaygroundError(f"layer: {layer!r} must be an integer from 1 to {len(self.linears)}", "layer",
                                  code="bad_field", name="layer", expect="int_range", low=1, high=len(self.linears))
        return self.linears[layer - 1]

    # ------------------------------------------------------------------ training
    def _batch_size(self) -> int:
        return max(1, min(self.config["batchSize"], len(self._x_train)))

    def _advance(self, single_batch: bool) -> None:
        """Go through the training points from the cursor, updating after each point i with
        (i + 1) % batchSize == 0 (the points carried from the previous epoch joining the first
        batch); stop at the end of the epoch or, ``single_batch``, after one update (going on
        into the next epoch if this one ends on a carried partial batch)."""
        n = len(self._x_train)
        if n == 0:
            self._end_epoch()
            return
        bs = self._batch_size()
        if not single_batch and self._cursor == 0 and not len(self._pending) and n >= bs and self._plain_updates():
            self._whole_epoch(n, bs)
            return
        updated = False
        while True:
            i = self._cursor
            while i < n and not (single_batch and updated):
                boundary = (i // bs + 1) * bs
                if boundary <= n:
                    if len(self._pending):
                        batch: Any = np.concatenate([self._pending, np.arange(i, boundary)])
                        self._pending = np.zeros(0, dtype=np.int64)
                    else:
                        batch = slice(i, boundary)
                    self._update(batch)
                    updated = True
                    i = boundary
                else:
                    self._pending = np.concatenate([self._pending, np.arange(i, n)])
                    i = n
            self._cursor = i
            if i >= n:
                self._end_epoch()
            if not single_batch or updated:
                return

    def _plain_updates(self) -> bool:
        """Whether the updates are the gradient steps alone (no regularization, no dead weight),
        made by compiled functions."""
        return self._step is not None and network.plain_update(
            self.config["regularization"], self.config["regularizationRate"], self._any_dead)

    def _whole_epoch(self, n: int, bs: int) -> None:
        """A whole epoch from its start, its full batches updated :data:`BATCHES_PER_CALL` at a
        time by one compiled function (:func:`.network.training_batches`), the rest one by one;
        the points after the last full batch are carried to the next epoch, as :meth:`_advance`
        does."""
        full = n - n % bs
        done = 0
        if self._batches is not None:
            chunk = BATCHES_PER_CALL * bs
            while done + chunk <= full:
                self._batches(self._x_train[done:done + chunk], self._t_train[done:done + chunk], bs)
                done += chunk
            if network.stays_eager(self._batches):
                self._batches = None  # the compiled steps, each checked, are faster than eager
        for i in range(done, full, bs):
            self._update(slice(i, i + bs))
        if full < n:
            self._pending = np.arange(full, n)
        self._updated = True
        self._cursor = n
        self._end_epoch()

    def _end_epoch(self) -> None:
        self._cursor = 0
        self.epoch += 1
        self._evaluate()
        self._record_history()

    def train_epoch(self) -> None:
        """Finish the current epoch (a whole one unless stepped by batches)."""
        with np.errstate(all="ignore"):
            self._advance(single_batch=False)

    def train_batch(self) -> None:
        """Train until the next update of the weights (one mini-batch)."""
        with np.errstate(all="ignore"):
            self._advance(single_batch=True)
        if self._cursor != 0:
            self._evaluate()

    def _update(self, batch: Any) -> None:
        """One update with the points ``batch`` (indices or a slice): the gradient of the
        batch's mean loss, the optimizer's step, then regularization and dead weights."""
        regularization = self.config["regularization"]
        network.update(self.model, self.linears, self.dead, self.optimizer, self.loss_fn,
                       self._x_train[batch], self._t_train[batch],
                       regularization, self.config["regularizationRate"], self._step, self._any_dead)
        if regularization == "L1":  # the only rule that kills links
            self._any_dead = any(d.any() for d in self.dead)
        self._updated = True

    def step(self, unit: str = "epoch") -> None:
        """Pause, then train one epoch (``"epoch"``) or one mini-batch (``"batch"``)."""
        if unit not in ("epoch", "batch"):
            raise PlaygroundError(f"unit: {unit!r} must be epoch or batch", "unit", code="bad_field", name="unit",
                                  expect="choice", options=["epoch", "batch"])
        self.playing = False
        if unit == "epoch":
            self.train_epoch()
        else:
            self.train_batch()

    def stop_reason(self) -> str | None:
        """Why play must stop after the epoch just finished, if it must: ``"epochs"`` (the
        stopEpochs count reached), ``"test_loss"`` (below stopTestLoss), ``"diverged"`` (NaN)."""
        if not len(self._x_train):
            return "no_data"
        if self.config["stopEpochs"] and self.epoch == self.config["stopEpochs"]:
            return "epochs"
        if (len(self._x_train) and self.loss_train is None) or (len(self._x_test) and self.loss_test is None):
            return "diverged"
        if self.config["stopTestLoss"] and self.loss_test is not None and self.loss_test < self.config["stopTestLoss"]:
            return "test_loss"
        return None

    def play_chunk(self, make_frame: bool = True) -> dict[str, Any] | None:
        """While playing, one slice: train epochs until ``speed`` epochs have passed since the
        last frame, a stop condition is met, play is paused, or the slice took ``chunk_seconds``;
        then return the frame if it is due (``speed`` epochs since the last one, or
        :data:`CHUNK_SECONDS` of training) or play stopped. None otherwise: paused meanwhile (the
        answer to what paused it reports these epochs), the frame not due yet (the next slice goes
        on), or ``make_frame`` False (the page is behind: the frame is dropped, its losses join the
        next frame's history)."""
        stopped = "no_data" if not len(self._x_train) else None
        if stopped:
            self.playing = False
        start = self.clock()
        if self._epochs_since_frame == 0:
            self._frame_started = start
        while self.playing and self._epochs_since_frame < self.config["speed"]:
            self.train_epoch()
            self._epochs_since_frame += 1
            stopped = self.stop_reason()
            if stopped:
                self.playing = False
                break
            if self.clock() - start > self.chunk_seconds:
                break
        due = self._epochs_since_frame >= self.config["speed"] or \
            self.clock() - self._frame_started >= CHUNK_SECONDS
        if not stopped and (not self.playing or not make_frame or not due):
            return None
        # "playing" as this chunk ends (a pause arriving meanwhile is told by the pause's frame)
        return self.frame(stopped=stopped, playing=not stopped)

    # ------------------------------------------------------------------ evaluation
    def _forward(self, inputs: np.ndarray) -> list[np.ndarray]:
        """Every layer's output on ``inputs``: [inputs, hidden..., the model's output] (see
        :func:`.network.layer_outputs`)."""
        return network.layer_outputs(self.model, inputs)

    def _evaluate(self) -> None:
        """The losses of the current weights, on both sets in one forward pass (every epoch: the
        chart's history and the stop conditions); the accuracies and the confusion matrix are
        read from the same outputs when asked (:meth:`_scores`: once per frame)."""
        with np.errstate(all="ignore"):
            z = self._forward(self._x_both)[-1]
            n = len(self._x_train)
            self.loss_train = network.set_loss(self.config, z[:n], self._t_train)
            self.loss_test = network.set_loss(self.config, z[n:], self._t_test)
        self._evaluated: tuple | None = (self.config, self.data, z[:n], z[n:])

    def _scores(self) -> tuple:
        """(training accuracy, test accuracy, test confusion matrix) of the last evaluation."""
        if self._evaluated is not None:
            config, data, z_train, z_test = self._evaluated
            acc_train, _ = network.set_accuracy(config, z_train, data.y_train)
            acc_test, predicted = network.set_accuracy(config, z_test, data.y_test)
            confusion = None
            classes = cfg.num_classes(config)
            if classes:
                matrix = np.zeros((classes, classes), dtype=np.int64)
                if predicted is not None:
                    np.add.at(matrix, (network.class_indices(config, data.y_test), predicted), 1)
                confusion = matrix.tolist()
            self._evaluated, self._scored = None, (acc_train, acc_test, confusion)
        return self._scored

    acc_train = property(lambda self: self._scores()[0], doc="The training accuracy (None: regression).")
    acc_test = property(lambda self: self._scores()[1], doc="The test accuracy (None: regression).")
    confusion = property(lambda self: self._scores()[2], doc="The test confusion matrix [true][predicted].")

    def _record_history(self) -> None:
        self._history.append([self.epoch, self.loss_train, self.loss_test])
        if len(self._history) > MAX_HISTORY:
            del self._history[: len(self._history) - MAX_HISTORY]

    def loss(self) -> tuple[float | None, float | None]:
        """(training loss, test loss) as reported (None where not a number)."""
        return self.loss_train, self.loss_test

    # ------------------------------------------------------------------ frames
    def _grid_layers(self) -> list[np.ndarray]:
        """Every neuron's value on the grid (float32): [input features, hidden layers..., output
        values], each (DENSITY^2, neurons), from the network's forward pass (nothing is kept
        between frames)."""
        with np.errstate(all="ignore"):
            layers = network.layer_outputs(self._display.of(self.model), self._grid_inputs)
        return grid_layers(layers, lambda z: network.output_values(self.config, z))

    def frame(self, stopped: str | None = None, playing: bool | None = None) -> dict[str, Any]:
        """The ``frame`` message: everything the page draws (see the protocol); ``playing``
        overrides the session's flag."""
        self.frame_number += 1
        self._epochs_since_frame = 0
        layers = self._grid_layers()
        acc_train, acc_test, confusion = self._scores()
        message: dict[str, Any] = {
            "type": "frame", "frame": self.frame_number, "epoch": self.epoch,
            "playing": self.playing if playing is None else playing,
            "loss_train": self.loss_train, "loss_test": self.loss_test,
            "acc_train": acc_train, "acc_test": acc_test, "confusion": confusion,
            **heatmaps(layers[-1]),
            "neurons": {**self._input_thumbnails, **neuron_thumbnails(layers[1:], first_layer=1)},
            **parameters(self.linears, self._last_batch()),
            "history": self._history,
        }
        if any(dead.any() for dead in self.dead):
            message["dead"] = [dead.astype(int).tolist() for dead in self.dead]
        if self._history_reset:
            message["history_reset"] = True
            self._history_reset = False
        self._history = []
        if self._points_sent != self._data_version:
            message["points"] = self.data.points()
            self._points_sent = self._data_version
        if stopped:
            message["stopped"] = stopped
        if not len(self._x_train):
            message["no_data"] = True  # the page says so (the losses are None)
        return message

    def deltas(self) -> list[np.ndarray] | None:
        """dLoss/d(pre-activation) of each neuron on the last batch (the batch's mean loss): the
        mean over the batch of each point's delta, which is also the bias's gradient."""
        last = self._last_batch()
        return None if last is None else [g.copy() for g in last["bias_grads"]]

    def _last_batch(self) -> dict[str, list[np.ndarray]] | None:
        """The last update's gradients (None before any)."""
        return network.batch_gradients(self.linears) if self._updated else None

    def config_message(self) -> dict[str, Any]:
        """The ``config`` message: the normalised configuration, its canonical hash, the limits,
        the input features (layer 0, in order) and every feature's thumbnail."""
        hash_text = cfg.to_hash(self.config)
        notice = None
        if cfg.data_name(self.config) == "custom" and len(self.custom):
            points = points_to_hash(self.custom, self.config["problem"], cfg.num_classes(self.config))
            if len(points) <= MAX_HASH_POINTS_CHARS:
                hash_text += "&points=" + points
            else:  # the page offers the CSV instead
                notice = {"code": "points_too_large", "params": {"n": len(self.custom)}}
        return {
            "type": "config", "config": dict(self.config), "hash": hash_text, "notice": notice,
            "limits": cfg.limits(), "inputs": list(self.features),
            "outputs": cfg.num_outputs(self.config), "classes": cfg.num_classes(self.config),
            "feature_thumbnails": feature_thumbnails(),
        }

    def node_grid(self, node_id: Any) -> dict[str, Any]:
        """The ``node`` message: neuron ``"l:j"``'s full 100 x 100 grid (None: no grid)."""
        if node_id is None:
            return {"type": "node", "id": None, "grid": None}
        if not isinstance(node_id, str) or len(node_id) > 12:
            raise PlaygroundError(f"id: {str(node_id)[:20]!r} must be \"layer:neuron\", such as \"1:0\"", "id",
                                  code="bad_node_id")
        layer_text, _, neuron_text = node_id.partition(":")
        if not (layer_text.isdigit() and neuron_text.isdigit()):
            raise PlaygroundError(f"id: {str(node_id)[:20]!r} must be \"layer:neuron\", such as \"1:0\"", "id",
                                  code="bad_node_id")
        layers = self._grid_layers()
        if int(layer_text) >= len(layers) or int(neuron_text) >= layers[int(layer_text)].shape[1]:
            # a neuron of the network before a change crossing this request: nothing to show
            return {"type": "node", "id": node_id, "grid": None}
        values = layers[int(layer_text)][:, int(neuron_text)]
        return {"type": "node", "id": node_id, "grid": b64(values)}

    # ------------------------------------------------------------------ files
    def export_code(self, framework: str) -> dict[str, Any]:
        """The ``code`` message: a runnable script of this experiment."""
        from .export import generate_script

        points = self.custom if cfg.data_name(self.config) == "custom" else None
        filename, text = generate_script(self.config, framework, points)
        return {"type": "code", "framework": framework, "filename": filename, "text": text}

    def state_dict(self) -> dict[str, Any]:
        return self.model.state_dict()

    def get_weights(self) -> dict[str, Any]:
        """The ``weights`` message: the model's state_dict as a safetensors file, base64."""
        return {"type": "weights", "filename": "playground-weights.safetensors",
                "data": network.encode_weights(self.model)}

    def load_weights(self, data: Any) -> None:
        """Load a base64 safetensors state_dict into the network (see
        :func:`.network.load_weights`); dead links live again, the optimizer starts afresh."""
        network.load_weights(self.model, data)
        self.dead = [np.zeros_like(d) for d in self.dead]
        self._any_dead = False
        self._build_optimizer()
        self._evaluate()
        self._record_history()


def _check_index(name: str, value: Any, size: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < size:
        raise PlaygroundError(f"{name}: {value!r} must be an integer from 0 to {size - 1}", name, code="bad_field",
                              name=name, expect="int_range", low=0, high=size - 1)


def _check_value(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or abs(value) > MAX_WEIGHT_VALUE:
        raise PlaygroundError(f"value: {value!r} must be a finite number (at most {MAX_WEIGHT_VALUE:g} in "
                              "absolute value)", "value", code="bad_weight", max=MAX_WEIGHT_VALUE)
    return float(value)
