"""The playground's configuration: defaults, the URL-hash parser (playground.tensorflow.org hashes
included), validation with errors naming the key and the value, normalisation, the canonical hash."""

from __future__ import annotations

import pytest

from flambeau.playground import config as cfg
from flambeau.playground.config import ConfigError

# The hash playground.tensorflow.org writes for its default experiment (seed drawn at random).
PLAYGROUND_DEFAULT_HASH = (
    "#activation=tanh&batchSize=10&dataset=circle&regDataset=reg-plane&learningRate=0.03"
    "&regularizationRate=0&noise=0&networkShape=4,2&seed=0.64827&showTestData=false&discretize=false"
    "&percTrainData=50&x=true&y=true&xTimesY=false&xSquared=false&ySquared=false&cosX=false&sinX=false"
    "&cosY=false&sinY=false&collectStats=false&problem=classification&initZero=false&hideText=false")


def parse(text):
    config, errors = cfg.parse_hash(text)
    assert errors == []
    return config


def test_defaults_are_the_playgrounds():
    c = cfg.default_config()
    assert c["dataset"] == "circle" and c["regDataset"] == "reg-plane" and c["problem"] == "classification"
    assert c["networkShape"] == [4, 2] and c["activation"] == "tanh" and c["learningRate"] == 0.03
    assert c["regularization"] == "none" and c["regularizationRate"] == 0 and c["batchSize"] == 10
    assert c["noise"] == 0 and c["percTrainData"] == 50 and c["seed"] == "0.12345"
    assert [f for f in cfg.FEATURES if c[f]] == ["x", "y"]
    assert c["loss"] == "playground" and c["optimizer"] == "sgd" and c["numClasses"] == 2
    assert c["stopEpochs"] == 0 and c["stopTestLoss"] == 0 and c["speed"] == 1 and c["view"] == "forward"
    assert all(c[key] is False for key in cfg.HIDE_KEYS) and len(cfg.HIDE_KEYS) == 15
    assert c is not cfg.default_config() and c["networkShape"] is not cfg.default_config()["networkShape"]


def test_the_playgrounds_own_default_hash():
    c = parse(PLAYGROUND_DEFAULT_HASH)
    expected = cfg.default_config()
    expected["seed"] = "0.64827"
    assert c == expected
    assert cfg.seed_to_int(c["seed"]) == 64827


def test_every_parameter_of_a_hash():
    text = ("activation=relu&regularization=L2&batchSize=25&dataset=spiral&regDataset=reg-gauss"
            "&learningRate=0.3&regularizationRate=0.003&noise=35&networkShape=8,8,5&seed=0.5"
            "&showTestData=true&discretize=true&percTrainData=70&x=false&y=true&xTimesY=true"
            "&xSquared=true&ySquared=true&cosX=true&sinX=true&cosY=true&sinY=true&collectStats=true"
            "&tutorial=dropout&problem=regression&initZero=true&hideText=true"
            "&loss=cross_entropy&optimizer=adam&numClasses=3&stopEpochs=400&stopTestLoss=0.05&speed=7"
            "&view=backward&lang=fr&dataset_hide=true&noise_hide=false&playButton_hide=true")
    c = parse(text)
    assert c == dict(cfg.default_config(), activation="relu", regularization="L2", batchSize=25,
                     dataset="spiral", regDataset="reg-gauss", learningRate=0.3, regularizationRate=0.003,
                     noise=35, networkShape=[8, 8, 5], seed="0.5", showTestData=True, discretize=True,
                     percTrainData=70, x=False, y=True, xTimesY=True, xSquared=True, ySquared=True,
                     cosX=True, sinX=True, cosY=True, sinY=True, collectStats=True, tutorial="dropout",
                     problem="regression", initZero=True, hideText=True, loss="cross_entropy",
                     optimizer="adam", numClasses=3, stopEpochs=400, stopTestLoss=0.05, speed=7,
                     view="backward", lang="fr", dataset_hide=True, noise_hide=False, playButton_hide=True)


@pytest.mark.parametrize("text, key, value", [
    ("#networkShape=", "networkShape", []),                    # no hidden layer
    ("networkShape=32,1,32,1,32,1,32,1,32,1", "networkShape", [32, 1, 32, 1, 32, 1, 32, 1, 32, 1]),
    ("noise=80", "noise", 50),                                 # more than 50 from a hash: 50
    ("noise=12.5", "noise", 12.5),
    ("learningRate=0.00001", "learningRate", 0.00001),
    ("learningRate=0.07", "learningRate", 0.07),               # any positive number from a hash
    ("batchSize=1000", "batchSize", 1000),
    ("batchSize=20.0", "batchSize", 20),
    ("regularization=l1", "regularization", "L1"),
    ("regularization=none", "regularization", "none"),
    ("seed=abc-1", "seed", "abc-1"),
    ("x=TRUE", "x", True),
    ("percTrainData=10", "percTrainData", 10),
    ("speed=50", "speed", 50),
    ("dataset=moons", "dataset", "moons"),
    ("lang=en", "lang", "en"),
])
def test_accepted_values(text, key, value):
    assert parse(text)[key] == value


def test_unknown_keys_are_ignored_and_url_encoding_decoded():
    c = parse("foo=bar&&activation=sigmoid&unknown&seed=0.1%32&networkShape=3%2C3")
    assert c["activation"] == "sigmoid" and c["seed"] == "0.12" and c["networkShape"] == [3, 3]


@pytest.mark.parametrize("key, value", [
    ("activation", "softmax"), ("activation", ""), ("dataset", "spirals"), ("regDataset", "plane"),
    ("problem", "ranking"), ("networkShape", "4,0"), ("networkShape", "4,33"), ("networkShape", "a,b"),
    ("networkShape", ",".join(["2"] * 11)), ("networkShape", "4.5"), ("learningRate", "0"),
    ("learningRate", "-1"), ("learningRate", "fast"), ("learningRate", "nan"), ("learningRate", "inf"),
    ("regularization", "L3"), ("regularizationRate", "-0.1"), ("batchSize", "0"), ("batchSize", "1001"),
    ("batchSize", "2.5"), ("noise", "-5"), ("percTrainData", "5"), ("percTrainData", "95"),
    ("x", "yes"), ("showTestData", "1"), ("seed", ""), ("seed", "a b"), ("seed", "x" * 41),
    ("loss", "mse"), ("optimizer", "rmsprop"), ("numClasses", "5"), ("numClasses", "1"),
    ("stopEpochs", "-1"), ("stopTestLoss", "-0.5"), ("speed", "0"), ("speed", "51"), ("view", "side"),
    ("lang", "de"), ("tutorial", "../etc"), ("dataset_hide", "maybe"),
])
def test_bad_values_name_the_key_and_the_value(key, value):
    with pytest.raises(ConfigError) as info:
        cfg.parse_hash(f"{key}={value}", strict=True)
    assert info.value.field == key
    assert key in str(info.value) and repr(value)[:50] in str(info.value)
    # leniently: the value stays at its default, the error is reported, the rest is kept
    other = "speed" if key != "speed" else "batchSize"
    config, errors = cfg.parse_hash(f"{key}={value}&{other}=3")
    assert [e.field for e in errors] == [key]
    assert config[key] == cfg.default_config()[key] and config[other] == 3


@pytest.mark.parametrize("key, value", [
    ("learningRate", True), ("learningRate", [0.1]), ("learningRate", {"v": 1}), ("learningRate", None),
    ("networkShape", [4, "x"]), ("networkShape", [4, True]), ("networkShape", 4), ("x", 1), ("x", "on"),
    ("seed", True), ("seed", float("nan")), ("batchSize", 10**400), ("speed", 1.5), ("dataset", 3),
])
def test_wrong_json_types_are_errors(key, value):
    with pytest.raises(ConfigError) as info:
        cfg.apply_changes(cfg.default_config(), {key: value})
    assert info.value.field == key


def test_json_values_are_normalised():
    c = cfg.apply_changes(cfg.default_config(), {
        "networkShape": [3, 2.0], "learningRate": "0.1", "x": "false", "seed": 0.5, "noise": 100, "batchSize": "7"})
    assert c["networkShape"] == [3, 2] and c["learningRate"] == 0.1 and c["x"] is False
    assert c["seed"] == "0.5" and c["noise"] == 50 and c["batchSize"] == 7


def test_apply_changes_is_all_or_nothing_and_never_mutates():
    base = cfg.default_config()
    with pytest.raises(ConfigError) as info:
        cfg.apply_changes(base, {"activation": "relu", "learningRate": -3})
    assert info.value.field == "learningRate"
    assert base == cfg.default_config()
    with pytest.raises(ConfigError) as info:
        cfg.apply_changes(base, {"nonsense": 1})
    assert info.value.field == "nonsense"
    with pytest.raises(ConfigError):
        cfg.apply_changes(base, ["activation", "relu"])


def test_inconsistent_combinations():
    base = cfg.default_config()
    with pytest.raises(ConfigError) as info:
        cfg.apply_changes(base, {"numClasses": 3})  # needs cross-entropy
    assert info.value.field == "numClasses" and "cross_entropy" in str(info.value)
    three = cfg.apply_changes(base, {"numClasses": 3, "loss": "cross_entropy"})
    with pytest.raises(ConfigError) as info:
        cfg.apply_changes(three, {"loss": "bce"})
    assert info.value.field == "loss"
    with pytest.raises(ConfigError) as info:
        cfg.apply_changes(three, {"dataset": "moons"})
    assert info.value.field == "dataset"
    # regression ignores the classification settings
    assert cfg.apply_changes(three, {"problem": "regression"})["numClasses"] == 3
    config, errors = cfg.parse_hash("numClasses=4&loss=playground")
    assert len(errors) == 1 and config["numClasses"] == 2 and config["loss"] == "playground"


def test_canonical_hash_round_trip():
    assert cfg.to_hash(parse(PLAYGROUND_DEFAULT_HASH)) == PLAYGROUND_DEFAULT_HASH[1:]
    c = parse("learningRate=0.00001&regularization=L1&regularizationRate=0.001&networkShape="
              "&loss=bce&speed=3&lang=fr&noise_hide=true&dataset=xor&tutorial=t1")
    text = cfg.to_hash(c)
    assert "learningRate=0.00001" in text and "regularization=L1" in text and "networkShape=&" in text
    assert text.index("hideText=false") < text.index("loss=bce") < text.index("speed=3") < text.index("lang=fr")
    assert text.endswith("noise_hide=true") and "tutorial=t1" in text
    assert "optimizer" not in text and "numClasses" not in text and "dataset_hide" not in text
    assert parse(text) == c
    assert cfg.to_hash(parse(text)) == text


def test_canonical_hash_lists_the_playground_keys_in_the_originals_order():
    text = cfg.to_hash(cfg.default_config())
    keys = [part.split("=")[0] for part in text.split("&")]
    assert keys == [k for k in cfg.PLAYGROUND_KEYS if k not in ("regularization", "tutorial")]


def test_hash_limits():
    with pytest.raises(ConfigError):
        cfg.parse_hash("a" * 10_001)
    with pytest.raises(ConfigError):
        cfg.parse_hash(None)


def test_seed_to_int_is_deterministic():
    assert cfg.seed_to_int("0.12345") == 12345
    assert cfg.seed_to_int("42") == 42
    assert cfg.seed_to_int("hello") == cfg.seed_to_int("hello") != cfg.seed_to_int("hellp")
    assert 0 <= cfg.seed_to_int("hello") < 2**63


def test_limits_lists_the_menus():
    limits = cfg.limits()
    assert limits["learning_rates"] == [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10]
    assert limits["regularization_rates"] == [0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10]
    assert limits["max_layers"] == 10 and limits["max_neurons"] == 32
    assert limits["batch_size_slider"] == [1, 30] and limits["perc_train_data"] == [10, 90]


def test_derived_values():
    c = cfg.apply_changes(cfg.default_config(), {"sinY": True, "x": False, "loss": "cross_entropy", "numClasses": 4})
    assert cfg.active_features(c) == ["y", "sinY"]
    assert cfg.num_outputs(c) == 4 and cfg.num_classes(c) == 4 and cfg.effective_loss(c) == "cross_entropy"
    r = cfg.apply_changes(c, {"problem": "regression"})
    assert cfg.num_outputs(r) == 1 and cfg.num_classes(r) == 0 and cfg.effective_loss(r) == "playground"
    assert cfg.data_name(r) == "reg-plane"
