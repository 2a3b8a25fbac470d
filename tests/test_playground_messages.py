"""Every message the playground's page shows is in its language: the server sends error codes
with parameters (never Python's or a library's words for the page), and static/js/messages.js
words each code in English and French; every other text of the page and of the teacher's page
comes from one table, static/js/i18n.js, in both languages."""

from __future__ import annotations

import ast
import base64
import json
import re
from pathlib import Path

import pytest

from flambeau.playground import config as cfg
from flambeau.playground.config import PlaygroundError
from flambeau.playground.data import parse_csv
from flambeau.playground.errors import ERROR_CODES, EXPECT_KINDS
from flambeau.playground.session import Session

PACKAGE = Path(cfg.__file__).resolve().parent
STATIC = PACKAGE / "static"
MESSAGES_JS = STATIC / "js" / "messages.js"
ERROR_CLASSES = {"PlaygroundError", "ConfigError", "DataError"}


def _table_block(text: str, start: str) -> dict[str, str]:
    """The ``en`` and ``fr`` blocks of the table that begins at ``start``."""
    body = text[text.index(start):]
    en, fr = body.index("\n  en: {"), body.index("\n  fr: {")
    return {"en": body[en:fr], "fr": body[fr:body.index("\n};", fr)]}


def _keys(block: str) -> set[str]:
    return set(re.findall(r'^\s{4}"?([A-Za-z0-9_-]+)"?:', block, re.M))


def _tables() -> dict[str, set[str]]:
    blocks = _table_block(MESSAGES_JS.read_text(), "const MESSAGES = {")
    return {lang: _keys(block) for lang, block in blocks.items()}


def _calls(names: set[str]) -> list[tuple[str, ast.Call]]:
    """Every call of a function or class of ``names`` in the package: (file, call)."""
    calls = []
    for path in sorted(PACKAGE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
                if name in names:
                    calls.append((path.name, node))
    return calls


def test_every_error_raised_has_a_code_of_the_table():
    """The server's table of codes (errors.py) is complete: every error built in the package
    names a code of it, with parameters it lists (and `expect` kinds of EXPECT_KINDS)."""
    calls = _calls(ERROR_CLASSES)
    assert len(calls) > 40
    seen = set()
    for file, call in calls:
        where = f"{file}:{call.lineno}"
        keywords = {k.arg: k.value for k in call.keywords if k.arg is not None}
        assert "code" in keywords, f"{where}: an error without a code reads as 'invalid' on the page"
        code = keywords.pop("code")
        assert isinstance(code, ast.Constant) and code.value in ERROR_CODES, (where, ast.unparse(code))
        seen.add(code.value)
        allowed = set(ERROR_CODES[code.value])
        expect = keywords.get("expect")
        if isinstance(expect, ast.Constant):
            assert expect.value in EXPECT_KINDS, (where, expect.value)
            allowed |= set(EXPECT_KINDS[expect.value])
        elif expect is not None:  # a kind chosen at run time: any kind's parameters
            allowed |= {p for params in EXPECT_KINDS.values() for p in params}
        assert set(keywords) <= allowed, (where, code.value, set(keywords) - allowed)
    # config.py's _expect("kind", ..., params) and server.py's _field kinds are kinds of the table
    for file, call in _calls({"_expect"}):
        kind = call.args[0]
        assert isinstance(kind, ast.Constant) and kind.value in EXPECT_KINDS, (file, call.lineno)
        assert {k.arg for k in call.keywords} <= set(EXPECT_KINDS[kind.value]), (file, call.lineno)
    for file, call in _calls({"_field"}):
        kind = call.args[2]
        assert isinstance(kind, ast.Constant) and kind.value in EXPECT_KINDS, (file, call.lineno)
    # and the table holds no code that nothing raises (but the generic one)
    assert set(ERROR_CODES) - seen <= {"invalid"}, set(ERROR_CODES) - seen


def test_every_code_is_worded_in_both_languages():
    tables = _tables()
    assert tables["en"] == tables["fr"], (tables["en"] ^ tables["fr"])
    assert len(ERROR_CODES) > 40
    assert set(ERROR_CODES) <= tables["en"], set(ERROR_CODES) - tables["en"]
    expects = {f"expect-{kind}" for kind in EXPECT_KINDS}
    assert expects <= tables["en"], expects - tables["en"]
    # no text for a code the server no longer sends
    stale = {k for k in tables["en"] if not k.startswith(("expect-", "classes-"))} - set(ERROR_CODES)
    assert not stale, stale
    stale = {k[len("expect-"):] for k in tables["en"] if k.startswith("expect-")} - set(EXPECT_KINDS)
    assert not stale, stale


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
    """Every text of the pages (i18n.js, the page's and the teacher's) and of the messages:
    {lang: {key: template}}."""
    found: dict[str, dict[str, str]] = {"en": {}, "fr": {}}
    entry = re.compile(r'^\s{4}"?([A-Za-z0-9_-]+)"?: "((?:[^"\\]|\\.)*)",?$', re.M)
    inline = re.compile(r'([A-Za-z0-9_]+): "((?:[^"\\]|\\.)*)"')
    for name in ("messages.js", "i18n.js"):
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


def test_both_pages_take_every_word_from_the_one_table():
    """index.html, teacher.html and their scripts name keys of i18n.js (both languages), and no
    script keeps a table of words of its own."""
    strings = _table_block((STATIC_JS / "i18n.js").read_text(), "const STRINGS = {")
    keys = {lang: _keys(block) for lang, block in strings.items()}
    assert keys["en"] == keys["fr"], keys["en"] ^ keys["fr"]
    used = {}
    for page in ("index.html", "teacher.html"):
        html = (STATIC / page).read_text()
        found = set(re.findall(r'data-i18n(?:-aria|-title)?="([^"]+)"', html))
        assert '<title data-i18n="' in html, page  # the document's title too
        used[page] = found
    for script in STATIC_JS.glob("*.js"):
        text = script.read_text()
        used[script.name] = set(re.findall(r'(?<![\w$.])t\("([A-Za-z0-9_-]+)"', text))
        if script.name not in ("i18n.js", "messages.js"):
            assert "\n  en: {" not in text and "fr: {" not in text, f"{script.name} has a table of words"
    assert {"teacherTitle", "pushMine", "lockControls", "locksApplied"} <= used["teacher.html"] | used["teacher.js"]
    for where, found in used.items():
        assert found <= keys["en"], (where, found - keys["en"])
    assert 'id="lang-switch"' in (STATIC / "teacher.html").read_text()  # the same language switch
