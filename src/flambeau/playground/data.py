"""The data of a playground configuration: points, labels, the training/test split, the input
features, and the user's own points (clicked on the page or uploaded as CSV).

- :func:`make_data` builds the data set a configuration names: the TensorFlow Playground's sets
  through :mod:`flambeau.datasets` (500 points for classification, 1200 for regression, noise =
  the slider / 100, the seed string mapped to an integer by :func:`~.config.seed_to_int`, the
  first ``percTrainData`` % of the shuffled points for training), their 3- and 4-class versions
  from :mod:`flambeau.datasets.generators`, or the custom points;
- :class:`CustomPoints` holds the user's points; :func:`parse_csv` reads and validates a CSV;
- :func:`feature_matrix` computes the seven input features (X1, X2, X1², X2², X1X2, sin X1,
  sin X2) of points.

Labels are +1/-1 for 2 classes (the playground's), class indices 0..K-1 for K = 3 or 4 classes,
and real numbers for regression.
"""

from __future__ import annotations

import base64
import csv
import io
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import datasets
from ..datasets import generators
from .config import MAX_CSV_CHARS, MAX_POINTS, PlaygroundError, data_name, num_classes, seed_to_int

CLASSIFICATION_SAMPLES = 500
REGRESSION_SAMPLES = 1200
MAX_COORDINATE = 1e6
DOMAIN = 6.0                 # the heatmap covers [-6, 6]^2; clicked points must lie in it

# The playground's sets in flambeau.datasets (2 classes, or regression).
_FLAMBEAU_SETS = {"circle": datasets.circle, "xor": datasets.xor, "gauss": datasets.gauss,
                  "spiral": datasets.spiral, "reg-plane": datasets.plane, "reg-gauss": datasets.multi_gauss}


class DataError(PlaygroundError):
    """Bad points or a bad CSV file; ``field`` names the message field at fault."""


@dataclass
class PlaygroundData:
    """Training and test points: ``x_*`` of shape (n, 2) (float64 coordinates), ``y_*`` of shape
    (n,) (labels: +1/-1, class indices, or regression targets)."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    problem: str
    num_classes: int          # 0 for regression
    name: str

    def points(self, decimals: int = 4) -> dict[str, list[list[float]]]:
        """``{"train": [[x, y, label], ...], "test": [...]}`` for the page (rounded)."""
        def rows(xy: np.ndarray, labels: np.ndarray) -> list[list[float]]:
            table = np.column_stack([np.round(xy, decimals), labels]) if len(xy) else np.zeros((0, 3))
            return [[float(a), float(b), _label_value(c)] for a, b, c in table]

        return {"train": rows(self.x_train, self.y_train), "test": rows(self.x_test, self.y_test)}


def _label_value(label: float) -> float | int:
    return int(label) if float(label).is_integer() else round(float(label), 6)


def _from_split(split: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    return (split.x_train.numpy().astype(np.float64), split.y_train.numpy()[:, 0].astype(np.float64),
            split.x_test.numpy().astype(np.float64), split.y_test.numpy()[:, 0].astype(np.float64))


def make_data(config: Mapping[str, Any], custom: CustomPoints | None = None) -> PlaygroundData:
    """The data set of ``config`` (``custom`` holds the points of the ``custom`` data set)."""
    name = data_name(config)
    problem = config["problem"]
    classes = num_classes(config)
    ratio = config["percTrainData"] / 100
    seed = seed_to_int(config["seed"])
    noise = config["noise"] / 100
    if name == "custom":
        points = custom if custom is not None else CustomPoints()
        x_train, y_train, x_test, y_test = points.split()
    elif name == "moons":
        split = datasets.moons(CLASSIFICATION_SAMPLES, noise=noise, seed=seed, train_ratio=ratio)
        x_train, y_train, x_test, y_test = _from_split(split)
        x_train = generators.moons_to_domain(x_train.astype(np.float32)).astype(np.float64)
        x_test = generators.moons_to_domain(x_test.astype(np.float32)).astype(np.float64)
    elif classes <= 2:
        n = CLASSIFICATION_SAMPLES if problem == "classification" else REGRESSION_SAMPLES
        split = _FLAMBEAU_SETS[name](n, noise=noise, seed=seed, train_ratio=ratio)
        x_train, y_train, x_test, y_test = _from_split(split)
    else:
        arrays = generators.generate(name, CLASSIFICATION_SAMPLES, noise, seed, ratio, classes)
        x_train, y_train, x_test, y_test = (a.astype(np.float64) for a in arrays)
    return PlaygroundData(x_train, y_train, x_test, y_test, problem, classes, name)


# ---------------------------------------------------------------------------------- features
FEATURE_FUNCTIONS = {
    "x": lambda x, y: x,
    "y": lambda x, y: y,
    "xSquared": lambda x, y: x * x,
    "ySquared": lambda x, y: y * y,
    "xTimesY": lambda x, y: x * y,
    "sinX": lambda x, y: np.sin(x),
    "sinY": lambda x, y: np.sin(y),
}


def feature_matrix(xy: np.ndarray, names: list[str]) -> np.ndarray:
    """The features ``names`` of the points ``xy`` (n, 2), one column each: (n, len(names))."""
    x, y = xy[:, 0], xy[:, 1]
    if not names:
        return np.zeros((len(xy), 0), dtype=xy.dtype)
    return np.stack([FEATURE_FUNCTIONS[name](x, y) for name in names], axis=1)


# ---------------------------------------------------------------------------------- labels
def check_label(value: Any, problem: str, classes: int, field: str = "label") -> float:
    """A valid label for the problem: +1 or -1 (2 classes), 0..K-1 (K classes), a finite number
    (regression); raises :class:`DataError` otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise DataError(f"{field}: {value!r} is not a number", field, code="label_not_number", value=str(value)[:40])
    if problem == "regression":
        if abs(value) > MAX_COORDINATE:
            raise DataError(f"{field}: {value!r} is too large (at most {MAX_COORDINATE:g} in absolute value)", field,
                            code="label_too_large", value=_label_value(value), max=MAX_COORDINATE)
        return float(value)
    if classes <= 2:
        if value not in (1, -1):
            raise DataError(f"{field}: {value!r} is not a class; use +1 (blue) or -1 (orange)", field,
                            code="label_not_class", value=_label_value(value), k=2)
        return float(value)
    if value != int(value) or not 0 <= value < classes:
        raise DataError(f"{field}: {value!r} is not a class; use 0 to {classes - 1}", field,
                        code="label_not_class", value=_label_value(value), k=classes)
    return float(value)


# ---------------------------------------------------------------------------------- custom points
class CustomPoints:
    """The user's own points: coordinates, labels, and which are training points."""

    def __init__(self) -> None:
        self.xy = np.zeros((0, 2))
        self.labels = np.zeros(0)
        self.is_train = np.zeros(0, dtype=bool)

    def __len__(self) -> int:
        return len(self.labels)

    def copy(self) -> CustomPoints:
        other = CustomPoints()
        other.xy, other.labels, other.is_train = self.xy.copy(), self.labels.copy(), self.is_train.copy()
        return other

    @classmethod
    def from_data(cls, data: PlaygroundData) -> CustomPoints:
        """The points of ``data``, keeping its split (the start of a custom set drawn over them)."""
        points = cls()
        points.xy = np.concatenate([data.x_train, data.x_test])
        points.labels = np.concatenate([data.y_train, data.y_test])
        points.is_train = np.concatenate([np.ones(len(data.x_train), bool), np.zeros(len(data.x_test), bool)])
        return points

    def add(self, x: float, y: float, label: float, train: bool = True) -> None:
        """Append one point (already validated)."""
        if len(self) >= MAX_POINTS:
            raise DataError(f"the data set already has {MAX_POINTS} points, the most it can hold", "label",
                            code="too_many_points", max=MAX_POINTS)
        self.xy = np.vstack([self.xy, [[x, y]]])
        self.labels = np.append(self.labels, label)
        self.is_train = np.append(self.is_train, train)

    def clear(self) -> None:
        self.__init__()

    def resplit(self, train_ratio: float, seed: int) -> None:
        """Shuffle with ``seed`` and put the first floor(n * ratio) points in the training set."""
        order = np.random.default_rng(seed).permutation(len(self))
        self.xy, self.labels = self.xy[order], self.labels[order]
        self.is_train = np.arange(len(self)) < math.floor(len(self) * train_ratio + 1e-9)

    def split(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        t = self.is_train
        return self.xy[t].copy(), self.labels[t].copy(), self.xy[~t].copy(), self.labels[~t].copy()

    def check_labels(self, problem: str, classes: int) -> None:
        """Raise :class:`DataError` if a label does not fit ``problem`` with ``classes`` classes."""
        for value in np.unique(self.labels):
            check_label(float(value), problem, classes, "labels")

    def to_csv(self) -> str:
        """``x,y,label,split`` rows with a header, exactly (floats written in full)."""
        out = io.StringIO()
        out.write("x,y,label,split\n")
        for (x, y), label, train in zip(self.xy, self.labels, self.is_train):
            out.write(f"{float(x)!r},{float(y)!r},{_label_value(label)},{'train' if train else 'test'}\n")
        return out.getvalue()


def data_to_csv(data: PlaygroundData) -> str:
    """The current data as CSV: ``x,y,label,split``."""
    return CustomPoints.from_data(data).to_csv()


def _cell_number(text: str, row: int, column: str) -> float:
    try:
        value = float(text.strip())
    except ValueError:
        raise DataError(f"row {row}: {column} {text.strip()[:30]!r} is not a number", "text",
                        code="csv_not_number", row=row, column=column, value=text.strip()[:30]) from None
    if not math.isfinite(value) or abs(value) > MAX_COORDINATE:
        raise DataError(f"row {row}: {column} {text.strip()[:30]!r} is not a finite number of at most "
                        f"{MAX_COORDINATE:g} in absolute value", "text", code="csv_number_too_large", row=row,
                        column=column, value=text.strip()[:30], max=MAX_COORDINATE)
    return value


def _csv_label_error(error: DataError, row: int, labels: np.ndarray, problem: str) -> DataError:
    """A bad label of a CSV row, with what the file's labels suggest: the number of classes
    (labels 0..K-1), or regression (labels that are not classes)."""
    params = dict(error.params, row=row)
    if problem == "classification":
        values = np.unique(labels)
        if np.all(values == np.round(values)) and values.min() >= 0 and values.max() <= 3:
            k = max(int(values.max()) + 1, 2)
            if k > 2:
                return DataError(f"row {row}: {error}; the file's labels 0 to {k - 1} make {k} classes: choose "
                                 f"{k} classes (loss cross-entropy) before uploading", "text",
                                 code="csv_label_classes", suggest=k, **params)
        elif not np.all(np.isin(values, (-1.0, 1.0))):
            return DataError(f"row {row}: {error}; the file's labels are numbers, not classes: choose the "
                             "regression problem before uploading", "text", code="csv_label_regression", **params)
    return DataError(f"row {row}: {error}", "text", code="csv_label", **params)


def parse_csv(text: str, problem: str, classes: int) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """The points of a CSV text of ``x,y,label`` rows, with an optional header row and an optional
    fourth column ``split`` (``train``/``test``, as :meth:`CustomPoints.to_csv` writes).

    Labels must fit the problem: +1/-1 for 2 classes (0/1 is accepted too, 0 read as -1), 0..K-1
    for K classes, any finite number for regression. At most :data:`MAX_POINTS` rows. Returns
    ``(xy, labels, is_train)``, ``is_train`` None when the file has no split column. Raises
    :class:`DataError` naming the row at fault.
    """
    if not isinstance(text, str):
        raise DataError("text must be a string (the CSV file's content)", "text", code="bad_field", name="text",
                        expect="str")
    if len(text) > MAX_CSV_CHARS:
        raise DataError(f"the CSV file is too large ({len(text)} characters, at most {MAX_CSV_CHARS})", "text",
                        code="csv_too_large", n=len(text), max=MAX_CSV_CHARS)
    rows = []
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for row in reader:
            if not row or all(not cell.strip() for cell in row):
                continue
            rows.append((reader.line_num, row))
    except csv.Error:  # the csv module's own words are not for the user
        raise DataError(f"the CSV file cannot be read at line {reader.line_num + 1} (a quote or a line break "
                        "out of place?)", "text", code="csv_unreadable", row=reader.line_num + 1) from None
    if rows:
        first = rows[0][1][0].strip()
        try:
            float(first)
        except ValueError:
            rows = rows[1:]  # a header
    if not rows:
        raise DataError("the CSV file has no points (expected rows of x,y,label)", "text", code="csv_empty")
    if len(rows) > MAX_POINTS:
        raise DataError(f"the CSV file has {len(rows)} points; at most {MAX_POINTS} are allowed", "text",
                        code="csv_too_many_points", n=len(rows), max=MAX_POINTS)
    xy = np.zeros((len(rows), 2))
    labels = np.zeros(len(rows))
    splits: list[str] = []
    for i, (number, row) in enumerate(rows):
        if len(row) not in (3, 4):
            raise DataError(f"row {number}: expected 3 columns (x,y,label) or 4 (x,y,label,split), "
                            f"got {len(row)}", "text", code="csv_columns", row=number, n=len(row))
        xy[i] = (_cell_number(row[0], number, "x"), _cell_number(row[1], number, "y"))
        labels[i] = _cell_number(row[2], number, "label")
        if len(row) == 4:
            splits.append(row[3].strip().lower())
    if problem == "classification" and classes <= 2 and set(np.unique(labels)) <= {0.0, 1.0}:
        labels = np.where(labels == 0, -1.0, 1.0)  # 0/1 labels, as scikit-learn writes them
    for i, (number, _) in enumerate(rows):
        try:
            check_label(float(labels[i]), problem, classes)
        except DataError as e:
            raise _csv_label_error(e, number, labels, problem) from None
    is_train = None
    if splits:
        if len(splits) != len(rows) or not set(splits) <= {"train", "test"}:
            raise DataError("the split column must say train or test on every row", "text", code="csv_split")
        is_train = np.array([s == "train" for s in splits])
    return xy, labels, is_train


# ---------------------------------------------------------------------------------- points in a link
#: The longest ``points=`` value written in a share link: with the rest of the hash the address
#: stays under about 2,300 characters, which browsers, e-mail and chat tools keep whole.
MAX_HASH_POINTS_CHARS = 2000
_HASH_VERSION = 1
_COORD_BITS = 10              # 1024 steps over the points' range: 0.012 over [-6, 6]
_REGRESSION_BITS = 10


def _label_bits(problem: str, classes: int) -> int:
    if problem == "regression":
        return _REGRESSION_BITS
    return 1 if classes <= 2 else 2


def _quantize(values: np.ndarray, low: float, high: float, bits: int) -> np.ndarray:
    top = (1 << bits) - 1
    if high <= low:
        return np.zeros(len(values), dtype=np.int64)
    return np.clip(np.rint((values - low) / (high - low) * top), 0, top).astype(np.int64)


def _dequantize(q: np.ndarray, low: float, high: float, bits: int) -> np.ndarray:
    return low + q.astype(np.float64) * ((high - low) / ((1 << bits) - 1))


def points_to_hash(points: CustomPoints, problem: str, classes: int) -> str:
    """The points in a compact URL-safe text for a share link's ``points=``: a header (version,
    count, the coordinates' ranges as float32, and the labels' range in regression), then per
    point x and y on 10 bits each over their range, the split on 1 bit, the label on 1 bit (2
    classes), 2 bits (3-4 classes) or 10 bits over its range (regression); base64url."""
    n = len(points)
    ranges = [float(points.xy[:, 0].min()), float(points.xy[:, 0].max()),
              float(points.xy[:, 1].min()), float(points.xy[:, 1].max())] if n else [0.0] * 4
    lbits = _label_bits(problem, classes)
    if problem == "regression":
        ranges += [float(points.labels.min()), float(points.labels.max())] if n else [0.0, 0.0]
        label_q = _quantize(points.labels, ranges[4], ranges[5], lbits)
    elif classes <= 2:
        label_q = (points.labels > 0).astype(np.int64)
    else:
        label_q = points.labels.astype(np.int64)
    ranges32 = np.array(ranges, dtype=np.float32)
    fields = [(_quantize(points.xy[:, 0], float(ranges32[0]), float(ranges32[1]), _COORD_BITS), _COORD_BITS),
              (_quantize(points.xy[:, 1], float(ranges32[2]), float(ranges32[3]), _COORD_BITS), _COORD_BITS),
              (points.is_train.astype(np.int64), 1), (label_q, lbits)]
    bits = np.concatenate([((q[:, None] >> np.arange(width - 1, -1, -1)) & 1) for q, width in fields], axis=1) \
        if n else np.zeros((0, 0), dtype=np.int64)
    body = np.packbits(bits.astype(np.uint8).ravel()).tobytes()
    raw = bytes([_HASH_VERSION]) + n.to_bytes(2, "big") + ranges32.astype(">f4").tobytes() + body
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def points_from_hash(text: str, problem: str, classes: int) -> CustomPoints:
    """The points of a share link's ``points=`` (see :func:`points_to_hash`); raises
    :class:`DataError` (code ``bad_points``) if the text is not such an encoding for this problem."""
    def bad() -> DataError:
        return DataError("points: the points in the link are damaged or for another problem", "points",
                         code="bad_points")

    if not isinstance(text, str) or len(text) > 4 * MAX_POINTS:
        raise bad()
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except ValueError:
        raise bad() from None
    lbits = _label_bits(problem, classes)
    nranges = 6 if problem == "regression" else 4
    head = 3 + 4 * nranges
    if len(raw) < head or raw[0] != _HASH_VERSION:
        raise bad()
    n = int.from_bytes(raw[1:3], "big")
    ranges = np.frombuffer(raw[3:head], dtype=">f4").astype(np.float64)
    per_point = 2 * _COORD_BITS + 1 + lbits
    if n > MAX_POINTS or len(raw) != head + (n * per_point + 7) // 8 or not np.isfinite(ranges).all():
        raise bad()
    bits = np.unpackbits(np.frombuffer(raw[head:], dtype=np.uint8))[: n * per_point].reshape(n, per_point)

    def take(start: int, width: int) -> np.ndarray:
        weights = 1 << np.arange(width - 1, -1, -1)
        return bits[:, start:start + width].astype(np.int64) @ weights

    points = CustomPoints()
    points.xy = np.stack([_dequantize(take(0, _COORD_BITS), ranges[0], ranges[1], _COORD_BITS),
                          _dequantize(take(_COORD_BITS, _COORD_BITS), ranges[2], ranges[3], _COORD_BITS)], axis=1) \
        if n else np.zeros((0, 2))
    points.is_train = take(2 * _COORD_BITS, 1).astype(bool) if n else np.zeros(0, dtype=bool)
    label_q = take(2 * _COORD_BITS + 1, lbits) if n else np.zeros(0, dtype=np.int64)
    if problem == "regression":
        points.labels = np.round(_dequantize(label_q, ranges[4], ranges[5], lbits), 6)
    elif classes <= 2:
        points.labels = np.where(label_q == 1, 1.0, -1.0)
    else:
        if n and label_q.max() >= classes:
            raise bad()
        points.labels = label_q.astype(np.float64)
    return points
