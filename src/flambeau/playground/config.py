"""The playground's configuration: one dictionary whose keys are the TensorFlow Playground's URL
parameters (so that a playground.tensorflow.org hash opens the same experiment), plus flambeau's
extensions (loss, optimizer, number of classes, stop conditions, speed, view, language).

- :func:`default_config` gives every key with its default;
- :func:`parse_hash` reads a URL hash (``activation=tanh&batchSize=10&...``): unknown keys are
  ignored, as a real playground hash has some, and a bad value is reported and left at its
  default;
- :func:`apply_changes` validates a ``{key: value}`` dictionary against a configuration and
  returns the new one, or raises a :class:`ConfigError` naming the key and the value (all or
  nothing: the previous configuration is kept);
- :func:`to_hash` writes the canonical hash: the playground's own keys in the original's order,
  then the extensions that differ from their defaults, then the ``*_hide`` flags that are set;
- :func:`limits` lists the allowed values, for the page's controls.

Values arrive as strings from a hash and as JSON values from the page: both are accepted
(``"0.03"`` and ``0.03``, ``"true"`` and ``true``, ``"4,2"`` and ``[4, 2]``), anything else is an
error. Nothing is ever evaluated.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import unquote

from .errors import PlaygroundError

# ---------------------------------------------------------------------------------- constants
DATASETS = ("circle", "xor", "gauss", "spiral", "moons", "custom")
REG_DATASETS = ("reg-plane", "reg-gauss", "custom")
PROBLEMS = ("classification", "regression")
ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear")
REGULARIZATIONS = ("none", "L1", "L2")
LOSSES = ("playground", "cross_entropy", "bce")
OPTIMIZERS = ("sgd", "momentum", "adam")
VIEWS = ("forward", "backward")
LANGS = ("", "fr", "en")
NUM_CLASSES = (2, 3, 4)

#: The seven input features, in the playground's order, with their labels on the page.
FEATURES = ("x", "y", "xSquared", "ySquared", "xTimesY", "sinX", "sinY")
FEATURE_LABELS = {"x": "X1", "y": "X2", "xSquared": "X1²", "ySquared": "X2²", "xTimesY": "X1X2",
                  "sinX": "sin(X1)", "sinY": "sin(X2)"}

#: The values of the playground's learning-rate and regularization-rate menus.
LEARNING_RATES = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10)
REGULARIZATION_RATES = (0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10)

MAX_LAYERS = 10           # flambeau's limits (the playground's UI: 6 layers of 8 neurons)
MAX_NEURONS = 32
PLAYGROUND_MAX_LAYERS = 6
PLAYGROUND_MAX_NEURONS = 8
MAX_BATCH_SIZE = 1000     # from a hash; the slider goes to 30
BATCH_SLIDER_MAX = 30
MAX_NOISE = 50            # percent; more from a hash is clamped to 50
MAX_SPEED = 50
MAX_STOP_EPOCHS = 10**9
MAX_HASH_LENGTH = 10_000
MAX_SEED_LENGTH = 40
MAX_POINTS = 5000          # custom points, clicked or uploaded
MAX_CSV_CHARS = 1_000_000  # an uploaded CSV file
MAX_WEIGHTS_BYTES = 5 * 1024 * 1024   # an uploaded weights file
MAX_CONFIG_CHARS = 100_000            # an uploaded experiment file

#: The controls a ``NAME_hide=true`` flag hides (the original's "use it in classroom" list).
HIDE_NAMES = ("showTestData", "discretize", "playButton", "stepButton", "resetButton",
              "learningRate", "activation", "regularization", "regularizationRate", "problem",
              "dataset", "percTrainData", "noise", "batchSize", "numHiddenLayers")
HIDE_KEYS = tuple(f"{name}_hide" for name in HIDE_NAMES)

#: The playground's own keys, in the order the original writes them in its hash.
PLAYGROUND_KEYS = ("activation", "regularization", "batchSize", "dataset", "regDataset",
                   "learningRate", "regularizationRate", "noise", "networkShape", "seed",
                   "showTestData", "discretize", "percTrainData", "x", "y", "xTimesY", "xSquared",
                   "ySquared", "cosX", "sinX", "cosY", "sinY", "collectStats", "tutorial",
                   "problem", "initZero", "hideText")
#: flambeau's extensions, written in the hash only where they differ from their defaults.
EXTENSION_KEYS = ("loss", "optimizer", "numClasses", "stopEpochs", "stopTestLoss", "speed",
                  "view", "lang")

#: Changing one of these rebuilds the data and/or the network (epoch 0), as in the original.
REBUILD_KEYS = frozenset({"dataset", "regDataset", "problem", "noise", "percTrainData", "seed",
                          "networkShape", "activation", "regularization", "regularizationRate",
                          "loss", "numClasses", "initZero", *FEATURES})
#: Changing one of these regenerates the data (a subset of :data:`REBUILD_KEYS`).
DATA_KEYS = frozenset({"dataset", "regDataset", "problem", "noise", "percTrainData", "seed",
                       "numClasses"})


class ConfigError(PlaygroundError):
    """A bad configuration value; ``field`` is the key at fault."""


# ---------------------------------------------------------------------------------- value parsers
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_SAFE_TEXT = re.compile(r"[A-Za-z0-9._-]*")


def _show(value: Any) -> str:
    """A short rendering of a bad value for an error message."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _plain(value: Any) -> str:
    """A bad value as the page shows it (the user's own text, cut at 40 characters)."""
    text = value if isinstance(value, str) else ",".join(map(str, value)) if isinstance(value, (list, tuple)) \
        else str(value).lower() if isinstance(value, bool) else str(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _expect(kind: str, text: str, **params: Any) -> tuple[str, str, dict[str, Any]]:
    """What a setting accepts: a kind the page words (``expect-KIND`` in messages.js) with its
    parameters, and the English text."""
    return kind, text, params


def _bad(key: str, value: Any, expected: tuple[str, str, dict[str, Any]]) -> ConfigError:
    kind, text, params = expected
    return ConfigError(f"{key}: {_show(value)} is not valid; expected {text}", key, code="bad_value",
                       key=key, value=_plain(value), expect=kind, **params)


def _number(key: str, value: Any, expected: tuple[str, str, dict[str, Any]]) -> float:
    """A finite number from a JSON number or a numeric string (never a boolean)."""
    if isinstance(value, bool):
        raise _bad(key, value, expected)
    if isinstance(value, (int, float)):
        try:
            number = float(value)
        except OverflowError:  # an integer beyond any float
            raise _bad(key, value, expected) from None
    elif isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
        number = float(value.strip())
    else:
        raise _bad(key, value, expected)
    if not math.isfinite(number):
        raise _bad(key, value, expected)
    return number


def _tidy(number: float) -> int | float:
    """An integral number as an int (so that 50.0 reads 50), others unchanged."""
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def _integer(key: str, value: Any, low: int, high: int) -> int:
    expected = _expect("int_range", f"an integer from {low} to {high}", low=low, high=high)
    number = _number(key, value, expected)
    if not number.is_integer() or not low <= number <= high:
        raise _bad(key, value, expected)
    return int(number)


def _choice(options: tuple[str, ...], case_insensitive: bool = False) -> Callable[[str, Any], str]:
    lookup = {o.lower(): o for o in options} if case_insensitive else {o: o for o in options}

    def parse(key: str, value: Any) -> str:
        text = value.strip() if isinstance(value, str) else None
        if case_insensitive and text is not None:
            text = text.lower()
        if text is None or text not in lookup:
            raise _bad(key, value, _expect("choice", "one of " + ", ".join(o or '""' for o in options),
                                           options=[o for o in options if o]))
        return lookup[text]

    return parse


def _boolean(key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise _bad(key, value, _expect("bool", "true or false"))


def _network_shape(key: str, value: Any) -> list[int]:
    expected = _expect("shape", f"a comma-separated list of 0 to {MAX_LAYERS} layer sizes from 1 to "
                       f"{MAX_NEURONS}, such as 4,2 (empty: no hidden layer)", max_layers=MAX_LAYERS,
                       max_neurons=MAX_NEURONS)
    if isinstance(value, str):
        text = value.strip()
        items: list[Any] = [] if text == "" else [s.strip() for s in text.split(",")]
    elif isinstance(value, (list, tuple)):
        items = list(value)
    else:
        raise _bad(key, value, expected)
    if len(items) > MAX_LAYERS:
        raise _bad(key, value, expected)
    sizes = []
    for item in items:
        try:
            sizes.append(_integer(key, item, 1, MAX_NEURONS))
        except ConfigError:
            raise _bad(key, value, expected) from None
    return sizes


def _positive(key: str, value: Any) -> int | float:
    expected = _expect("positive", "a positive number")
    number = _number(key, value, expected)
    if number <= 0:
        raise _bad(key, value, expected)
    return _tidy(number)


def _non_negative(key: str, value: Any) -> int | float:
    expected = _expect("non_negative", "a number >= 0")
    number = _number(key, value, expected)
    if number < 0:
        raise _bad(key, value, expected)
    return _tidy(number)


def _noise(key: str, value: Any) -> int | float:
    expected = _expect("percent_range", f"a percentage from 0 to {MAX_NOISE}", low=0, high=MAX_NOISE)
    number = _number(key, value, expected)
    if number < 0:
        raise _bad(key, value, expected)
    return _tidy(min(number, float(MAX_NOISE)))  # the original clamps larger values from a hash


def _percent_train(key: str, value: Any) -> int | float:
    expected = _expect("percent_range", "a percentage from 10 to 90", low=10, high=90)
    number = _number(key, value, expected)
    if not 10 <= number <= 90:
        raise _bad(key, value, expected)
    return _tidy(number)


def _seed(key: str, value: Any) -> str:
    expected = _expect("seed", f"a string of letters, digits, '.', '_' or '-' (at most {MAX_SEED_LENGTH}), "
                       "or a number", max=MAX_SEED_LENGTH)
    if isinstance(value, bool):
        raise _bad(key, value, expected)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _bad(key, value, expected)
        return _format_number(value)
    if isinstance(value, str):
        text = value.strip()
        if text and len(text) <= MAX_SEED_LENGTH and _SAFE_TEXT.fullmatch(text):
            return text
    raise _bad(key, value, expected)


def _tutorial(key: str, value: Any) -> str:
    if isinstance(value, str) and len(value.strip()) <= 64 and _SAFE_TEXT.fullmatch(value.strip()):
        return value.strip()
    raise _bad(key, value, _expect("name", "a short name of letters, digits, '.', '_' or '-'"))


# key -> (parser, default)
_SPEC: dict[str, tuple[Callable[[str, Any], Any], Any]] = {
    "dataset": (_choice(DATASETS), "circle"),
    "regDataset": (_choice(REG_DATASETS), "reg-plane"),
    "problem": (_choice(PROBLEMS), "classification"),
    "networkShape": (_network_shape, [4, 2]),
    "activation": (_choice(ACTIVATIONS), "tanh"),
    "learningRate": (_positive, 0.03),
    "regularization": (_choice(REGULARIZATIONS, case_insensitive=True), "none"),
    "regularizationRate": (_non_negative, 0),
    "batchSize": (lambda k, v: _integer(k, v, 1, MAX_BATCH_SIZE), 10),
    "noise": (_noise, 0),
    "percTrainData": (_percent_train, 50),
    **{name: (_boolean, name in ("x", "y")) for name in FEATURES},
    "cosX": (_boolean, False),
    "cosY": (_boolean, False),
    "collectStats": (_boolean, False),
    "initZero": (_boolean, False),
    "hideText": (_boolean, False),
    "tutorial": (_tutorial, ""),
    "showTestData": (_boolean, False),
    "discretize": (_boolean, False),
    "seed": (_seed, "0.12345"),
    "loss": (_choice(LOSSES), "playground"),
    "optimizer": (_choice(OPTIMIZERS), "sgd"),
    "numClasses": (lambda k, v: _integer(k, v, 2, 4), 2),
    "stopEpochs": (lambda k, v: _integer(k, v, 0, MAX_STOP_EPOCHS), 0),
    "stopTestLoss": (_non_negative, 0),
    "speed": (lambda k, v: _integer(k, v, 1, MAX_SPEED), 1),
    "view": (_choice(VIEWS), "forward"),
    "lang": (_choice(LANGS), ""),
    **{key: (_boolean, False) for key in HIDE_KEYS},
}
KEYS = tuple(_SPEC)


def default_config() -> dict[str, Any]:
    """Every key with its default value (a new dictionary each time)."""
    return {key: (list(default) if isinstance(default, list) else default)
            for key, (_, default) in _SPEC.items()}


def parse_value(key: str, value: Any) -> Any:
    """The normalised value of ``key``; raises :class:`ConfigError` if it is bad. An unknown key
    is an error here (:func:`parse_hash` skips unknown keys before calling it)."""
    if key not in _SPEC:
        raise ConfigError(f"unknown setting {_show(key)}", key if isinstance(key, str) else None,
                          code="unknown_setting", key=_plain(key))
    return _SPEC[key][0](key, value)


def _consistency_error(config: Mapping[str, Any], blame: list[str]) -> ConfigError | None:
    """The error of a combination of values that cannot work together, naming the first key of
    ``blame`` involved (the keys being changed first), or None."""
    def pick(*keys: str) -> str:
        for key in blame:
            if key in keys:
                return key
        return keys[0]

    if config["problem"] == "classification" and config["numClasses"] > 2:
        if config["loss"] != "cross_entropy":
            key = pick("numClasses", "loss")
            return ConfigError(f"{key}: {config['numClasses']} classes need loss=cross_entropy (a softmax "
                               f"output); loss={config['loss']} works with 2 classes", key,
                               code="classes_need_cross_entropy", key=key, n=config["numClasses"],
                               loss=config["loss"])
        if config["dataset"] == "moons":
            key = pick("numClasses", "dataset")
            return ConfigError(f"{key}: the moons data set has 2 classes only; numClasses=3 and 4 exist for "
                               "circle, xor, gauss, spiral and custom data", key, code="moons_two_classes", key=key)
    return None


def apply_changes(config: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """A new configuration: ``config`` with ``changes`` applied, validated as a whole.

    Raises :class:`ConfigError` (naming the key and the value) if any change is bad or unknown, or
    if the result is inconsistent; ``config`` itself is never modified.
    """
    if not isinstance(changes, Mapping):
        raise ConfigError("changes must be an object of {setting: value}", "changes", code="not_settings")
    new = dict(config)
    for key, value in changes.items():
        new[key] = parse_value(key, value)
    error = _consistency_error(new, list(changes))
    if error is not None:
        raise error
    return new


def config_from_mapping(values: Mapping[str, Any], strict: bool = True) -> tuple[dict[str, Any], list[ConfigError]]:
    """A configuration from defaults plus ``values`` (a hash's pairs or a JSON object), unknown
    keys ignored. ``strict``: the first bad value raises; otherwise each bad value is left at its
    default and its error returned in the list."""
    if not isinstance(values, Mapping):
        raise ConfigError("a configuration must be an object of {setting: value}", code="not_settings")
    config = default_config()
    errors: list[ConfigError] = []
    known = [key for key in values if key in _SPEC]
    for key in known:
        try:
            config[key] = parse_value(key, values[key])
        except ConfigError as e:
            if strict:
                raise
            errors.append(e)
    error = _consistency_error(config, known)
    if error is not None:
        if strict:
            raise error
        errors.append(error)
        config[error.field] = default_config()[error.field]
        second = _consistency_error(config, known)
        if second is not None:  # e.g. numClasses=3 blamed on loss: fall back to 2 classes too
            config["numClasses"] = 2
    return config, errors


def hash_pairs(text: str) -> dict[str, str]:
    """The ``name=value`` pairs of a URL hash (with or without ``#``), values URL-decoded; the
    last of repeated names wins. Raises :class:`ConfigError` for a hash over 10,000 characters."""
    if not isinstance(text, str):
        raise ConfigError("the hash must be a string", "hash", code="bad_field", name="hash", expect="str")
    if len(text) > MAX_HASH_LENGTH:
        raise ConfigError(f"the hash is too long ({len(text)} characters, at most {MAX_HASH_LENGTH})", "hash",
                          code="hash_too_long", n=len(text), max=MAX_HASH_LENGTH)
    text = text.strip()
    if text.startswith("#"):
        text = text[1:]
    pairs: dict[str, str] = {}
    for part in text.split("&"):
        if not part:
            continue
        name, _, value = part.partition("=")
        pairs[unquote(name).strip()] = unquote(value)
    return pairs


def parse_hash(text: str, strict: bool = False) -> tuple[dict[str, Any], list[ConfigError]]:
    """The configuration of a URL hash such as playground.tensorflow.org writes: unknown keys
    ignored, bad values reported (``strict=False``: left at their defaults, errors returned)."""
    return config_from_mapping(hash_pairs(text), strict=strict)


# ---------------------------------------------------------------------------------- writing
def _format_number(value: int | float) -> str:
    """A number as JavaScript prints it in the playground's hash: 0.00001, not 1e-05."""
    if isinstance(value, int) or float(value).is_integer() and abs(value) < 2**53:
        return str(int(value))
    text = repr(float(value))
    if "e" in text or "E" in text:
        text = format(Decimal(text), "f")
    return text


def format_value(key: str, value: Any) -> str:
    """How ``value`` of ``key`` reads in a hash."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if key == "networkShape":
        return ",".join(str(v) for v in value)
    if isinstance(value, (int, float)):
        return _format_number(value)
    return str(value)


def to_hash(config: Mapping[str, Any]) -> str:
    """The canonical hash (without ``#``): the playground's keys in its order (``regularization``
    left out when none and ``tutorial`` when empty, as the original does), then flambeau's
    extensions that differ from their defaults, then the ``*_hide`` flags that are true."""
    defaults = default_config()
    parts = []
    for key in PLAYGROUND_KEYS:
        value = config[key]
        if (key == "regularization" and value == "none") or (key == "tutorial" and not value):
            continue
        parts.append(f"{key}={format_value(key, value)}")
    for key in EXTENSION_KEYS:
        if config[key] != defaults[key]:
            parts.append(f"{key}={format_value(key, config[key])}")
    for key in HIDE_KEYS:
        if config[key]:
            parts.append(f"{key}=true")
    return "&".join(parts)


# ---------------------------------------------------------------------------------- derived values
def active_features(config: Mapping[str, Any]) -> list[str]:
    """The input features switched on, in the playground's order (they are layer 0)."""
    return [name for name in FEATURES if config[name]]


def data_name(config: Mapping[str, Any]) -> str:
    """The data set in use: ``dataset`` for classification, ``regDataset`` for regression."""
    return config["dataset"] if config["problem"] == "classification" else config["regDataset"]


def num_outputs(config: Mapping[str, Any]) -> int:
    """Output neurons: one per class with cross-entropy, else one."""
    if config["problem"] == "classification" and config["loss"] == "cross_entropy":
        return config["numClasses"]
    return 1


def effective_loss(config: Mapping[str, Any]) -> str:
    """The loss trained: regression always uses the playground's squared error."""
    return config["loss"] if config["problem"] == "classification" else "playground"


def num_classes(config: Mapping[str, Any]) -> int:
    """The number of classes (0 for regression)."""
    if config["problem"] != "classification":
        return 0
    return config["numClasses"] if config["loss"] == "cross_entropy" else 2


def seed_to_int(seed: str) -> int:
    """The integer seed of the NumPy generator for a playground seed string, deterministically:
    ``"0.12345"`` (the playground's ``Math.random().toFixed(5)``) gives the digits after the point,
    12345; a string of digits gives its value; anything else the first 8 bytes of its SHA-256."""
    text = str(seed).strip()
    match = re.fullmatch(r"0?\.(\d{1,18})", text)
    if match:
        return int(match.group(1))
    if re.fullmatch(r"\d{1,18}", text):
        return int(text)
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little") >> 1


def limits() -> dict[str, Any]:
    """The allowed values, for the page's controls (sent in every ``config`` message)."""
    return {
        "max_layers": MAX_LAYERS, "max_neurons": MAX_NEURONS,
        "playground_max_layers": PLAYGROUND_MAX_LAYERS, "playground_max_neurons": PLAYGROUND_MAX_NEURONS,
        "learning_rates": list(LEARNING_RATES), "regularization_rates": list(REGULARIZATION_RATES),
        "batch_size": [1, MAX_BATCH_SIZE], "batch_size_slider": [1, BATCH_SLIDER_MAX],
        "noise": [0, MAX_NOISE], "perc_train_data": [10, 90], "speed": [1, MAX_SPEED],
        "num_classes": list(NUM_CLASSES), "datasets": list(DATASETS), "reg_datasets": list(REG_DATASETS),
        "problems": list(PROBLEMS), "activations": list(ACTIVATIONS),
        "regularizations": list(REGULARIZATIONS), "losses": list(LOSSES), "optimizers": list(OPTIMIZERS),
        "views": list(VIEWS), "langs": [lang for lang in LANGS if lang],
        "features": list(FEATURES), "feature_labels": dict(FEATURE_LABELS),
        "hide_names": list(HIDE_NAMES), "max_points": MAX_POINTS, "domain": [-6, 6], "density": 100,
        "max_csv_chars": MAX_CSV_CHARS, "max_weights_bytes": MAX_WEIGHTS_BYTES, "max_config_chars": MAX_CONFIG_CHARS,
    }
