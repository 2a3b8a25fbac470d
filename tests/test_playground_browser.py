"""The playground's page in a real browser.

Playwright drives Debian's chromium (headless) against the real server, started here with
uvicorn in a background thread on 127.0.0.1 (``flambeau.playground.server.create_app(workers=2)``:
the sessions in two worker processes, as ``flambeau playground`` serves them). The
tests click and type as a person would: change the data set and the network, play, read the
epoch counter, the losses and the heatmap's pixels, open experiments from a URL hash, edit a
weight, switch language, export the Python script and run it, and replay the lecture's
experiments (a 6,4 network learns circle and xor; no hidden layer cannot learn circle).

One browser and one server serve the whole module; each test gets a fresh browser context (its
own localStorage). Where chromium or Playwright is missing the tests are skipped, except in CI
(``CI=true``), where that is an error.

Artifacts: screenshots in test-artifacts/ (gitignored). The README's picture docs/playground.png
is written when it is missing or when FLAMBEAU_UPDATE_SCREENSHOT=1, so a test run does not
change a tracked file.
"""

from __future__ import annotations

import base64
import json
import math
import os
import re
import socket
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
README_SHOT = ROOT / "docs" / "playground.png"
# generous: CI has 2 cores, shared with the other tests
TRAIN_TIMEOUT_MS = 240_000
UI_TIMEOUT_MS = 20_000


def _missing(reason: str) -> None:
    """Skip where a browser dependency is missing, but fail in CI."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: the browser tests must run)", pytrace=False)
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def server():
    """The real playground server on a free port; yields its base URL."""
    try:
        import uvicorn

        from flambeau.playground.server import create_app
    except ImportError as e:
        _missing(f"the playground server cannot be started: {e}")
    port = _free_port()
    app = create_app(workers=2)  # as `flambeau playground` serves: sessions in worker processes
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, name="playground-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the playground server did not start", pytrace=False)
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)
    app.state.pool.stop()


@pytest.fixture(scope="module")
def browser():
    """One headless chromium for the module."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright is not installed (pip install playwright)")
    if not os.path.exists(CHROMIUM):
        _missing(f"{CHROMIUM} is missing (apt-get install chromium)")
    pw = sync_playwright().start()
    try:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    except Exception as e:  # a broken install: same rule as a missing one
        pw.stop()
        _missing(f"chromium does not start: {e}")
    yield b
    b.close()
    pw.stop()


@pytest.fixture
def page(browser, server):
    """A fresh context and page; fails the test on any uncaught JavaScript error or anything the
    Content-Security-Policy blocks, and on any request that leaves the local server (the page
    must work offline)."""
    context = browser.new_context(viewport={"width": 1500, "height": 1000}, accept_downloads=True)
    pg = context.new_page()
    pg.set_default_timeout(UI_TIMEOUT_MS)
    errors: list[str] = []
    outside: list[str] = []
    pg.on("pageerror", lambda e: errors.append(f"{e}\n{e.stack}"))
    # anything the Content-Security-Policy blocks is a bug of the page (or of the policy)
    pg.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
    pg.on("request", lambda r: None if r.url.startswith((server, "data:", "blob:", "ws://127.0.0.1")) else outside.append(r.url))
    pg.base = server  # type: ignore[attr-defined]
    yield pg
    context.close()
    assert not errors, f"JavaScript errors: {errors}"
    assert not outside, f"requests outside the local server: {outside}"


# ---------------------------------------------------------------------------------- helpers
def open_page(pg, hash_: str = "") -> None:
    """Load the page (with a hash) and wait for the server's config and first frame."""
    pg.goto(f"{pg.base}/#{hash_}" if hash_ else f"{pg.base}/")
    pg.wait_for_function("() => window.playground && window.playground.state.config && window.playground.state.lastEpoch >= 0")


def epoch(pg) -> int:
    return int(re.sub(r"\D", "", pg.text_content("#epoch")))  # "000,123" or "000 123"


def wait_epoch(pg, n: int, timeout: int = TRAIN_TIMEOUT_MS) -> None:
    pg.wait_for_function(
        "n => Number(document.getElementById('epoch').textContent.replace(/,/g, '')) >= n", arg=n, timeout=timeout
    )


def wait_hash(pg, part: str) -> None:
    pg.wait_for_function("p => location.hash.includes(p)", arg=part)


def hash_params(pg) -> dict[str, str]:
    text = pg.evaluate("() => location.hash.slice(1)")
    return dict(p.split("=", 1) if "=" in p else (p, "") for p in text.split("&") if p)


def heatmap_pixels(pg) -> list[int]:
    return pg.evaluate(
        "() => Array.from(document.getElementById('heatmap').getContext('2d').getImageData(0, 0, 100, 100).data)"
    )


def shown(pg) -> dict:
    """What the heatmap shows, for a failure's message: the epoch, frames drawn, a hovered neuron,
    the output grid's range."""
    return pg.evaluate("""() => {
        const p = window.playground, grid = Array.from(p.output.output || []);
        return {epoch: document.getElementById('epoch').textContent, frames: p.state.framesDrawn,
                hovered: p.state.hover, nodeShown: !!p.output.nodeGrid,
                outputMin: Math.min(...grid), outputMax: Math.max(...grid)};
    }""")


def changed_pixels(a: list[int], b: list[int]) -> int:
    return sum(1 for i in range(0, len(a), 4) if a[i : i + 4] != b[i : i + 4])


def play_until_stopped(pg, timeout: int = TRAIN_TIMEOUT_MS) -> None:
    """Press play and wait for the server's stop condition (the status line says why)."""
    pg.click("#play-pause")
    pg.wait_for_function("() => !document.getElementById('status').hidden", timeout=timeout)
    pg.wait_for_function("() => !window.playground.state.playing")


def shot(pg, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    pg.screenshot(path=str(path), full_page=True)
    return path


# ---------------------------------------------------------------------------------- the page
def test_page_loads_with_every_control_labelled(page):
    open_page(page)
    assert page.title()
    for id_ in ("play-pause", "step", "reset", "epoch", "loss-train", "loss-test", "heatmap", "errors",
                "lang-switch", "view-switch", "add-layer", "remove-layer", "activation", "learning-rate",
                "export-flambeau", "export-pytorch", "dataset-xor", "regenerate"):
        assert page.locator(f"#{id_}").count() == 1, id_
    assert page.text_content("#epoch") == "000,000"
    float(page.text_content("#loss-train"))
    float(page.text_content("#loss-test"))
    assert page.get_attribute("#errors", "role") == "alert"
    # every control has an accessible name: aria-label, a <label for>, or its own text
    unlabelled = page.evaluate("""() => [...document.querySelectorAll('button, select, input, [role=button]')]
        .filter(el => !(el.getAttribute('aria-label') || (el.id && document.querySelector(`label[for="${el.id}"]`))
                        || el.textContent.trim()))
        .map(el => el.id || el.outerHTML.slice(0, 80))""")
    assert unlabelled == []
    # the network: 2 features on, hidden layers 4 and 2, one output; the 100x100 heatmap drawn
    assert page.locator(".node.input:not(.inactive)").count() == 2
    assert page.locator("#node-1-3").count() == 1 and page.locator("#node-2-1").count() == 1
    assert page.locator("#node-3-0").count() == 1
    pixels = heatmap_pixels(page)
    assert len(pixels) == 100 * 100 * 4 and any(pixels[3::4])
    # the training points are drawn (the default split: 250 of 500)
    assert page.evaluate("() => window.playground.output.train.length") == 250


def _shade_rgb(v: float) -> tuple[int, int, int]:
    """static/js/colors.js's colour of v: 30 equal steps of [-1, 1], step k painted with the
    continuous scale (grey to orange or blue) at -1 + 2k/29; NaN grey."""
    if v != v:
        return (0xAA, 0xAA, 0xAA)
    k = min(29, max(0, math.floor((v + 1) / 2 * 30)))
    c = -1 + 2 * k / 29
    grey, end = (0xE8, 0xEA, 0xEB), ((0xF5, 0x93, 0x22) if c < 0 else (0x08, 0x77, 0xBD))
    return tuple(math.floor(g + (e - g) * abs(c) + 0.5) for g, e in zip(grey, end))  # JS Math.round


def test_thumbnails_paint_the_servers_codes_in_the_colour_scale(page):
    # each neuron's 10x10 thumbnail comes as 8-bit codes (base64); the page paints code c as the
    # value (c + 0.5) / 120 - 1 in the colour scale, row 0 (y = -6) at the bottom
    open_page(page, "xSquared=true&networkShape=3")
    drawn = page.evaluate("""() => {
        const net = window.playground.network, out = {};
        for (const [id, codes] of Object.entries(net.last.neurons)) {
            const [l, j] = id.split(':').map(Number);
            const canvas = net.nodes[l][j].canvas;
            out[id] = {codes, pixels: Array.from(canvas.getContext('2d').getImageData(0, 0, 10, 10).data)};
        }
        const off = document.querySelector('#feature-sinX canvas');  // a feature switched off
        out.sinX = {codes: net.featureThumbnails.sinX,
                    pixels: Array.from(off.getContext('2d').getImageData(0, 0, 10, 10).data)};
        return out;
    }""")
    assert set(drawn) == {"0:0", "0:1", "0:2", "1:0", "1:1", "1:2", "2:0", "sinX"}
    colours = set()
    for name, thumbnail in drawn.items():
        codes = base64.b64decode(thumbnail["codes"])
        assert len(codes) == 100, name
        for r in range(10):
            for c in range(10):
                code = codes[r * 10 + c]
                value = float("nan") if code == 255 else (code + 0.5) / 120 - 1
                i = ((9 - r) * 10 + c) * 4
                assert tuple(thumbnail["pixels"][i : i + 3]) == _shade_rgb(value), (name, r, c, code)
                colours.add(_shade_rgb(value))
    assert len(colours) > 5  # not a blank picture


def test_change_data_and_network_then_play(page):
    open_page(page)
    page.click("#dataset-xor")
    wait_hash(page, "dataset=xor")
    page.click("#add-layer")
    wait_hash(page, "networkShape=4,2,2")
    page.click("#remove-layer")
    wait_hash(page, "networkShape=4,2&")
    page.click("#add-neuron-1")
    wait_hash(page, "networkShape=5,2")
    page.click("#remove-neuron-2")
    wait_hash(page, "networkShape=5,1")
    page.select_option("#activation", "relu")
    wait_hash(page, "activation=relu")
    page.select_option("#learning-rate", "0.1")
    wait_hash(page, "learningRate=0.1&")
    page.click("#feature-xTimesY")
    wait_hash(page, "xTimesY=true")
    page.wait_for_selector("#feature-xTimesY[aria-pressed=true]")
    assert page.text_content("#layer-count") == "2"
    assert page.locator("#node-1-4").count() == 1 and page.locator("#node-2-1").count() == 0
    # the sliders send their value when let go; regenerate draws a new seed
    for id_, value, key in (("noise", 10, "noise"), ("perc-train", 60, "percTrainData"), ("batch-size", 20, "batchSize")):
        page.eval_on_selector(f"#{id_}", f"el => {{ el.value = {value}; el.dispatchEvent(new Event('input')); el.dispatchEvent(new Event('change')); }}")
        wait_hash(page, f"{key}={value}&")
        assert page.text_content(f"#{id_}-value") == str(value)
    seed = hash_params(page)["seed"]
    page.evaluate("() => { window.oldTrain = window.playground.output.train; }")
    page.click("#regenerate")
    page.wait_for_function("s => !location.hash.includes('seed=' + s + '&')", arg=seed)
    # the hash changes at once; the server's frame with the new points (after every change
    # above) is drawn later: the heatmap is read from that frame on
    page.wait_for_function("() => window.playground.output.train !== window.oldTrain")
    assert page.evaluate("() => window.playground.output.train.length") == 300  # 60% of 500

    page.mouse.move(1, 1)  # away from the neurons: a hovered one's picture replaces the heatmap
    loss_before = page.text_content("#loss-test")
    before, shown_before = heatmap_pixels(page), shown(page)
    page.click("#play-pause")
    wait_epoch(page, 30)
    page.click("#play-pause")
    # paused at once on the page; the server's paused frame then has the final weights
    page.wait_for_function("() => !window.playground.state.playing && !window.playground.state.serverPlaying")
    page.mouse.move(1, 1)
    after, shown_after = heatmap_pixels(page), shown(page)
    assert page.text_content("#loss-test") != loss_before
    assert changed_pixels(before, after) > 100, \
        f"the heatmap did not change while training: before {shown_before}, after {shown_after}"
    # the loss chart has a point per epoch; step adds exactly one epoch
    assert page.evaluate("() => window.playground.chart.length") >= 30
    page.wait_for_timeout(300)
    e = epoch(page)
    page.click("#step")
    wait_epoch(page, e + 1)
    page.wait_for_timeout(300)
    assert epoch(page) == e + 1
    page.click("#reset")
    page.wait_for_function("() => document.getElementById('epoch').textContent === '000,000'")


def test_open_experiment_from_hash_and_round_trip(page):
    # a playground.tensorflow.org-style hash, with a key flambeau does not know
    hash_ = ("activation=sigmoid&batchSize=5&dataset=gauss&regDataset=reg-plane&learningRate=0.3"
             "&regularizationRate=0.01&regularization=L2&noise=15&networkShape=3&seed=0.54321"
             "&showTestData=true&discretize=true&percTrainData=70&x=true&y=true&xTimesY=false"
             "&xSquared=true&ySquared=false&cosX=false&sinX=false&cosY=false&sinY=false"
             "&collectStats=false&problem=classification&initZero=false&hideText=false&someUnknownKey=1")
    open_page(page, hash_)
    assert page.input_value("#activation") == "sigmoid"
    assert page.input_value("#learning-rate") == "0.3"
    assert page.input_value("#regularization") == "L2"
    assert page.input_value("#regularization-rate") == "0.01"
    assert page.text_content("#noise-value") == "15"
    assert page.text_content("#batch-size-value") == "5"
    assert page.text_content("#perc-train-value") == "70"
    assert page.text_content("#layer-count") == "1"
    assert page.is_checked("#show-test-data") and page.is_checked("#discretize")
    assert page.get_attribute("#dataset-gauss", "aria-pressed") == "true"
    assert page.locator(".node.input:not(.inactive)").count() == 3
    assert page.evaluate("() => window.playground.output.train.length") == 350
    params = hash_params(page)
    assert "someUnknownKey" not in params
    assert params["dataset"] == "gauss" and params["seed"] == "0.54321" and params["networkShape"] == "3"
    # round trip: the canonical hash opens the same experiment and comes back unchanged
    canonical = page.evaluate("() => location.hash.slice(1)")
    page.goto("about:blank")
    open_page(page, canonical)
    assert page.evaluate("() => location.hash.slice(1)") == canonical
    assert page.input_value("#activation") == "sigmoid"
    # the discretized heatmap has two colours only
    colours = {tuple(c) for c in zip(*[iter(heatmap_pixels(page))] * 4)}
    assert len(colours) <= 2
    # a hash typed into the address bar opens that experiment
    page.evaluate("() => { location.hash = 'dataset=spiral&networkShape=5,5,5'; }")
    wait_hash(page, "dataset=spiral")
    page.wait_for_function("() => document.getElementById('layer-count').textContent === '3'")
    assert page.get_attribute("#dataset-spiral", "aria-pressed") == "true"
    assert "activation=tanh" in page.evaluate("() => location.hash")  # the rest is back to defaults


def test_classroom_flags_hide_controls(page):
    open_page(page, "learningRate_hide=true&playButton_hide=true&numHiddenLayers_hide=true&noise_hide=true&hideText=true")
    assert not page.is_visible("#learning-rate")
    assert not page.is_visible("#play-pause")
    assert not page.is_visible("#add-layer") and not page.is_visible("#add-neuron-1")
    assert not page.is_visible("#noise")
    assert not page.is_visible("#article")
    assert page.is_visible("#activation") and page.is_visible("#step")
    assert "learningRate_hide=true" in page.evaluate("() => location.hash")


def test_bad_hash_shows_a_dismissable_error(page):
    open_page(page, "activation=bogus&networkShape=4,2")
    error = page.locator("#errors .error").first
    error.wait_for()
    assert error.text_content().startswith("Activation: “bogus” does not fit; expected one of relu, tanh")
    page.click("#errors .error .dismiss")
    assert page.locator("#errors .error").count() == 0
    # the session goes on with the default activation
    assert page.input_value("#activation") == "tanh"


def test_edit_a_weight_and_a_bias(page):
    open_page(page, "networkShape=2&initZero=false")
    # hover shows the weight; a click opens the editor
    page.dispatch_event("#link-1-0-0", "mouseenter")
    assert page.text_content("#tooltip").startswith("Weight is")
    page.dispatch_event("#link-1-0-0", "click")
    page.wait_for_selector("#weight-editor:not([hidden])")
    page.fill("#weight-input", "2.5")
    page.press("#weight-input", "Enter")
    page.wait_for_function("() => window.playground.network.last.weights[0][0][0] === 2.5")
    width = float(page.evaluate("() => window.playground.network.links[0][0][0].path.getAttribute('stroke-width')"))
    assert width == pytest.approx(1 + 9 * 2.5 / 5, abs=0.25)
    # the frame's parameters (float64 bytes) arrive as nested lists of every layer's shape
    shapes = page.evaluate("""() => { const f = window.playground.network.last;
        return [f.sizes, f.weights.map(w => [w.length, w[0].length]), f.biases.map(b => b.length)]; }""")
    assert shapes == [[2, 2, 1], [[2, 2], [1, 2]], [2, 1]]
    page.dispatch_event("#link-1-0-0", "mouseenter")
    assert page.text_content("#tooltip") == "Weight is 2.5"
    page.click("#bias-2-0")
    page.wait_for_selector("#weight-editor:not([hidden])")
    page.fill("#weight-input", "-1.25")
    page.press("#weight-input", "Enter")
    page.wait_for_function("() => window.playground.network.last.biases[1][0] === -1.25")


def test_hover_a_neuron_shows_its_output(page):
    open_page(page, "networkShape=3")
    before = heatmap_pixels(page)
    page.hover("#node-1-0")
    page.wait_for_function("() => window.playground.output.nodeGrid !== null")
    assert changed_pixels(before, heatmap_pixels(page)) > 100
    page.mouse.move(5, 5)
    page.wait_for_function("() => window.playground.output.nodeGrid === null")
    assert heatmap_pixels(page) == before


def test_language_switch_survives_reload(page):
    open_page(page)
    title_en = page.text_content("h1")
    play_en = page.get_attribute("#play-pause", "aria-label")
    page.select_option("#lang-switch", "fr")
    assert page.text_content("h1") != title_en
    assert page.get_attribute("#play-pause", "aria-label") != play_en
    assert page.evaluate("() => document.documentElement.lang") == "fr"
    assert page.text_content("label[for=learning-rate]") == "Taux d'apprentissage"
    page.reload()
    page.wait_for_function("() => window.playground && window.playground.state.config")
    assert page.text_content("label[for=learning-rate]") == "Taux d'apprentissage"
    assert page.input_value("#lang-switch") == "fr"
    # the choice is remembered without the hash too
    open_page(page, "dataset=xor")
    assert page.text_content("label[for=learning-rate]") == "Taux d'apprentissage"
    page.select_option("#lang-switch", "en")
    assert page.text_content("label[for=learning-rate]") == "Learning rate"


def test_backward_view_and_step_by_batch(page):
    open_page(page, "networkShape=3")
    page.select_option("#view-switch", "backward")
    wait_hash(page, "view=backward")
    before = page.evaluate("() => window.playground.network.last.frame")
    page.click("#step-batch")
    page.wait_for_function("n => window.playground.network.last.frame > n && window.playground.network.last.grads", arg=before)
    # links now show gradients: widths relative to the largest, which is 10 px
    widths = page.evaluate("() => window.playground.network.links.flat(2).map(l => Number(l.path.getAttribute('stroke-width')))")
    assert max(widths) == pytest.approx(10, abs=0.3)
    outlines = page.evaluate("() => [...document.querySelectorAll('.node.hidden')].map(n => n.style.outline)")
    assert any(outlines)
    assert "Backward" in page.text_content("#network-legend")
    page.select_option("#view-switch", "forward")
    page.wait_for_function("() => !location.hash.includes('view=backward')")


def test_classes_optimizer_and_stop_condition(page):
    open_page(page, "dataset=circle&networkShape=4")
    page.select_option("#num-classes", "3")
    wait_hash(page, "numClasses=3")
    assert "loss=cross_entropy" in page.evaluate("() => location.hash")
    page.wait_for_selector("#node-2-2")  # three output neurons
    page.select_option("#optimizer", "adam")
    wait_hash(page, "optimizer=adam")
    page.fill("#stop-epochs", "15")
    page.press("#stop-epochs", "Enter")
    page.dispatch_event("#stop-epochs", "change")
    wait_hash(page, "stopEpochs=15")
    page.eval_on_selector("#speed", "el => { el.value = 5; el.dispatchEvent(new Event('change')); }")
    wait_hash(page, "speed=5")
    play_until_stopped(page)
    assert epoch(page) == 15
    assert "15" in page.text_content("#status")
    rows = page.locator("#confusion tr")
    assert rows.count() == 4  # a header and three classes
    assert page.text_content("#acc-test").endswith("%")


def test_own_points_and_csv(page, tmp_path):
    open_page(page)
    box = page.locator("#points").bounding_box()
    page.click("#clear-points")
    page.wait_for_function("() => window.playground.output.train.length + window.playground.output.test.length === 0")
    page.mouse.click(box["x"] + box["width"] * 0.25, box["y"] + box["height"] * 0.25)
    page.keyboard.down("Shift")
    page.mouse.click(box["x"] + box["width"] * 0.75, box["y"] + box["height"] * 0.75)
    page.keyboard.up("Shift")
    page.wait_for_function("() => window.playground.output.train.length + window.playground.output.test.length === 2")
    wait_hash(page, "dataset=custom")
    labels = page.evaluate("() => [...window.playground.output.train, ...window.playground.output.test].map(p => p[2])")
    assert sorted(labels) == [-1, 1]
    # upload a CSV of 40 points, then download the data again
    csv = tmp_path / "points.csv"
    csv.write_text("x,y,label\n" + "".join(f"{i / 10 - 2},{(i % 7) - 3},{1 if i % 2 else -1}\n" for i in range(40)))
    page.set_input_files("#upload-csv", str(csv))
    page.wait_for_function("() => window.playground.output.train.length + window.playground.output.test.length === 40")
    with page.expect_download() as dl:
        page.click("#download-csv")
    text = Path(dl.value.path()).read_text()
    lines = [line for line in text.splitlines() if line.strip()]
    assert lines[0].startswith("x,y,label")
    assert len(lines) == 41


def test_weights_and_experiment_files(page, tmp_path):
    open_page(page, "networkShape=3")
    with page.expect_download() as dl:
        page.click("#download-weights")
    data = Path(dl.value.path()).read_bytes()
    header_len = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8 : 8 + header_len])
    assert any(k != "__metadata__" for k in header)
    weights_file = tmp_path / "w.safetensors"
    weights_file.write_bytes(data)
    page.click("#reset")
    page.set_input_files("#upload-weights", str(weights_file))
    page.wait_for_timeout(500)
    assert page.locator("#errors .error").count() == 0

    with page.expect_download() as dl:
        page.click("#download-config")
    cfg = json.loads(Path(dl.value.path()).read_text())
    cfg = cfg.get("config", cfg)
    cfg["learningRate"] = 0.3
    cfg["dataset"] = "spiral"
    conf_file = tmp_path / "experiment.json"
    conf_file.write_text(json.dumps(cfg))
    page.set_input_files("#upload-config", str(conf_file))
    wait_hash(page, "dataset=spiral")
    assert page.input_value("#learning-rate") == "0.3"


def test_export_code_runs(page, tmp_path):
    open_page(page, "dataset=xor&networkShape=3&stopEpochs=20")
    page.click("#export-flambeau")
    page.wait_for_selector("#code-dialog[open]")
    text = page.text_content("#code-text")
    assert "flambeau" in text
    with page.expect_download() as dl:
        page.click("#code-download")
    script = tmp_path / (dl.value.suggested_filename or "playground.py")
    dl.value.save_as(str(script))
    assert script.read_text() == text
    page.click("#code-copy")
    page.wait_for_function("() => document.getElementById('code-copy').textContent === 'Copied'")
    page.click("#code-close")
    run = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    # the PyTorch version is offered too (run by the server's own tests where torch is installed)
    page.click("#export-pytorch")
    page.wait_for_function("() => document.getElementById('code-text').textContent.includes('torch')")
    compile(page.text_content("#code-text"), "playground_torch.py", "exec")


# ---------------------------------------------------------------------------------- the lecture
def test_lecture_6_4_learns_circle(page):
    open_page(page, "dataset=circle&networkShape=6,4&speed=10&stopEpochs=500&stopTestLoss=0.02&showTestData=true")
    play_until_stopped(page)
    loss = page.evaluate("() => window.playground.network.last.loss_test")  # unrounded
    shot(page, "playground-circle-6-4.png")
    assert loss < 0.02, f"test loss {loss} after {epoch(page)} epochs"
    assert epoch(page) <= 500
    assert page.evaluate("() => window.playground.network.last.stopped") == "test_loss"


def test_lecture_6_4_learns_xor_and_readme_picture(page):
    open_page(page, "dataset=xor&networkShape=6,4&speed=10&stopEpochs=300&showTestData=true")
    play_until_stopped(page)
    assert epoch(page) == 300
    loss = float(page.text_content("#loss-test"))
    path = shot(page, "playground-xor-6-4.png")
    if not README_SHOT.exists() or os.environ.get("FLAMBEAU_UPDATE_SCREENSHOT") == "1":
        page.evaluate("() => { window.scrollTo(0, 0); document.getElementById('status').hidden = true; }")
        page.screenshot(path=str(README_SHOT), clip={"x": 0, "y": 0, "width": 1500, "height": 860})
    assert path.exists()
    # (xor is slower than circle: 20 runs at 300 epochs ended between 0.003 and 0.054)
    assert loss < 0.1, f"test loss {loss} after 300 epochs"


def test_lecture_no_hidden_layer_cannot_learn_circle(page):
    open_page(page, "dataset=circle&networkShape=&speed=10&stopEpochs=300")
    assert page.text_content("#layer-count") == "0"
    assert page.locator(".node.hidden").count() == 0
    play_until_stopped(page)
    assert epoch(page) == 300
    loss = float(page.text_content("#loss-test"))
    assert loss > 0.2, f"a linear model reached test loss {loss} on circle"


# ---------------------------------------------------------------------------------- broken states
def errors_shown(pg) -> list[str]:
    return pg.eval_on_selector_all("#errors .error .text", "els => els.map(e => e.textContent)")


def frames_drawn(pg) -> int:
    return pg.evaluate("() => window.playground.state.framesDrawn")


def test_problem_round_trip_and_features_off_while_hovered(page):
    open_page(page, "numClasses=3&loss=cross_entropy&networkShape=3")
    assert page.locator("#confusion tr").count() == 4
    # classification (3 classes) -> regression -> classification -> 2 classes: every frame draws
    page.select_option("#problem", "regression")
    wait_hash(page, "problem=regression")
    page.click("#step")
    wait_epoch(page, 1)
    page.select_option("#problem", "classification")
    wait_hash(page, "problem=classification")
    page.wait_for_function("() => document.querySelectorAll('#confusion tr').length === 4")
    page.select_option("#num-classes", "2")
    page.wait_for_function("() => !location.hash.includes('numClasses=')")
    page.wait_for_function("() => document.querySelectorAll('#confusion tr').length === 3")
    before, drawn = heatmap_pixels(page), frames_drawn(page)
    page.click("#play-pause")
    wait_epoch(page, 20)
    page.click("#play-pause")
    page.wait_for_function("() => !window.playground.state.playing")
    assert frames_drawn(page) > drawn + 1
    assert changed_pixels(before, heatmap_pixels(page)) > 100, "the heatmap stopped after the round trip"
    assert sum(int(c) for c in page.eval_on_selector_all("#confusion td", "els => els.map(e => e.textContent)")) == 250
    # a feature switched off while the pointer is on it, then every feature off, then play
    page.hover("#feature-x")
    page.wait_for_function("() => window.playground.output.nodeGrid !== null")
    page.click("#feature-x")
    wait_hash(page, "x=false")
    page.wait_for_function("() => window.playground.output.nodeGrid === null")
    page.hover("#feature-y")
    page.click("#feature-y")
    wait_hash(page, "y=false")
    assert page.locator(".node.input:not(.inactive)").count() == 0
    e = epoch(page)
    page.click("#play-pause")
    wait_epoch(page, e + 10)
    page.click("#play-pause")
    page.wait_for_function("() => !window.playground.state.playing")
    page.wait_for_timeout(300)
    assert errors_shown(page) == []


def test_custom_points_travel_in_the_link_and_no_data_says_so(page, tmp_path):
    open_page(page)
    page.click("#clear-points")
    page.wait_for_selector("#no-data:not([hidden])")
    assert page.text_content("#loss-train") == "–" and page.text_content("#loss-test") == "–"
    page.click("#play-pause")  # nothing to train on: the page says why it stops
    page.wait_for_function("() => !document.getElementById('status').hidden")
    assert "No training data" in page.text_content("#status")
    page.wait_for_function("() => !window.playground.state.playing")
    assert "NaN" not in page.text_content("#metrics-box")
    # three clicked points go into the hash; the link opens them elsewhere
    box = page.locator("#points").bounding_box()
    for fx, fy, shift in ((0.25, 0.25, False), (0.75, 0.75, True), (0.5, 0.2, False)):
        if shift:
            page.keyboard.down("Shift")
        page.mouse.click(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
        if shift:
            page.keyboard.up("Shift")
    page.wait_for_function("() => window.playground.output.train.length + window.playground.output.test.length === 3")
    wait_hash(page, "points=")
    link = page.evaluate("() => location.hash.slice(1)")
    mine = page.evaluate("() => [...window.playground.output.train, ...window.playground.output.test]")
    page.goto("about:blank")
    open_page(page, link)
    theirs = page.evaluate("() => [...window.playground.output.train, ...window.playground.output.test]")
    assert sorted(p[2] for p in theirs) == sorted(p[2] for p in mine) == [-1, 1, 1]
    for a, b in zip(sorted(mine), sorted(theirs)):
        assert a[0] == pytest.approx(b[0], abs=0.02) and a[1] == pytest.approx(b[1], abs=0.02)
    assert page.is_hidden("#no-data")
    assert page.evaluate("() => location.hash.slice(1)") == link
    # too many points for a link: a notice offers the CSV instead
    csv = tmp_path / "many.csv"
    csv.write_text("x,y,label\n" + "".join(f"{(i % 40) / 4 - 5},{(i // 40) / 4 - 5},{1 if i % 3 else -1}\n"
                                          for i in range(1600)))
    page.set_input_files("#upload-csv", str(csv))
    page.wait_for_selector("#share-notice:not([hidden])")
    assert "1600" in page.text_content("#share-notice-text")
    assert "points=" not in page.evaluate("() => location.hash")
    with page.expect_download() as dl:
        page.click("#share-notice-csv")
    assert len(Path(dl.value.path()).read_text().splitlines()) == 1601
    # an old link that names custom data without points: no NaN, the page says there is no data
    page.goto("about:blank")
    open_page(page, "dataset=custom")
    page.wait_for_selector("#no-data:not([hidden])")
    assert page.is_hidden("#share-notice")


def test_server_messages_in_the_page_language(page, tmp_path):
    open_page(page, "lang=fr&activation=bogus&networkShape=4,99")
    page.wait_for_function("() => document.querySelectorAll('#errors .error').length >= 2")
    shown = errors_shown(page)
    assert any(text.startswith("Activation : « bogus » ne convient pas") for text in shown), shown
    assert any("couches cachées" in text for text in shown), shown
    page.click("#errors .error .dismiss")
    page.click("#errors .error .dismiss")
    three = tmp_path / "three.csv"
    three.write_text("x,y,label\n1,1,0\n2,2,1\n3,3,2\n")
    page.set_input_files("#upload-csv", str(three))
    page.wait_for_selector("#errors .error")
    weights = tmp_path / "junk.safetensors"
    weights.write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{nope}xx")
    page.set_input_files("#upload-weights", str(weights))
    page.wait_for_function("() => document.querySelectorAll('#errors .error').length >= 2")
    config = tmp_path / "bad.json"
    config.write_text("{nope")
    page.set_input_files("#upload-config", str(config))
    page.wait_for_function("() => document.querySelectorAll('#errors .error').length >= 3")
    shown = errors_shown(page)
    assert "choisissez 3 classes" in shown[0], shown
    assert shown[1] == "Ce n'est pas un fichier de poids (.safetensors)."
    assert shown[2] == "Ce n'est pas un fichier d'expérience (un objet JSON de réglages)."
    for text in shown:  # no Python object, no library's or English words
        for bad in ("<_io", "object at", "Error", "row ", "not a ", "safetensors file", "JSON:"):
            assert bad not in text, text


def test_counts_in_both_languages(page):
    """One and two, in English and in French (where 0 and 1 take the singular)."""
    open_page(page)
    said = page.evaluate("""async () => {
        const i18n = await import('/static/js/i18n.js');
        const {errorText} = await import('/static/js/messages.js');
        const out = {};
        for (const lang of ['en', 'fr']) {
            i18n.setLang(lang);
            for (const n of [0, 1, 2, 1200]) {
                out[`${lang}-full-${n}`] = errorText({code: 'session_full', params: {max: n}});
                out[`${lang}-csv-${n}`] = errorText({code: 'csv_too_many_points', params: {n: n, max: n}});
                out[`${lang}-stop-${n}`] = i18n.t('stoppedEpochs', {n});
            }
        }
        i18n.setLang('en');
        return out;
    }""")
    assert "(at most 1 session at once)" in said["en-full-1"] and "(at most 2 sessions at once)" in said["en-full-2"]
    assert "(at most 0 sessions at once)" in said["en-full-0"]
    assert "(au plus 1 session à la fois)" in said["fr-full-1"] and "(au plus 0 session à la fois)" in said["fr-full-0"]
    assert "(au plus 2 sessions à la fois)" in said["fr-full-2"]
    assert said["en-csv-1"] == "The CSV file has 1 point; at most 1 is allowed."
    assert said["fr-csv-2"] == "Le fichier CSV a 2 points ; 2 au plus sont acceptés."
    assert said["fr-csv-1"] == "Le fichier CSV a 1 point ; 1 au plus est accepté."
    assert "1\u202f200 points" in said["fr-csv-1200"] or "1 200 points" in said["fr-csv-1200"], said["fr-csv-1200"]
    assert said["en-stop-1"] == "Stopped: 1 epoch reached." and said["fr-stop-1"] == "Arrêt : 1 époque atteinte."
    assert said["fr-stop-2"] == "Arrêt : 2 époques atteintes."
    for text in said.values():
        assert "{" not in text and "?" not in text.replace(" ?", ""), text


def test_numbers_as_each_language_writes_them(page):
    """0.498 and 97.5% in English, 0,498 and 97,5 % in French: the losses, accuracies, weights
    and the epoch counter."""
    open_page(page)
    said = page.evaluate("""async () => {
        const i18n = await import('/static/js/i18n.js');
        const f = await import('/static/js/format.js');
        const out = {};
        for (const lang of ['en', 'fr']) {
            i18n.setLang(lang);
            out[lang] = [f.formatLoss(0.49812), f.formatPercent(0.975), f.formatWeight(-0.2345),
                         f.formatEpoch(1234), f.formatLoss(null)];
        }
        i18n.setLang('en');
        return out;
    }""")
    assert said["en"] == ["0.498", "97.5%", "-0.23", "001,234", "NaN"]
    fr = [text.replace("\u202f", " ").replace("\u00a0", " ") for text in said["fr"]]
    assert fr[:2] == ["0,498", "97,5 %"] and fr[2] in ("-0,23", "\u22120,23") and fr[3:] == ["001 234", "NaN"], said
    # (a function, not an expression: Playwright evaluates an expression with eval, which the
    # page's Content Security Policy refuses once the first check fails and polling starts)
    changed = "t => document.querySelector(\"#learning-rate option[value='0.03']\").textContent !== t"
    page.select_option("#lang-switch", "fr")
    page.wait_for_function(changed, arg="0.03", timeout=5000)  # the page re-renders its labels
    options = page.eval_on_selector_all("#learning-rate option", "os => os.map(o => [o.value, o.textContent])")
    assert ["0.03", "0,03"] in options, options  # the value stays the config's, the label is French
    page.select_option("#lang-switch", "en")
    page.wait_for_function(changed, arg="0,03", timeout=5000)
    assert page.text_content("#learning-rate option[value='0.03']") == "0.03"


# ---------------------------------------------------------------------------------- every screen
def _box(pg, selector):
    return pg.locator(selector).bounding_box()


def _layout(pg):
    return pg.evaluate("""() => ({scroll: document.documentElement.scrollWidth, width: window.innerWidth,
                                   height: window.innerHeight, extrasOpen: document.getElementById('extras').open})""")


def test_layout_on_a_laptop_a_tablet_and_a_phone(page):
    # 1366x768: the whole network and the heatmap without scrolling, the extras behind a disclosure
    for width, height in ((1366, 768), (1024, 768)):
        page.set_viewport_size({"width": width, "height": height})
        open_page(page)
        layout = _layout(page)
        assert layout["scroll"] <= width and not layout["extrasOpen"], layout
        for selector in ("#heatmap", "#network", "#play-pause", "#loss-chart"):
            box = _box(page, selector)
            assert box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5, (width, selector, box)
            assert box["y"] >= 0 and box["y"] + box["height"] <= height + 0.5, (width, selector, box)
        output = _box(page, "#node-3-0")  # the output neuron: the last column is on screen
        assert output["x"] + output["width"] <= width
        page.click("#extras > summary")  # the extras open on demand
        assert page.is_visible("#optimizer") and page.is_visible("#export-pytorch")
    # a phone: Play, then the output, then the network; no sideways scroll; 40 px touch targets
    page.set_viewport_size({"width": 390, "height": 844})
    open_page(page)
    layout = _layout(page)
    assert layout["scroll"] <= 390, layout
    play, heatmap, network = _box(page, "#play-pause"), _box(page, "#heatmap"), _box(page, "#network")
    assert play["y"] + play["height"] <= heatmap["y"] and heatmap["y"] + heatmap["height"] <= 844
    assert network["y"] >= heatmap["y"] + heatmap["height"] and network["x"] + network["width"] <= 390
    assert _box(page, "#data-col")["y"] > network["y"]
    assert _small_targets(page) == []
    for selector in ("#add-neuron-1", "#remove-layer", "#feature-x", "#show-test-data"):
        box = _box(page, selector)
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, (selector, box)
    # the bias squares and links are too small for a finger: a tapped neuron's panel edits them
    assert page.evaluate("() => document.getElementById('bias-1-0').tagName") == "SPAN"
    assert page.is_visible("#touch-help")
    assert "Click" not in page.text_content("#network-legend")  # the legend speaks to fingers
    page.click("#node-1-0")
    page.wait_for_selector("#neuron-panel:not([hidden])")
    assert page.locator("#neuron-panel-fields input").count() == 3  # the bias and the weights from x1, x2
    assert _small_targets(page) == []  # the panel's fields and its close button too
    page.fill("#panel-bias", "0.75")
    page.dispatch_event("#panel-bias", "change")
    page.wait_for_function("() => Math.abs(window.playground.network.last.biases[0][0] - 0.75) < 1e-9")
    page.fill("#panel-weight-1", "-2")
    page.dispatch_event("#panel-weight-1", "change")
    page.wait_for_function("() => window.playground.network.last.weights[0][0][1] === -2")
    box = _box(page, "#neuron-panel")
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    page.click("#neuron-panel-close")
    assert page.is_hidden("#neuron-panel")
    assert _layout(page)["scroll"] <= 390
    # six layers of 8: the diagram scrolls inside itself, never the page; neurons keep 40 px
    open_page(page, "networkShape=8,8,8,8,8,8&x=true&y=true")
    page.wait_for_selector("#node-7-0")
    assert _layout(page)["scroll"] <= 390
    inside = page.evaluate("() => { const n = document.getElementById('network'); return [n.scrollWidth, n.clientWidth]; }")
    assert inside[0] > inside[1], inside
    columns = [_box(page, f"#node-{layer}-0")["x"] for layer in range(1, 8)]
    assert all(b - a >= 40 for a, b in zip(columns, columns[1:])), columns  # no overlap
    page.locator("#node-7-0").scroll_into_view_if_needed()
    page.click("#node-7-0")
    page.wait_for_selector("#neuron-panel:not([hidden])")
    assert page.locator("#neuron-panel-fields input").count() == 9  # the bias and 8 weights
    assert _small_targets(page) == []


def _small_targets(pg) -> list[str]:
    """Every clickable thing on screen smaller than 40 x 40 px: controls, data sets, neurons, bias
    squares, links that take a click (a checkbox counts with its label)."""
    return pg.evaluate("""() => [...document.querySelectorAll(
            'button, select, input, label.button, .dataset, .node, .bias, summary, #network path[id]')]
        .filter(el => el.getClientRects().length && !el.closest('dialog') && !el.classList.contains('file-input')
                      && getComputedStyle(el).pointerEvents !== 'none' && getComputedStyle(el).visibility !== 'hidden')
        .map(el => {
            let r = el.getBoundingClientRect();
            const label = el.type === 'checkbox' && el.labels && el.labels[0];
            if (label) {
                const q = label.getBoundingClientRect();
                r = {width: Math.max(r.right, q.right) - Math.min(r.left, q.left),
                     height: Math.max(r.bottom, q.bottom) - Math.min(r.top, q.top)};
            }
            return [el.id || el.getAttribute('class') || el.tagName, r];
        })
        .filter(([, r]) => r.width > 0 && (r.height < 40 || r.width < 40))
        .map(([name, r]) => `${name} ${Math.round(r.width)}x${Math.round(r.height)}`)""")


def test_teacher_page_pushes_and_locks(page, browser):
    import urllib.request

    def post(path, body):
        request = urllib.request.Request(f"{page.base}{path}", data=json.dumps(body).encode(), method="POST",
                                         headers={"content-type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as r:
            return json.loads(r.read())

    open_page(page)
    teacher = page.context.new_page()
    teacher.goto(f"{page.base}/teacher")
    teacher.wait_for_function("() => document.getElementById('connected').textContent !== '0'")
    assert teacher.locator("#students tbody tr").count() >= 1
    assert teacher.locator("#lock-learningRate").count() == 1
    try:
        # one click pushes what the teacher's own playground shows (opened from the teacher page)
        teacher.click("#push-mine")  # none open yet: the page says what to do, in its words
        teacher.wait_for_function("() => document.getElementById('push-result').textContent.includes('playground')")
        with teacher.expect_popup() as popup:
            teacher.click("#open-mine")
        mine = popup.value
        mine.wait_for_function("() => window.playground && window.playground.state.config")
        mine.evaluate("() => { location.hash = 'dataset=xor&networkShape=3&learningRate=0.1'; }")
        mine.wait_for_function("() => window.playground.state.config.dataset === 'xor'")
        teacher.wait_for_function("() => document.getElementById('mine-state').textContent === '(open)'")
        teacher.click("#push-mine")
        teacher.wait_for_function("() => document.getElementById('push-result').textContent.startsWith('Sent to')")
        page.wait_for_selector("#teacher-banner:not([hidden])")
        assert mine.is_hidden("#teacher-banner")  # the teacher is not offered their own experiment
        page.click("#load-teacher")
        page.wait_for_function("() => window.playground.state.config.dataset === 'xor'")  # the server's answer
        assert page.input_value("#learning-rate") == "0.1" and page.text_content("#layer-count") == "1"
        assert page.is_hidden("#teacher-banner")
        teacher.check("#lock-dataset")
        teacher.check("#lock-learningRate")
        teacher.click("#apply-locks")
        page.wait_for_function("() => location.hash.includes('dataset_hide=true')")
        assert mine.is_visible("#learning-rate") and not mine.evaluate("() => location.hash.includes('_hide')")
        assert page.is_hidden("#learning-rate") and page.is_hidden("#clear-points") and page.is_hidden("#upload-csv")
        assert page.is_hidden("#dataset-circle")
        before = page.evaluate("() => window.playground.output.train.length")
        page.click("#points")  # clicking the output adds no point, and shows no error
        page.wait_for_timeout(300)
        assert page.evaluate("() => window.playground.output.train.length") == before
        assert errors_shown(page) == []
        # a student who edits the address gets the teacher's values back
        page.evaluate("() => { location.hash = 'dataset=spiral&learningRate=3'; }")
        page.wait_for_function("() => location.hash.includes('learningRate=0.1') && location.hash.includes('dataset=xor')")
    finally:
        post("/api/teacher/locks", {"locks": {}})
        post("/api/teacher/experiment", {"hash": ""})
    page.wait_for_function("() => !location.hash.includes('_hide=true')")
    assert page.is_visible("#learning-rate") and page.is_visible("#clear-points")
    teacher.close()


def _texts(pg) -> dict[str, str]:
    """The text of every element the language table fills, by its key."""
    return pg.evaluate("() => Object.fromEntries([...document.querySelectorAll('[data-i18n]')]"
                       ".map(el => [el.dataset.i18n, el.textContent]))")


def test_teacher_page_in_both_languages(page):
    """The teacher's page speaks the student page's two languages, from the same table, with the
    same switch (remembered): its own texts, the controls' names to lock, the server's refusals."""
    page.goto(f"{page.base}/teacher")
    page.wait_for_selector("#lock-learningRate")
    english = _texts(page)
    assert page.title() == "flambeau playground: teacher" and page.input_value("#lang-switch") == "en"
    assert page.text_content("label:has(#lock-learningRate)").strip() == "Learning rate"
    assert page.text_content("label:has(#lock-numHiddenLayers)").strip() == "Hidden layers"
    page.click("details > summary")
    page.fill("#experiment", "activation=bogus")
    page.click("#push")
    page.wait_for_function("() => document.getElementById('push-result').textContent.startsWith('Activation: “bogus”')")
    page.select_option("#lang-switch", "fr")
    french = _texts(page)
    assert page.title() == "Bac à sable flambeau : enseignant"
    assert page.evaluate("() => document.documentElement.lang") == "fr"
    assert set(french) == set(english) and len(english) > 15
    for key, text in english.items():  # every text changed language (the words are not the same)
        assert french[key] and french[key] != text, (key, text, french[key])
    assert page.text_content("label:has(#lock-learningRate)").strip() == "Taux d'apprentissage"
    assert page.text_content("label:has(#lock-playButton)").strip() == "Lancer l'entraînement"
    assert page.text_content("#mine-state") == "(pas ouvert)"
    # the refusal already shown is said again in the new language
    assert page.text_content("#push-result").startswith("Activation : « bogus » ne convient pas"), \
        page.text_content("#push-result")
    page.click("#apply-locks")
    page.wait_for_function("() => document.getElementById('locks-result').textContent"
                           " === 'Appliqué à la classe : 0 commande verrouillée.'")
    page.reload()  # the choice is remembered
    page.wait_for_selector("#lock-learningRate")
    assert page.input_value("#lang-switch") == "fr" and page.text_content("h1") == french["teacherTitle"]
    # a teacher with a phone or a tablet: one column, no sideways scrolling, a finger's targets
    page.set_viewport_size({"width": 390, "height": 844})
    page.click("details > summary")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    assert _small_targets(page) == []


def test_a_class_with_its_token_on_a_phone_and_a_laptop(browser):
    """A teacher's lesson from start to end, on a classroom server with its tokens (bound to
    loopback here): the teacher page (French) shows the address and its QR code, two students
    (a French phone at 390x844, an English laptop at 1366x768) open the address, the teacher
    pushes their own playground's experiment, the students load it, the teacher locks controls,
    and nothing a student tries with a locked control changes the experiment; every message is
    in its page's language."""
    import urllib.error
    import urllib.request

    import uvicorn

    from flambeau.playground.classroom import Classroom
    from flambeau.playground.server import create_app

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    room = Classroom(host="127.0.0.1", token="students-token", teacher_token="teacher-token", max_sessions=8)
    app = create_app(classroom=room, student_url=f"{base}/?token={room.token}", workers=0)
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    while not srv.started:
        time.sleep(0.05)
    errors: list[str] = []
    contexts = []

    def open_in(viewport, locale, url, **options):
        context = browser.new_context(viewport=viewport, locale=locale, **options)
        contexts.append(context)
        pg = context.new_page()
        pg.set_default_timeout(UI_TIMEOUT_MS)
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
        pg.goto(url)
        return pg

    ready = "() => window.playground && window.playground.state.config && window.playground.state.lastEpoch >= 0"
    snapshot = """() => ({dataset: window.playground.state.config.dataset, rate: window.playground.state.config.learningRate,
                         points: window.playground.output.train.length + window.playground.output.test.length,
                         playing: window.playground.state.playing, epoch: window.playground.state.lastEpoch})"""
    try:
        for path in ("/teacher", f"/teacher?token={room.token}", "/"):  # no token, or the students' for the teacher
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(base + path, timeout=30)
            assert refused.value.code == 403 and "jeton" in refused.value.read().decode()
        teacher = open_in({"width": 1366, "height": 768}, "fr-FR", f"{base}/teacher?token={room.teacher_token}")
        teacher.wait_for_selector("#lock-learningRate")
        assert teacher.text_content("h1") == "Bac à sable flambeau : enseignant"
        address = teacher.text_content("#student-url")
        assert address == f"{base}/?token={room.token}"
        # the QR code drawn
        teacher.wait_for_function("() => { const qr = document.getElementById('qr'); return qr.complete && qr.naturalWidth > 0; }")
        phone = open_in({"width": 390, "height": 844}, "fr-FR", address, is_mobile=True, has_touch=True)
        laptop = open_in({"width": 1366, "height": 768}, "en-US", address)
        for pg in (phone, laptop):
            pg.wait_for_function(ready)
        assert phone.text_content("label[for=learning-rate]") == "Taux d'apprentissage"
        assert laptop.text_content("label[for=learning-rate]") == "Learning rate"
        teacher.wait_for_function("() => document.getElementById('connected').textContent === '2'")
        # the teacher's own playground, set up, then pushed in one click
        with teacher.expect_popup() as popup:
            teacher.click("#open-mine")
        mine = popup.value
        mine.set_default_timeout(UI_TIMEOUT_MS)
        mine.wait_for_function(ready)
        mine.evaluate("() => { location.hash = 'dataset=xor&networkShape=3&learningRate=0.1'; }")
        mine.wait_for_function("() => window.playground.state.config.dataset === 'xor'")
        teacher.wait_for_function("() => document.getElementById('mine-state').textContent === '(ouvert)'")
        teacher.click("#push-mine")
        teacher.wait_for_function("() => document.getElementById('push-result').textContent === 'Envoyée à 2 élèves.'")
        for pg, words in ((phone, "Charger l'expérience de l'enseignant"), (laptop, "Load the teacher's experiment")):
            pg.wait_for_selector("#teacher-banner:not([hidden])")
            assert pg.text_content("#load-teacher") == words
            if pg is phone:  # the offer too is a finger's size
                assert _small_targets(pg) == []
            pg.click("#load-teacher")
            pg.wait_for_function("() => window.playground.state.config.dataset === 'xor'")
            assert pg.input_value("#learning-rate") == "0.1" and pg.text_content("#layer-count") == "1"
        assert phone.evaluate("() => document.documentElement.scrollWidth") <= 390
        laptop.click("#step")  # the teacher sees how far each student trained
        wait_epoch(laptop, 1)
        teacher.wait_for_function("() => [...document.querySelectorAll('#students tbody tr')]"
                                  ".some(row => row.cells[1].textContent === '1')")
        # locks: the data set (their own points too), the learning rate, play
        for name in ("dataset", "learningRate", "playButton"):
            teacher.check(f"#lock-{name}")
        teacher.click("#apply-locks")
        teacher.wait_for_function("() => document.getElementById('locks-result').textContent"
                                  " === 'Appliqué à la classe : 3 commandes verrouillées.'")
        locked = ("#learning-rate", "#play-pause", "#clear-points", "#upload-csv", "#dataset-circle", "#regenerate")
        for pg, refusal in ((phone, "L'enseignant a verrouillé cette commande ("),
                            (laptop, "The teacher has locked this control (")):
            pg.wait_for_function("() => location.hash.includes('dataset_hide=true') && location.hash.includes('playButton_hide=true')")
            for selector in locked:
                assert pg.is_hidden(selector), selector
            before = pg.evaluate(snapshot)
            # a finger or a click on the output adds no point, and says nothing
            if pg is phone:
                pg.tap("#points")
            else:
                pg.click("#points")
            pg.wait_for_timeout(300)
            assert pg.evaluate(snapshot) == before and errors_shown(pg) == []
            # the hidden controls, reached anyway (a script, the developer tools): the server
            # refuses, the page shows the kept values again and says why in its language
            pg.evaluate("""() => {
                const rate = document.getElementById('learning-rate');
                rate.value = rate.options[0].value;
                rate.dispatchEvent(new Event('change'));
                for (const id of ['clear-points', 'regenerate', 'dataset-circle', 'play-pause']) document.getElementById(id).click();
            }""")
            pg.set_input_files("#upload-csv", {"name": "mine.csv", "mimeType": "text/csv", "buffer": b"x,y,label\n1,1,1\n"})
            pg.wait_for_function("() => document.querySelectorAll('#errors .error').length >= 3")
            pg.wait_for_timeout(500)
            assert pg.evaluate(snapshot) == before
            assert pg.input_value("#learning-rate") == "0.1" and pg.get_attribute("#play-pause", "aria-pressed") == "false"
            shown = errors_shown(pg)
            assert shown and all(text.startswith(refusal) for text in shown), shown
            # an address edited by hand gets the locked values back
            pg.evaluate("() => { location.hash = 'dataset=spiral&learningRate=3'; }")
            pg.wait_for_function("() => location.hash.includes('learningRate=0.1') && location.hash.includes('dataset=xor')")
        # the lesson ends, the server stops: every page says so, in its language
        srv.should_exit = True
        thread.join(timeout=30)
        teacher.wait_for_selector("#unreachable:not([hidden])")
        assert teacher.text_content("#unreachable") == "Pas de connexion au serveur."
        for pg, words in ((phone, "La connexion au serveur est perdue"), (laptop, "The connection to the server was lost")):
            pg.wait_for_function("w => [...document.querySelectorAll('#errors .error .text')].some(e => e.textContent.startsWith(w))",
                                 arg=words)
        assert errors == []
    finally:
        for context in contexts:
            context.close()
        srv.should_exit = True
        thread.join(timeout=10)


# the parameters of the server's error codes, to word each code (errors.py's names)
SAMPLE_PARAMS = {
    "key": "learningRate", "value": "bogus", "options": ["relu", "tanh"], "low": 1, "high": 8, "max_layers": 10,
    "max_neurons": 32, "max": 2, "n": 3, "loss": "playground", "name": "dataset", "row": 4, "column": "x", "k": 3,
    "suggest": 3, "problem": "classification", "max_mb": 5, "layers": 2, "shape": "2×3", "needed": "4×2",
}


def test_every_server_code_is_worded_in_both_languages(page):
    """Every code of the server's table (errors.py), with every kind of `expect`, has its own
    text in English and in French, its placeholders all filled; the server's English text is
    never shown, and a code the page does not know reads as the generic refusal."""
    from flambeau.playground.errors import ERROR_CODES, EXPECT_KINDS

    cases = []
    for code, names in ERROR_CODES.items():
        for kind in (list(EXPECT_KINDS) if "expect" in names else [""]):
            params = {name: SAMPLE_PARAMS[name] for name in names if name != "expect"}
            if kind:
                params.update({name: SAMPLE_PARAMS[name] for name in EXPECT_KINDS[kind]}, expect=kind)
            cases.append([code, kind, params])
    open_page(page)
    said = page.evaluate("""async (cases) => {
        const i18n = await import('/static/js/i18n.js');
        const {errorText} = await import('/static/js/messages.js');
        const out = {};
        for (const lang of ['en', 'fr']) {
            i18n.setLang(lang);
            out[`${lang}:generic`] = errorText({code: 'invalid'});
            out[`${lang}:unknown`] = errorText({code: 'no_such_code', message: 'Python <_io.BytesIO object at 0x7f>'});
            // a choice whose default is empty (lang: the browser's) lists the others
            out[`${lang}:lang`] = errorText({code: 'bad_value', params: {key: 'lang', value: 'de', expect: 'choice', options: ['', 'fr', 'en']}});
            for (const [code, kind, params] of cases) {
                out[`${lang}:${code}:${kind}`] = errorText({code, params, message: 'Python <_io.BytesIO object at 0x7f>'});
            }
        }
        i18n.setLang('en');
        return out;
    }""", cases)
    assert len(cases) > 55
    assert said["en:lang"] == "Language: “de” does not fit; expected one of fr, en."
    assert said["fr:lang"] == "Langue : « de » ne convient pas ; une de ces valeurs est attendue : fr, en."
    for lang in ("en", "fr"):
        generic = said[f"{lang}:generic"]
        assert said[f"{lang}:unknown"] == generic
        for code, kind, _ in cases:
            text = said[f"{lang}:{code}:{kind}"]
            for bad in ("{", "}", "undefined", "NaN", "null", "[object", "Python", "_io"):
                assert bad not in text, (lang, code, kind, text)
            assert code == "invalid" or text != generic, (lang, code, kind, text)
            assert text != said[f"{'fr' if lang == 'en' else 'en'}:{code}:{kind}"], (code, kind, text)
        kinds = {said[f"{lang}:bad_value:{kind}"] for kind in EXPECT_KINDS}
        assert len(kinds) == len(EXPECT_KINDS), kinds  # each kind in words of its own


def test_a_full_server_says_so(browser, tmp_path):
    """The session cap's refusal, on its own server (two sessions at most)."""
    import uvicorn

    from flambeau.playground.classroom import Classroom
    from flambeau.playground.server import create_app

    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(create_app(classroom=Classroom(max_sessions=1)), host="127.0.0.1",
                                        port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    while not srv.started:
        time.sleep(0.05)
    context = browser.new_context()
    try:
        first, second = context.new_page(), context.new_page()
        first.goto(f"http://127.0.0.1:{port}/#lang=fr")
        first.wait_for_function("() => window.playground && window.playground.state.config")
        second.goto(f"http://127.0.0.1:{port}/#lang=fr")
        second.wait_for_selector("#errors .error")
        text = second.text_content("#errors .error .text")
        assert text.startswith("Le serveur est plein (au plus 1 session à la fois)"), text
        assert second.locator("#errors .error").count() == 1  # not "connection lost" as well
        first.close()  # a place frees up: the page's reconnection gets in
        second.wait_for_function("() => window.playground.state.config !== null", timeout=UI_TIMEOUT_MS)
    finally:
        context.close()
        srv.should_exit = True
        thread.join(timeout=10)


def test_the_page_on_sessions_in_the_server_process(browser):
    """The other tests' server keeps its sessions in worker processes (``flambeau playground``'s
    default); with ``workers=0`` they live in the server's process: the page plays, steps and
    hears its errors the same."""
    import uvicorn

    from flambeau.playground.server import create_app

    port = _free_port()
    app = create_app(workers=0)
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    while not srv.started:
        time.sleep(0.05)
    context = browser.new_context(viewport={"width": 1500, "height": 1000})
    errors: list[str] = []
    try:
        pg = context.new_page()
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.set_default_timeout(UI_TIMEOUT_MS)
        pg.base = f"http://127.0.0.1:{port}"  # type: ignore[attr-defined]
        open_page(pg, "networkShape=3&dataset=xor")
        before = heatmap_pixels(pg)
        pg.click("#play-pause")
        wait_epoch(pg, 5)
        pg.click("#play-pause")
        pg.wait_for_function("() => !window.playground.state.playing")
        assert changed_pixels(before, heatmap_pixels(pg)) > 100
        reached = epoch(pg)
        pg.click("#step")
        wait_epoch(pg, reached + 1)
        pg.evaluate("() => { location.hash = 'activation=bogus'; }")
        pg.wait_for_selector("#errors .error")
        assert "bogus" in pg.text_content("#errors .error .text")
        assert errors == []
    finally:
        context.close()
        srv.should_exit = True
        thread.join(timeout=10)
