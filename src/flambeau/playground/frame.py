"""What the page draws of a network (the ``frame`` message's arrays): the heatmap over the
100 x 100 grid of [-6, 6]^2, every neuron's 10 x 10 thumbnail, the weights, biases, gradients
and deltas, and their encodings in base64 (8-bit codes for the heatmap and the thumbnails,
float32 for a neuron's full grid, float64 for the parameters).

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


#: the 8-bit code of the heatmap and the thumbnails: a value v, clamped into [-1, 1], is sent as
#: c = floor((v + 1) LEVELS) (at most 2 LEVELS - 1), NaN as 255; the page reads c as the middle of
#: its step, (c + 0.5) / LEVELS - 1. With LEVELS = 120 each of the page's 30 shades (SHADES of
#: static/js/colors.js: equal steps of [-1, 1]) is 8 whole codes, so a code is painted in the
#: shade of its value, and on the side of 0 of its value ("discretize"): the page draws what the
#: exact values would give.
LEVELS = 120
NAN_CODE = 255


def codes(values: np.ndarray) -> np.ndarray:
    """Values as 8-bit codes (see :data:`LEVELS`), uint8 of the same shape."""
    values = np.asarray(values, dtype=np.float64)
    steps = np.floor((np.clip(values, -1.0, 1.0) + 1.0) * LEVELS)
    np.minimum(steps, 2 * LEVELS - 1, out=steps)
    steps[np.isnan(values)] = NAN_CODE
    return steps.astype(np.uint8)


def b64_codes(values: np.ndarray) -> str:
    """Values as 8-bit codes (:func:`codes`), base64: a quarter of float32's size, for 30 pages
    on one Wi-Fi."""
    return base64.b64encode(codes(values).tobytes()).decode("ascii")


#: column c of the grid goes to block c // 10: the columns' block sums as one product with this
#: 0/1 matrix
_BLOCKS = np.repeat(np.eye(THUMBNAIL, dtype=np.float32), DENSITY // THUMBNAIL, axis=1)


def _block_means(values: np.ndarray) -> np.ndarray:
    """The 10 x 10 thumbnails of k neurons at once: ``values`` (DENSITY^2, k) on the grid ->
    (k, 10, 10), each block of the grid averaged (as :func:`reduce_grid`), in the values' float32:
    each block's 10 rows summed (whole rows at a time), then their columns by blocks in one
    product with :data:`_BLOCKS` (a third of the time of two strided sums)."""
    k = values.shape[1]
    factor = DENSITY // THUMBNAIL
    rows = np.add.reduce(np.asarray(values, dtype=np.float32).reshape(THUMBNAIL, factor, DENSITY * k), axis=1)
    blocks = np.matmul(_BLOCKS, rows.reshape(THUMBNAIL, DENSITY, k))  # (10 block rows, 10 block columns, k)
    return blocks.transpose(2, 0, 1) / factor**2


# ---------------------------------------------------------------------- the grid
def grid_layers(layers: list[np.ndarray], output_values: Callable[[np.ndarray], np.ndarray]) -> list[np.ndarray]:
    """Every neuron's value on the grid (float32): [input features, hidden layers..., output
    values], each (DENSITY^2, neurons), from the network's layer outputs on the grid
    (:func:`.network.layer_outputs`); ``output_values`` turns the model's output into the values
    drawn."""
    with np.errstate(all="ignore"):
        output = output_values(layers[-1])
    return [np.asarray(x, dtype=np.float32) for x in [*layers[:-1], output]]


def heatmaps(output: np.ndarray) -> dict[str, str]:
    """The heatmap (8-bit codes, :func:`b64_codes`) and, with 3 or 4 classes, the winning class
    (uint8), base64."""
    k = output.shape[1]
    if k == 1:
        values = output[:, 0]
    elif k == 2:
        values = (output[:, 1] - output[:, 0]) / 2  # p1 - p0, in [-1, 1]
    else:
        probabilities = (output + 1) / 2
        return {"heatmap": b64_codes(probabilities.max(axis=1)),
                "heatmap_class": b64(probabilities.argmax(axis=1), np.uint8)}
    return {"heatmap": b64_codes(values)}


def neuron_thumbnails(layers: list[np.ndarray], first_layer: int = 0) -> dict[str, str]:
    """Every neuron's 10 x 10 thumbnail, keyed ``"layer:neuron"`` (layers numbered from
    ``first_layer``), from :func:`grid_layers`: 100 8-bit codes (:func:`codes`, row by row),
    base64. Each layer is averaged where it lies (gathering the layers first would copy them
    column by column, three times the averaging's time)."""
    thumbnails = codes(np.concatenate([_block_means(values) for values in layers]))
    names = [f"{layer}:{j}" for layer, values in enumerate(layers, start=first_layer) for j in range(values.shape[1])]
    return {name: base64.b64encode(t.tobytes()).decode("ascii") for name, t in zip(names, thumbnails)}


def parameters(linears: list[nn.Linear], last_batch: dict[str, list[np.ndarray]] | None) -> dict[str, Any]:
    """The layers' sizes ``[inputs, hidden..., outputs]``, and per layer the weights ([to][from],
    row by row), the biases, and the last batch's gradients and deltas (None before any update;
    a neuron's delta is its bias's gradient), each as its float64 bytes in base64: every digit
    of the numbers at a twentieth of the cost of writing them in JSON (the page reads a value
    that is not a finite number as null, as JSON would send it)."""
    def layers(arrays: list[np.ndarray]) -> list[str]:
        return [b64(a, np.float64) for a in arrays]

    message: dict[str, Any] = {
        "sizes": [linears[0].weight.shape[1], *(lin.weight.shape[0] for lin in linears)],
        "weights": layers([lin.weight.detach().numpy() for lin in linears]),
        "biases": layers([lin.bias.detach().numpy() for lin in linears]),
        "grads": None, "bias_grads": None, "deltas": None,
    }
    if last_batch is not None:
        message["grads"] = layers(last_batch["grads"])
        message["bias_grads"] = message["deltas"] = layers(last_batch["bias_grads"])
    return message


_FEATURE_THUMBNAILS: dict[str, str] = {}


def feature_thumbnails() -> dict[str, str]:
    """Every input feature's 10 x 10 thumbnail, 8-bit codes in base64 as a neuron's (they never
    change)."""
    if not _FEATURE_THUMBNAILS:
        features = feature_matrix(GRID, list(cfg.FEATURES))
        for k, name in enumerate(cfg.FEATURES):
            _FEATURE_THUMBNAILS[name] = b64_codes(reduce_grid(features[:, k].reshape(DENSITY, DENSITY)))
    return _FEATURE_THUMBNAILS
