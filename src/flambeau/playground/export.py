"""Export an experiment as a runnable Python script, for flambeau or for PyTorch.

The script generates the same data as the session (flambeau: through ``flambeau.datasets`` for
the playground's 2-class and regression sets; otherwise, and always for PyTorch, with a copy of
the source of the generator in :mod:`flambeau.datasets.generators`, the very functions that
flambeau.datasets calls), builds the same network (same layers, the playground's
initialisation), and trains it by the playground's rule: one epoch is one pass in the stored
order, an update after every ``batchSize`` points, the trailing partial batch carried into the
next epoch, regularization after the step with L1's dead weights. It prints the losses as the
playground reports them.

The flambeau script and the PyTorch script differ only in the library's name (and in how the
data are loaded): flambeau has PyTorch's API.
"""

from __future__ import annotations

import inspect
import textwrap
from collections.abc import Mapping
from typing import Any

from ..datasets import generators
from . import config as cfg
from .config import PlaygroundError
from .data import CLASSIFICATION_SAMPLES, REGRESSION_SAMPLES, CustomPoints

FRAMEWORKS = ("flambeau", "pytorch")
DEFAULT_EPOCHS = 500

_FEATURE_CODE = {"x": "x", "y": "y", "xSquared": "x * x", "ySquared": "y * y", "xTimesY": "x * y",
                 "sinX": "np.sin(x)", "sinY": "np.sin(y)"}
_HIDDEN = {"tanh": "nn.Tanh()", "relu": "nn.ReLU()", "sigmoid": "nn.Sigmoid()", "linear": "nn.Identity()"}
# The playground's 2-class and regression sets in flambeau.datasets.
_FLAMBEAU_LOADERS = {"circle": "circle", "xor": "xor", "gauss": "gauss", "spiral": "spiral",
                     "reg-plane": "plane", "reg-gauss": "multi_gauss"}


def _describe(config: Mapping[str, Any]) -> str:
    name = cfg.data_name(config)
    classes = cfg.num_classes(config)
    what = f"{classes} classes" if classes else "regression"
    inputs = ", ".join(cfg.FEATURE_LABELS[f] for f in cfg.active_features(config)) or "no input"
    shape = [len(cfg.active_features(config)), *config["networkShape"], cfg.num_outputs(config)]
    reg = "" if config["regularization"] == "none" else \
        f", {config['regularization']} regularization {config['regularizationRate']}"
    return (f"data: {name} ({what}), noise {config['noise']} %, {config['percTrainData']} % training data, "
            f"seed {config['seed']!r}\n"
            f"network: {'-'.join(map(str, shape))} ({inputs}), {config['activation']}; loss "
            f"{cfg.effective_loss(config)}; {config['optimizer']}, learning rate {config['learningRate']}, "
            f"batch {config['batchSize']}{reg}")


def _source(function: Any) -> str:
    return inspect.getsource(function).rstrip() + "\n"


def _data_section(config: Mapping[str, Any], framework: str, points: CustomPoints | None) -> str:
    """The code defining ``load_data()`` -> (x_train, y_train, x_test, y_test) NumPy arrays."""
    name = cfg.data_name(config)
    classes = cfg.num_classes(config)
    if name == "custom":
        if points is None:
            raise PlaygroundError("custom data: export the script from the playground session that holds "
                                  "the points", "config", code="custom_export")
        rows = ",\n".join(f"    ({float(x)!r}, {float(y)!r}, {float(label)!r}, {bool(train)})"
                          for (x, y), label, train in zip(points.xy, points.labels, points.is_train))
        return (f"# The playground's custom points: (x, y, label, is a training point).\nPOINTS = [\n{rows}\n]\n\n\n"
                "def load_data():\n"
                "    table = np.array([p[:3] for p in POINTS], dtype=np.float64).reshape(-1, 3)\n"
                "    train = np.array([p[3] for p in POINTS], dtype=bool)\n"
                "    xy, labels = table[:, :2].astype(np.float32), table[:, 2].astype(np.float32)\n"
                "    return xy[train], labels[train], xy[~train], labels[~train]\n")
    n = CLASSIFICATION_SAMPLES if config["problem"] == "classification" else REGRESSION_SAMPLES
    if framework == "flambeau" and classes <= 2 and name in _FLAMBEAU_LOADERS | {"moons": "moons"}:
        loader = "moons" if name == "moons" else _FLAMBEAU_LOADERS[name]
        lines = ["def load_data():",
                 f"    data = flambeau.datasets.{loader}(n_samples={n}, noise=NOISE, seed=SEED, "
                 "train_ratio=TRAIN_RATIO)",
                 "    x_train, x_test = data.x_train.numpy(), data.x_test.numpy()"]
        code = ""
        if name == "moons":
            code = _source(generators.moons_to_domain) + "\n\n"
            lines.append("    x_train, x_test = moons_to_domain(x_train), moons_to_domain(x_test)")
        lines.append("    return x_train, data.y_train.numpy()[:, 0], x_test, data.y_test.numpy()[:, 0]")
        return code + "\n".join(lines) + "\n"
    parts = []
    for constant in generators.CONSTANTS.get(name, ()):
        value = getattr(generators, constant)
        if isinstance(value, dict):
            value = {classes: value[classes]}
        parts.append(f"{constant} = {value!r}\n")
    for helper in generators.HELPERS.get(name, ()):
        parts.append(_source(helper))
    parts.append(_source(generators.GENERATORS[name]))
    parts.append(_source(generators.shuffle_split))
    call = generators.GENERATORS[name].__name__
    parts.append(textwrap.dedent(f"""\
        def load_data():
            rng = np.random.default_rng(SEED)
            xy, labels = {call}(rng, {n}, NOISE, {classes or 0})
            return shuffle_split(xy, labels, rng, TRAIN_RATIO)
        """))
    return "\n\n".join(parts)


def _targets_code(config: Mapping[str, Any]) -> str:
    loss = cfg.effective_loss(config)
    if loss == "cross_entropy":
        classes = "(labels > 0)" if cfg.num_classes(config) == 2 else "labels"
        return f"LIB.from_numpy({classes}.astype(np.int64))  # class indices"
    if loss == "bce":
        return "LIB.from_numpy((labels > 0).astype(np.float32).reshape(-1, 1))  # 1 for +1, 0 for -1"
    return "LIB.from_numpy(labels.astype(np.float32).reshape(-1, 1))"


def _model_code(config: Mapping[str, Any]) -> str:
    """``model = nn.Sequential(...)``: the same layers as the session's (same state_dict names)."""
    features = cfg.active_features(config)
    sizes = [len(features), *config["networkShape"], cfg.num_outputs(config)]
    lines = []
    for k, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        act = f" {_HIDDEN[config['activation']]}," if k < len(sizes) - 2 else ""
        lines.append(f"    nn.Linear({a}, {b}),{act}")
    loss = cfg.effective_loss(config)
    if loss == "playground" and config["problem"] == "classification":
        lines[-1] += " nn.Tanh(),  # the playground's output neuron"
    elif loss == "cross_entropy":
        lines[-1] += "  # logits: the softmax is in the loss"
    elif loss == "bce":
        lines[-1] += "  # a logit: the sigmoid is in the loss"
    else:
        lines[-1] += "  # linear output (regression)"
    return "model = nn.Sequential(\n" + "\n".join(lines) + "\n)"


def _loss_code(config: Mapping[str, Any]) -> str:
    loss = cfg.effective_loss(config)
    if loss == "cross_entropy":
        return "loss_fn = nn.CrossEntropyLoss()  # softmax output over the classes\n"
    if loss == "bce":
        return "loss_fn = nn.BCEWithLogitsLoss()  # sigmoid output, binary cross-entropy\n"
    return textwrap.dedent("""\
        def loss_fn(output, target):
            \"\"\"The playground's loss: the mean of 0.5 (output - target)^2 (gradient: the mean of
            output - target).\"\"\"
            return 0.5 * ((output - target) ** 2).mean()
        """)


def _accuracy_code(config: Mapping[str, Any]) -> str:
    if config["problem"] != "classification":
        return textwrap.dedent("""\
            def accuracy(output, target):
                return None  # regression
            """)
    loss = cfg.effective_loss(config)
    if loss == "cross_entropy":
        body = "(output.argmax(dim=1) == target)"
    elif loss == "bce":
        body = "((output >= 0) == (target > 0.5))"
    else:
        body = "((output >= 0) == (target > 0))"
    return textwrap.dedent(f"""\
        def accuracy(output, target):
            return float({body}.float().mean())
        """)


def _optimizer_code(config: Mapping[str, Any]) -> str:
    name = config["optimizer"]
    if name == "adam":
        return "optimizer = LIB.optim.Adam(model.parameters(), lr=LEARNING_RATE)"
    if name == "momentum":
        return "optimizer = LIB.optim.SGD(model.parameters(), lr=LEARNING_RATE, momentum=0.9)"
    return "optimizer = LIB.optim.SGD(model.parameters(), lr=LEARNING_RATE)  # the playground's update"


_TRAINING = '''\
linears = linears_of(model)
dead = [LIB.zeros_like(layer.weight, dtype=LIB.bool) for layer in linears]  # L1's dead weights


def regularize(before):
    """After the step: w <- w - lr * rate * R'(w), R' at the weight before the step (L1: sign(w),
    L2: w), weights only; with L1 a weight that crosses 0 is set to 0 and dead for good."""
    with LIB.no_grad():
        for k, layer in enumerate(linears):
            if REGULARIZATION != "none" and REGULARIZATION_RATE > 0:
                derivative = LIB.sign(before[k]) if REGULARIZATION == "L1" else before[k]
                new = layer.weight - LEARNING_RATE * REGULARIZATION_RATE * derivative
                if REGULARIZATION == "L1":
                    dead[k] = dead[k] | ((layer.weight * new < 0) & ~dead[k])
                layer.weight.copy_(new)
            layer.weight.masked_fill_(dead[k], 0.0)


def train_step(indices):
    """One update on the points ``indices``: the gradient of their mean loss, then the step."""
    optimizer.zero_grad()
    loss = loss_fn(model(LIB.from_numpy(x_train[indices])), t_train[LIB.from_numpy(indices)])
    loss.backward()
    before = [layer.weight.detach().clone() for layer in linears]
    for k, layer in enumerate(linears):
        layer.weight.grad.masked_fill_(dead[k], 0.0)
    optimizer.step()
    regularize(before)


def evaluate(x, t):
    with LIB.no_grad():
        output = model(LIB.from_numpy(x))
        return float(loss_fn(output, t)), accuracy(output, t)


def show(epoch):
    loss_train, acc_train = evaluate(x_train, t_train)
    loss_test, acc_test = evaluate(x_test, t_test)
    line = f"epoch {epoch}: train loss {loss_train:.4f}, test loss {loss_test:.4f}"
    if acc_test is not None:
        line += f", test accuracy {acc_test:.3f}"
    print(line, flush=True)
    return loss_train, loss_test


# The playground's loop: one epoch is one pass over the training set in its stored order (no
# reshuffle); an update after each point i with (i + 1) % BATCH_SIZE == 0; the points after the
# last update are carried over and join the first batch of the next epoch.
n = len(x_train)
batch_size = max(1, min(BATCH_SIZE, n))
carried = np.zeros(0, dtype=np.int64)
loss_train, loss_test = show(0)
for epoch in range(1, EPOCHS + 1):
    start = 0
    for end in range(batch_size, n + 1, batch_size):
        train_step(np.concatenate([carried, np.arange(start, end)]))
        carried, start = np.zeros(0, dtype=np.int64), end
    carried = np.concatenate([carried, np.arange(start, n)])
    if epoch % PRINT_EVERY == 0 or epoch == EPOCHS:
        loss_train, loss_test = show(epoch)
print(f"final: train loss {loss_train:.6f}, test loss {loss_test:.6f}")
'''


def generate_script(config: Mapping[str, Any], framework: str = "flambeau",
                    points: CustomPoints | None = None, epochs: int = DEFAULT_EPOCHS) -> tuple[str, str]:
    """``(filename, text)``: a runnable script of the experiment ``config`` (validated here) for
    ``framework`` (``"flambeau"`` or ``"pytorch"``); ``points`` are the custom data set's."""
    if framework not in FRAMEWORKS:
        raise PlaygroundError(f"framework: {framework!r} must be flambeau or pytorch", "framework", code="bad_value",
                              key="framework", value=str(framework)[:40], expect="choice", options=list(FRAMEWORKS))
    config, _ = cfg.config_from_mapping(config, strict=True)
    lib = "flambeau" if framework == "flambeau" else "torch"
    features = cfg.active_features(config)
    if features:
        columns = ", ".join(_FEATURE_CODE[f] for f in features)
        feature_body = f"    return np.stack([{columns}], axis=1).astype(np.float32)"
    else:
        feature_body = "    return np.zeros((len(xy), 0), dtype=np.float32)"
    uses_x = any(f in ("x", "xSquared", "xTimesY", "sinX") for f in features)
    uses_y = any(f in ("y", "ySquared", "xTimesY", "sinY") for f in features)
    unused = "" if uses_x and uses_y else "  # noqa: F841"
    header = textwrap.dedent(f'''\
        """A TensorFlow Playground experiment, exported from the flambeau playground for {"flambeau" if lib == "flambeau" else "PyTorch"}.

        {_describe(config).replace(chr(10), chr(10) + "        ")}
        playground hash: #{cfg.to_hash(config)}

        Run it:  python {_filename(framework)} [epochs] [weights.safetensors]
        (the weights file, as the playground's "export weights" writes it, sets the initial weights)
        """

        {{math}}import sys

        import numpy as np

        ''')
    if lib == "flambeau":
        header += "import flambeau\nfrom flambeau import nn\n"
    else:
        header = header.replace("import numpy as np\n\n", "import numpy as np\n")
        header += "import torch\nfrom torch import nn\n"
    settings = textwrap.dedent(f"""\

        EPOCHS = int(sys.argv[1]) if len(sys.argv) > 1 else {epochs}
        PRINT_EVERY = max(1, EPOCHS // 20)
        SEED = {cfg.seed_to_int(config["seed"])}  # from the playground's seed {config["seed"]!r}
        NOISE = {_noise_value(config)!r}  # {"a standard deviation" if cfg.data_name(config) == "moons" else "the noise slider / 100"}
        TRAIN_RATIO = {config["percTrainData"] / 100!r}
        BATCH_SIZE = {config["batchSize"]}
        LEARNING_RATE = {float(config["learningRate"])!r}
        REGULARIZATION = "{config["regularization"]}"
        REGULARIZATION_RATE = {float(config["regularizationRate"])!r}
        FEATURES = {features!r}
        """)
    data = _data_section(config, framework, points)
    body = textwrap.dedent(f"""\


        def features(xy):
            \"\"\"The input features of points (n, 2): {", ".join(cfg.FEATURE_LABELS[f] for f in features) or "none"}.\"\"\"
            x, y = xy[:, 0], xy[:, 1]{unused}
        {feature_body}


        def targets(labels):
            return {_targets_code(config)}


        xy_train, labels_train, xy_test, labels_test = load_data()
        x_train, x_test = features(xy_train), features(xy_test)
        t_train, t_test = targets(labels_train), targets(labels_test)
        print(f"{{len(x_train)}} training points, {{len(x_test)}} test points")

        def linears_of(model):
            return [layer for layer in model if isinstance(layer, nn.Linear)]


        LIB.manual_seed(0)
        """)
    body += (_model_code(config) + "\n" + _init_code(config, lib) + "\n\n" + _loss_code(config) + "\n\n"
             + _accuracy_code(config) + "\n\n" + _optimizer_code(config) + "\n" + _TRAINING)
    text = header.replace("{math}", "import math\n" if "math." in data else "") + settings + "\n\n" + data + body
    text = text.replace("LIB.", f"{lib}.")
    return _filename(framework), text


def _filename(framework: str) -> str:
    return f"playground_{framework}.py"


def _noise_value(config: Mapping[str, Any]) -> float:
    """The generator's noise: the slider / 100 (for moons, a standard deviation)."""
    return float(config["noise"]) / 100


def _init_code(config: Mapping[str, Any], lib: str) -> str:
    if config["initZero"]:
        weight, bias = "nn.init.zeros_(layer.weight)", "nn.init.zeros_(layer.bias)"
    else:
        weight, bias = "nn.init.uniform_(layer.weight, -0.5, 0.5)", "nn.init.constant_(layer.bias, 0.1)"
    if lib == "flambeau":
        load = "flambeau.load(sys.argv[2])"
    else:
        load = "__import__(\"safetensors.torch\", fromlist=[\"load_file\"]).load_file(sys.argv[2])"
    return textwrap.dedent(f"""\
        with LIB.no_grad():  # the playground's initialisation
            for layer in linears_of(model):
                {weight}
                {bias}
        if len(sys.argv) > 2:  # initial weights exported from the playground
            model.load_state_dict({load})
        """)
