"""What the page draws of a network (the ``frame`` message's arrays): the heatmap over the
100 x 100 grid of [-6, 6]^2, every neuron's 10 x 10 thumbnail, the weights, biases, gradients
and deltas as nested lists, and their encodings (base64 float32/uint8 for grids, JSON lists with
None for NaN and infinities).

The heatmap and neuron thumbnails come from the network's one forward pass over the grid
(:func:`.network.layer_outputs`), sent as float32 (:func:`grid_layers`).
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import numpy as np

from flambeau import nn

from . import config as cfg
from .data import feature_matrix

DENSITY = 100                 # the heatmap's grid: DENSITY x DENSITY points over [-6, 6]^2
THUMBNAIL = 10                # neuron thumbnails: DENSITY / THUMBNAIL blocks averaged
DOMAIN = 6.0


def _grid_points() -> np.ndarray:
    """The (DENSITY^2, 2) grid: row r at y = -6 + 12 r / 99, column c at x = -6 + 12 c / 99,
    flattened row by row (row 0 at y = -6)."""
    axis = np.linspace(-DOMAIN, DOMAIN, DENSITY)
    return np.stack([np.tile(axis, DENSITY), np.repeat(axis, DENSITY)], axis=1)


GRID = _grid_points()


def reduce_grid(values: np.ndarray, factor: int = DENSITY // THUMBNAIL) -> np.ndarray:
    """A square grid averaged over factor x factor blocks (the original's ``reduceMatrix``)."""
    n = values.shape[0] // factor
    return values.reshape(n, factor, n, factor).mean(axis=(1, 3))


# ---------------------------------------------------------------------- encoding
def b64(array: np.ndarray, dtype: Any = np.float32) -> str:
    """An array's values as ``dtype`` bytes in base64."""
    return base64.b64encode(np.ascontiguousarray(array, dtype=dtype).tobytes()).decode("ascii")


def json_list(array: np.ndarray) -> list:
    """An array as nested lists, NaN and infinities as None (JSON has no NaN)."""
    array = np.asarray(array, dtype=np.float64)
    if np.isfinite(array).all():
        return array.tolist()
    return np.where(np.isfinite(array), array, None).tolist()


def _thumbnail_list(grid: np.ndarray) -> list:
    return json_list(np.round(reduce_grid(grid).astype(np.float64), 4))


def _layer_thumbnails(values: np.ndarray) -> list:
    """The 10 x 10 thumbnails of every neuron of a layer at once: ``values`` (DENSITY^2, k) on the
    grid -> k lists of 10 x 10, each block of the grid averaged (as :func:`reduce_grid`)."""
    k = values.shape[1]
    factor = DENSITY // THUMBNAIL
    blocks = values.astype(np.float64).reshape(THUMBNAIL, factor, THUMBNAIL, factor, k).mean(axis=(1, 3))
    return json_list(np.round(blocks.transpose(2, 0, 1), 4))


# ---------------------------------------------------------------------- the grid
def grid_layers(layers: list[np.ndarray], output_values: Callable[[np.ndarray], np.ndarray]) -> list[np.ndarray]:
    """Every neuron's value on the grid (float32): [input features, hidden layers..., output
    values], each (DENSITY^2, neurons), from the network's layer outputs on the grid
    (:func:`.network.layer_outputs`); ``output_values`` turns the output layer's pre-activations
    into the values drawn."""
    with np.errstate(all="ignore"):
        output = output_values(layers[-1])
    return [np.asarray(x, dtype=np.float32) for x in [*layers[:-1], output]]


def heatmaps(output: np.ndarray) -> dict[str, str]:
    """The heatmap (and the winning class with 3 or 4 classes) as base64 float32/uint8."""
    k = output.shape[1]
    if k == 1:
        values = output[:, 0]
    elif k == 2:
        values = (output[:, 1] - output[:, 0]) / 2  # p1 - p0, in [-1, 1]
    else:
        probabilities = (output + 1) / 2
        result = {"heatmap": b64(probabilities.max(axis=1)),
                  "heatmap_class": b64(probabilities.argmax(axis=1), np.uint8)}
        return result
    return {"heatmap": b64(values)}


def neuron_thumbnails(layers: list[np.ndarray]) -> dict[str, list]:
    """Every neuron's 10 x 10 thumbnail, keyed ``"layer:neuron"``, from :func:`grid_layers`."""
    neurons = {}
    for layer, values in enumerate(layers):
        for j, thumbnail in enumerate(_layer_thumbnails(values)):
            neurons[f"{layer}:{j}"] = thumbnail
    return neurons


def parameter_lists(linears: list[nn.Linear],
                    last_batch: dict[str, list[np.ndarray]] | None) -> dict[str, list | None]:
    """The weights and biases, and the last batch's gradients and deltas (None before any
    update; a neuron's delta is its bias's gradient), as nested lists."""
    lists: dict[str, list | None] = {
        "weights": [json_list(lin.weight.detach().numpy()) for lin in linears],
        "biases": [json_list(lin.bias.detach().numpy()) for lin in linears],
        "grads": None, "bias_grads": None, "deltas": None,
    }
    if last_batch is not None:
        lists["grads"] = [json_list(g) for g in last_batch["grads"]]
        lists["bias_grads"] = [json_list(g) for g in last_batch["bias_grads"]]
        lists["deltas"] = lists["bias_grads"]
    return lists


_FEATURE_THUMBNAILS: dict[str, list] = {}


def feature_thumbnails() -> dict[str, list]:
    """Every input feature's 10 x 10 thumbnail (they never change)."""
    if not _FEATURE_THUMBNAILS:
        features = feature_matrix(GRID, list(cfg.FEATURES))
        for k, name in enumerate(cfg.FEATURES):
            _FEATURE_THUMBNAILS[name] = _thumbnail_list(features[:, k].reshape(DENSITY, DENSITY))
    return _FEATURE_THUMBNAILS
