"""Every message the playground's page shows is in its language: the server sends error codes
with parameters (never Python's or a library's words for the page), and static/js/messages.js
words each code in English and French."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pytest

from flambeau.playground import config as cfg
from flambeau.playground.config import PlaygroundError
from flambeau.playground.data import parse_csv
from flambeau.playground.session import Session

PACKAGE = Path(cfg.__file__).resolve().parent
MESSAGES_JS = PACKAGE / "static" / "js" / "messages.js"


def _tables() -> dict[str, set[str]]:
    text = MESSAGES_JS.read_text()
    body = text[text.index("const MESSAGES = {"):text.index("const SETTING_LABELS")]
    en, fr = body.index("\n  en: {"), body.index("\n  fr: {")
    key = re.compile(r'^\s{4}"?([A-Za-z0-9_-]+)"?:', re.M)
    return {"en": set(key.findall(body[en:fr])), "fr": set(key.findall(body[fr:]))}


def _codes_in_source() -> set[str]:
    codes = set()
    for path in PACKAGE.glob("*.py"):
        codes |= set(re.findall(r'code="([a-z_]+)"', path.read_text()))
    return codes


def _expects_in_source() -> set[str]:
    found = set()
    for path in PACKAGE.glob("*.py"):
        source = path.read_text()
        found |= set(re.findall(r'(?:expect="|_expect\(")([a-z_]+)"', source))
    return found | {"int", "number", "str", "dict", "any"}  # the server's field kinds


def test_every_code_is_worded_in_both_languages():
    tables = _tables()
    assert tables["en"] == tables["fr"], (tables["en"] ^ tables["fr"])
    codes = _codes_in_source() | {"session_full", "invalid"}
    assert len(codes) > 35
    assert codes <= tables["en"], codes - tables["en"]
    expects = {f"expect-{e}" for e in _expects_in_source()}
    assert expects <= tables["en"], expects - tables["en"]


def _error(action) -> PlaygroundError:
    with pytest.raises(PlaygroundError) as info:
        action()
    error = info.value
    json.dumps(error.to_message(), allow_nan=False)  # it travels as JSON
    return error


def test_library_words_never_reach_the_page():
    s = Session(weight_seed=0)
    not_safetensors = base64.b64encode(b"\x08\x00\x00\x00\x00\x00\x00\x00{nope}xx").decode()
    weights = _error(lambda: s.load_weights(not_safetensors))
    assert weights.code == "weights_not_file" and "BytesIO" not in str(weights) and weights.params == {}
    unreadable = _error(lambda: parse_csv('1,2,1\n"3,4\r5",1\n', "classification", 2))
    assert unreadable.code in ("csv_unreadable", "csv_not_number", "csv_columns")
    assert "new-line character" not in str(unreadable)
    three = _error(lambda: parse_csv("x,y,label\n1,1,0\n2,2,1\n3,3,2\n", "classification", 2))
    assert three.code == "csv_label_classes" and three.params["suggest"] == 3 and three.params["row"] == 2
    real = _error(lambda: parse_csv("1,1,0.5\n2,2,-0.25\n", "classification", 2))
    assert real.code == "csv_label_regression"
    bad = _error(lambda: s.update({"activation": "bogus"}))
    assert bad.code == "bad_value" and bad.params == {
        "key": "activation", "value": "bogus", "expect": "choice", "options": list(cfg.ACTIVATIONS)}
    shape = _error(lambda: s.update({"networkShape": "4,99"}))
    assert shape.params["expect"] == "shape" and shape.params["max_neurons"] == cfg.MAX_NEURONS
    classes = _error(lambda: s.update({"numClasses": 3}))
    assert classes.code == "classes_need_cross_entropy" and classes.params["n"] == 3


# ---------------------------------------------------------------------------------- plurals
STATIC_JS = PACKAGE / "static" / "js"
#: placeholders that hold a count, and the texts where it can never be 1 (e.g. at least 3 classes)
COUNTS = ("n", "max", "layers", "size", "count")
NEVER_ONE = {"classes_need_cross_entropy", "notice-points_too_large", "fileTooLarge"}


def _templates() -> dict[str, dict[str, str]]:
    """Every text of the page, the messages and the teacher's page: {lang: {key: template}}."""
    found: dict[str, dict[str, str]] = {"en": {}, "fr": {}}
    entry = re.compile(r'^\s{4}"?([A-Za-z0-9_-]+)"?: "((?:[^"\\]|\\.)*)",?$', re.M)
    inline = re.compile(r'([A-Za-z0-9_]+): "((?:[^"\\]|\\.)*)"')
    for name in ("messages.js", "i18n.js", "teacher.js"):
        text = (STATIC_JS / name).read_text()
        en, fr = text.index("\n  en: {"), text.index("\n  fr: {")
        end = text.index("\n};", fr)
        for lang, block in (("en", text[en:fr]), ("fr", text[fr:end])):
            for key, template in entry.findall(block) + inline.findall(block):
                found[lang][f"{name}:{key}"] = template
    return found


def test_every_text_in_both_languages_and_counts_agree():
    found = _templates()
    assert len(found["en"]) > 150 and set(found["en"]) == set(found["fr"]), set(found["en"]) ^ set(found["fr"])
    bare = re.compile(r"\{(" + "|".join(COUNTS) + r")\} (\w+[sx])\b")  # a number, then a plural noun
    for lang, table in found.items():
        for key, template in table.items():
            # a number before a noun takes the plural forms {n?form|forms} (French: 0 and 1 singular)
            for count, word in bare.findall(template):
                assert key.split(":")[1] in NEVER_ONE, (lang, key, count, word, template)
            # both languages fill the same placeholders
            other = found["fr" if lang == "en" else "en"][key]
            names = lambda s: set(re.findall(r"\{(\w+)[}?]", s))  # noqa: E731
            assert names(template) == names(other), (key, template, other)
