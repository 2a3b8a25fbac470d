"""flambeau.viz.draw_graph: the computational graph with its values and gradients, on the
lecture's graphs (z = x * y; loss = (x * w - y)**2), a small MLP, and Graphviz present or not.

The DOT text is parsed back into boxes and arrows, so each test checks that a number sits on the
right box, not merely somewhere in the text. Rendering needs Graphviz's ``dot``: those tests are
skipped where it is missing, except in CI (``CI=true``), where a missing ``dot`` is a failure.
"""

from __future__ import annotations

import html
import os
import re
import stat
import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import flambeau as torch
from flambeau import nn
from flambeau.viz import DotNotFoundError, GraphDrawing, draw_graph, label
from flambeau.viz import graph as viz_graph

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def dot(monkeypatch):
    """Graphviz's real ``dot``; skips where it is missing, except in CI."""
    monkeypatch.setattr(viz_graph, "DOT_EXECUTABLE", None)
    exe = viz_graph.find_dot()
    if exe is None:
        if IN_CI:
            pytest.fail("Graphviz's dot is missing in CI: the graph drawing tests need it "
                        "(apt-get install graphviz)")
        pytest.skip("Graphviz's dot is not installed (apt-get install graphviz)")
    return exe


@pytest.fixture
def no_dot(monkeypatch, tmp_path):
    """A machine without Graphviz: ``FLAMBEAU_DOT`` names a program that does not exist."""
    missing = tmp_path / "no-such-dir" / "dot"
    monkeypatch.setattr(viz_graph, "DOT_EXECUTABLE", None)
    monkeypatch.setenv("FLAMBEAU_DOT", str(missing))
    return missing


# ------------------------------------------------------------------ reading the DOT text back
class Parsed:
    """The boxes and arrows of a DOT text written by draw_graph."""

    def __init__(self, source: str) -> None:
        self.tensors: dict[str, list[str]] = {}  # DOT id -> the rows of text in the box
        self.ops: dict[str, str] = {}  # DOT id -> operation name
        self.constants: set[str] = set()
        self.edges: list[tuple[str, str]] = []
        for line in source.splitlines():
            if m := re.match(r"^\s*(\w+) -> (\w+)", line):
                self.edges.append((m[1], m[2]))
            elif m := re.match(r"^\s*(\w+) \[.*label=<(.*)>\];$", line):
                rows = [re.sub(r"<[^>]+>", "", row) for row in m[2].split("</TR>")]
                self.tensors[m[1]] = [html.unescape(r).strip() for r in rows if r.strip()]
            elif m := re.match(r'^\s*(\w+) \[label="([^"]*)"', line):
                if m[2] == "constant":
                    self.constants.add(m[1])
                else:
                    self.ops[m[1]] = m[2]

    def box(self, name: str) -> str:
        """The DOT id of the tensor box whose first row is ``name``."""
        found = [k for k, rows in self.tensors.items() if rows and rows[0] == name]
        assert len(found) == 1, f"expected one box named {name!r}, found {found}: {self.tensors}"
        return found[0]

    def rows(self, name: str) -> list[str]:
        return self.tensors[self.box(name)]

    def op_of(self, name: str) -> str:
        """The operation that produced the tensor ``name``."""
        (op,) = [a for a, b in self.edges if b == self.box(name)]
        return self.ops[op]

    def inputs_of(self, name: str) -> list[str]:
        """Names (first rows) of the tensors feeding the operation that produced ``name``."""
        (op,) = [a for a, b in self.edges if b == self.box(name)]
        return [self.tensors[a][0] if a in self.tensors else "constant"
                for a, b in self.edges if b == op]


def lecture_loss():
    """The lecture's graph: y_hat = x * w, s = y_hat - y, loss = s**2 at x = 1, y = 2, w = 1."""
    x = torch.tensor(1.0, requires_grad=True)
    w = torch.tensor(1.0, requires_grad=True)
    y = torch.tensor(2.0)
    y_hat = x * w
    s = y_hat - y
    loss = s**2
    return x, w, y, y_hat, s, loss


# ------------------------------------------------------------------------------ the lecture
def test_mul_node_forward_values_then_gradients():
    """z = x * y with x = 2, y = 3: z = 6; with dL/dz = 5, dL/dx = 15 and dL/dy = 10."""
    x = label(torch.tensor(2.0, requires_grad=True), "x")
    y = label(torch.tensor(3.0, requires_grad=True), "y")
    z = x * y

    before = Parsed(draw_graph(z, labels={"z": z}).source)
    assert before.rows("x") == ["x", "value 2"]
    assert before.rows("y") == ["y", "value 3"]
    assert before.rows("z") == ["z", "value 6"]
    assert before.op_of("z") == "×"
    assert sorted(before.inputs_of("z")) == ["x", "y"]
    assert len(before.ops) == 1 and not before.constants

    z.backward(torch.tensor(5.0), retain_graph=True)
    after = Parsed(draw_graph(z, labels={"z": z}).source)
    assert after.rows("x") == ["x", "value 2", "grad 15"]
    assert after.rows("y") == ["y", "value 3", "grad 10"]
    assert after.rows("z") == ["z", "value 6"]  # a non-leaf keeps no grad unless retain_grad()


def test_lecture_loss_graph_values_and_gradients():
    """Forward y_hat = 1, s = -1, loss = 1; backward dloss/ds = dloss/dy_hat = dloss/dw = -2."""
    x, w, y, y_hat, s, loss = lecture_loss()
    y_hat.retain_grad()
    s.retain_grad()
    names = {"x": x, "w": w, "y_hat": y_hat, "s": s, "loss": loss}

    before = Parsed(draw_graph(loss, labels=names).source)
    assert before.rows("y_hat") == ["y_hat", "value 1"]
    assert before.rows("s") == ["s", "value -1"]
    assert before.rows("loss") == ["loss", "value 1"]

    loss.backward(retain_graph=True)
    g = Parsed(draw_graph(loss, labels=names).source)
    assert g.rows("x") == ["x", "value 1", "grad -2"]
    assert g.rows("w") == ["w", "value 1", "grad -2"]
    assert g.rows("y_hat") == ["y_hat", "value 1", "grad -2"]
    assert g.rows("s") == ["s", "value -1", "grad -2"]
    assert g.rows("loss") == ["loss", "value 1"]
    # the structure: x, w -> Mul -> y_hat -> Sub (with the constant y) -> s -> Pow -> loss
    assert g.op_of("y_hat") == "×" and sorted(g.inputs_of("y_hat")) == ["w", "x"]
    assert g.op_of("s") == "−" and g.inputs_of("s") == ["y_hat", "constant"]
    assert g.op_of("loss") == "²" and g.inputs_of("loss") == ["s"]
    assert len(g.tensors) == 5 and len(g.ops) == 3 and len(g.constants) == 1

    # the same drawing once more, after a second backward with the graph kept: grads add up
    loss.backward(retain_graph=True)
    assert Parsed(draw_graph(loss, labels=names).source).rows("w") == ["w", "value 1", "grad -4"]


def test_values_and_grads_can_be_turned_off():
    x, w, y, y_hat, s, loss = lecture_loss()
    loss.backward(retain_graph=True)
    names = {"w": w, "loss": loss}
    assert Parsed(draw_graph(loss, grads=False, labels=names).source).rows("w") == ["w", "value 1"]
    only_shapes = Parsed(draw_graph(loss, values=False, grads=False, labels=names).source)
    assert only_shapes.rows("w") == ["w", "shape []"]
    assert only_shapes.rows("loss") == ["loss", "shape []"]
    no_constants = Parsed(draw_graph(loss, labels=names, constants=False).source)
    assert not no_constants.constants and len(no_constants.ops) == 3


def test_vectors_show_shape_values_and_grads():
    a = label(torch.tensor([1.0, 2.5, -3.0], requires_grad=True), "a")
    out = (a * 2).sum()
    out.backward(retain_graph=True)
    rows = Parsed(draw_graph(out).source).rows("a")
    assert rows == ["a", "shape [3]", "value [1, 2.5, -3]", "grad [2, 2, 2]"]
    big = Parsed(draw_graph(out, max_elements=2).source).rows("a")
    assert big == ["a", "shape [3]"]


# ------------------------------------------------------------------------------ labels
def test_user_labels_appear():
    x, w, y, y_hat, s, loss = lecture_loss()
    assert label(w, "weight") is w and w._name == "weight"
    p = Parsed(draw_graph(loss, labels={"input": x, "the <loss>": loss}).source)
    assert p.rows("weight")[0] == "weight"  # from label()
    assert p.rows("input")[0] == "input"  # from labels=
    assert p.rows("the <loss>")[0] == "the <loss>"  # escaped in the DOT text, read back
    assert "the &lt;loss&gt;" in draw_graph(loss, labels={"the <loss>": loss}).source
    # labels= wins over label(); tensors outside the graph (y: no grad) are ignored
    p = Parsed(draw_graph(loss, labels={"w": w, "y": y}).source)
    assert p.rows("w")[0] == "w" and all(rows[0] != "y" for rows in p.tensors.values())


def test_module_parameters_as_labels():
    torch.manual_seed(0)
    model = nn.Linear(2, 1)
    loss = model(torch.ones(1, 2)).sum()
    p = Parsed(draw_graph(loss, labels=model).source)
    assert p.rows("weight")[:2] == ["weight", "shape [1, 2]"]
    assert p.rows("bias")[:2] == ["bias", "shape [1]"]


def test_bad_arguments():
    x, w, y, y_hat, s, loss = lecture_loss()
    with pytest.raises(TypeError, match="Tensor"):
        draw_graph(3.0)
    with pytest.raises(TypeError, match="labels"):
        draw_graph(loss, labels=[w])
    with pytest.raises(TypeError, match="Tensor"):
        draw_graph(loss, labels={"w": 1.0})
    with pytest.raises(TypeError):
        label(w, 3)
    with pytest.raises(ValueError, match="rankdir"):
        draw_graph(loss, rankdir="sideways")
    with pytest.raises(ValueError, match="max_elements"):
        draw_graph(loss, max_elements=-1)


# ------------------------------------------------------------------------ what can be drawn
def test_freed_graph_raises_a_clear_error():
    x, w, y, y_hat, s, loss = lecture_loss()
    loss.backward()
    with pytest.raises(RuntimeError, match=r"retain_graph=True") as err:
        draw_graph(loss)
    assert "before calling backward()" in str(err.value)
    # an intermediate tensor of the freed graph is just as gone
    with pytest.raises(RuntimeError, match="freed"):
        draw_graph(s)
    # the leaves, alone, are still drawable (a leaf is not part of any node)
    assert Parsed(draw_graph(w, labels={"w": w}).source).rows("w") == ["w", "value 1", "grad -2"]


def test_graph_kept_then_freed():
    x, w, y, y_hat, s, loss = lecture_loss()
    loss.backward(retain_graph=True)
    draw_graph(loss)
    loss.backward()  # this one frees it
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        draw_graph(loss)


def test_leaf_root_shared_inputs_and_several_roots():
    a = label(torch.tensor(3.0, requires_grad=True), "a")
    leaf = Parsed(draw_graph(a).source)
    assert leaf.rows("a") == ["a", "value 3"] and not leaf.ops and not leaf.edges
    sq = a * a  # one input used twice: one box, two arrows
    p = Parsed(draw_graph(sq, labels={"sq": sq}).source)
    assert len(p.tensors) == 2 and p.inputs_of("sq") == ["a", "a"]
    b = a + 1
    c = a * 2
    both = Parsed(draw_graph([b, c], labels={"b": b, "c": c}).source)
    assert len(both.tensors) == 3 and both.op_of("b") == "+" and both.op_of("c") == "×"


def test_in_place_op_on_a_computed_tensor():
    a = label(torch.tensor(2.0, requires_grad=True), "a")
    h = a * 3
    h.add_(1)
    p = Parsed(draw_graph(h, labels={"h": h}).source)
    assert p.rows("h") == ["h", "value 7"]
    assert p.op_of("h") == "+" and len(p.tensors) == 3 and len(p.ops) == 2


def test_cross_entropy_shows_pytorch_s_log_softmax_node():
    """PyTorch's cross_entropy is NllLossBackward0 after LogSoftmaxBackward0; flambeau computes
    both in one node, and draws both."""
    logits = label(torch.tensor([[1.0, -1.0, 0.5]], requires_grad=True), "z")
    p = Parsed(draw_graph(torch.nn.functional.cross_entropy(logits, torch.tensor([2]))).source)
    (soft,) = [b for a, b in p.edges if a == p.box("z")]
    (nll,) = [b for a, b in p.edges if a == soft]
    assert (p.ops[soft], p.ops[nll]) == ("log softmax", "NllLoss") and len(p.ops) == 2
    assert Parsed(draw_graph(logits.sum()).source).ops == {"op1": "Σ"}  # other ops unchanged


def test_french_drawing_writes_decimal_commas():
    """In French the numbers are written as the playground page and the French figures write
    them: 0,5 and [0,5 ; -0,25]; English keeps 0.5 and [0.5, -0.25]."""
    w = label(torch.tensor([0.5, -0.25], requires_grad=True), "w")
    b = label(torch.tensor(1.5, requires_grad=True), "b")
    z = label((w * 3).sum() + b, "z")
    z.backward(retain_graph=True)
    fr = Parsed(draw_graph(z, lang="fr").source)
    en = Parsed(draw_graph(z, lang="en").source)
    assert fr.rows("w") == ["w", "forme [2]", "valeur [0,5 ; -0,25]", "gradient [3 ; 3]"]
    assert en.rows("w") == ["w", "shape [2]", "value [0.5, -0.25]", "grad [3, 3]"]
    assert fr.rows("b") == ["b", "valeur 1,5", "gradient 1"] and en.rows("b") == ["b", "value 1.5", "grad 1"]
    assert fr.rows("z") == ["z", "valeur 2,25"]


def test_drawing_is_a_snapshot():
    x, w, y, y_hat, s, loss = lecture_loss()
    drawing = draw_graph(loss, labels={"w": w})
    with torch.no_grad():
        w.add_(10)
    assert Parsed(drawing.source).rows("w") == ["w", "value 1"]
    assert Parsed(draw_graph(loss, labels={"w": w}).source).rows("w") == ["w", "value 11"]


def test_mlp_on_a_batch_shows_shapes_not_values():
    """A 2-layer MLP on 10 samples: big tensors show their shapes only; small ones their values."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1))
    xb, yb = torch.randn(10, 2), torch.randn(10, 1)
    loss = ((model(xb) - yb) ** 2).mean()
    loss.backward(retain_graph=True)
    drawing = draw_graph(loss, labels=model)
    p = Parsed(drawing.source)
    # PyTorch's TBackward0 between each weight and its Addmm, drawn though flambeau fuses it
    assert sorted(p.ops.values()) == sorted(["Addmm", "Addmm", "mean", "²", "ReLU", "−", "·ᵀ", "·ᵀ"])
    for layer in ("0", "2"):
        (t_op,) = [b for a, b in p.edges if a == p.box(f"{layer}.weight")]
        (addmm,) = [b for a, b in p.edges if a == t_op]
        assert p.ops[t_op] == "·ᵀ" and p.ops[addmm] == "Addmm"
        assert p.box(f"{layer}.bias") in [a for a, b in p.edges if b == addmm]
    assert p.rows("0.weight") == ["0.weight", "shape [8, 2]"]  # 16 values: too many to show
    assert p.rows("0.bias") == ["0.bias", "shape [8]"]
    assert p.rows("2.weight") == ["2.weight", "shape [1, 8]"]
    bias = p.rows("2.bias")  # one value: shown, with its gradient
    assert bias[:2] == ["2.bias", "shape [1]"] and bias[2].startswith("value [")
    assert bias[3] == f"grad [{model[2].bias.grad.item():.4g}]"
    unnamed = [rows for rows in p.tensors.values() if not rows[0].startswith(("0.", "2.", "value"))]
    assert sorted(r[0] for r in unnamed) == ["shape [10, 1]"] * 3 + ["shape [10, 8]"] * 2
    assert p.rows(f"value {loss.item():.4g}")  # the loss: one value, no name
    assert len(p.constants) == 2  # the batch xb into the first Addmm, the targets yb into Sub
    assert "value" in " ".join(Parsed(draw_graph(loss, labels=model, max_elements=16)
                                      .source).rows("0.weight"))


# ---------------------------------------------------------------------------- rendering
def texts(svg: str) -> list[str]:
    root = ET.fromstring(svg.encode("utf-8"))
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    return [t.text.strip() for t in root.iter("{http://www.w3.org/2000/svg}text") if t.text]


def test_svg_and_png_render(dot, tmp_path):
    x = label(torch.tensor(2.0, requires_grad=True), "x")
    y = label(torch.tensor(3.0, requires_grad=True), "y")
    z = label(x * y, "z")
    z.backward(torch.tensor(5.0), retain_graph=True)
    drawing = draw_graph(z)
    words = texts(drawing.svg())
    for word in ["x", "y", "z", "×", "value 2", "value 3", "value 6", "grad 15", "grad 10"]:
        assert word in words
    assert drawing._repr_svg_() == drawing.svg()
    bundle = drawing._repr_mimebundle_()
    assert bundle["image/svg+xml"] == drawing.svg() and "GraphDrawing" in bundle["text/plain"]

    assert drawing.save(tmp_path / "g.svg").read_text(encoding="utf-8") == drawing.svg()
    assert drawing.save(tmp_path / "g.png").read_bytes().startswith(PNG_MAGIC)
    assert drawing.png(dpi=150).startswith(PNG_MAGIC)
    assert (tmp_path / "g.dot").exists() is False
    assert drawing.save(tmp_path / "g.dot").read_text(encoding="utf-8") == drawing.source
    assert drawing.save(tmp_path / "picture", format="png").read_bytes().startswith(PNG_MAGIC)
    with pytest.raises(ValueError, match=r"\.svg, \.png or \.dot"):
        drawing.save(tmp_path / "g.txt")


def test_mlp_renders(dot):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1))
    loss = ((model(torch.randn(10, 2)) - torch.randn(10, 1)) ** 2).mean()
    words = texts(draw_graph(loss, labels=model).svg())
    assert words.count("Addmm") == 2 and "shape [10, 8]" in words and "0.weight" in words


def test_missing_dot_gives_install_instructions(no_dot, tmp_path):
    x, w, y, y_hat, s, loss = lecture_loss()
    drawing = draw_graph(loss, labels={"w": w})
    assert viz_graph.find_dot() is None
    with pytest.raises(DotNotFoundError) as err:
        drawing.png()
    message = str(err.value)
    for hint in ["apt-get install graphviz", "brew install graphviz", "conda install graphviz",
                 str(no_dot), "FLAMBEAU_DOT"]:
        assert hint in message
    with pytest.raises(DotNotFoundError):
        drawing.save(tmp_path / "g.png")
    assert not (tmp_path / "g.png").exists()
    # the DOT text is still there, and can be saved
    assert Parsed(drawing.source).rows("w") == ["w", "value 1"]
    assert drawing.save(tmp_path / "g.dot").read_text(encoding="utf-8") == drawing.source
    # the SVG needs no Graphviz: flambeau lays the graph out itself, and Jupyter shows it
    assert drawing.engine == "flambeau" and drawing._repr_svg_() == drawing.svg()
    assert "image/svg+xml" in drawing._repr_mimebundle_()
    assert isinstance(drawing, GraphDrawing) and "GraphDrawing" in repr(drawing)


def test_svg_without_graphviz_holds_values_gradients_symbols_and_local_gradients(no_dot, tmp_path):
    """The lecture's graph drawn by flambeau's own layout: valid XML, every number in place."""
    x, w, y, y_hat, s, loss = lecture_loss()
    y_hat.retain_grad()
    s.retain_grad()
    loss.backward(retain_graph=True)
    names = {"x": x, "w": w, "y_hat": y_hat, "s": s, "loss": loss}
    drawing = draw_graph(loss, labels=names)
    assert drawing.engine == "flambeau"
    words = texts(drawing.svg())
    for word in ["x", "w", "y_hat", "s", "loss", "value 1", "value -1", "grad -2", "constant",
                 "×", "−", "²", "∂y_hat/∂x = 1", "∂y_hat/∂w = 1", "∂s/∂y_hat = 1", "∂loss/∂s = -2"]:
        assert word in words, word
    assert words.count("grad -2") == 4  # x, w, y_hat, s
    assert drawing.save(tmp_path / "g.svg").read_text(encoding="utf-8") == drawing.svg()
    # every box lies inside the picture
    root = ET.fromstring(drawing.svg())
    width, height = float(root.get("width")), float(root.get("height"))
    for rect in root.iter("{http://www.w3.org/2000/svg}rect"):
        if rect.get("width") != "100%":
            assert 0 <= float(rect.get("x")) and float(rect.get("x")) + float(rect.get("width")) <= width + 1
            assert 0 <= float(rect.get("y")) and float(rect.get("y")) + float(rect.get("height")) <= height + 1
    # the backward view: the same boxes, the arrows reversed (from the loss towards the inputs)
    back = draw_graph(loss, labels=names, backward=True)
    assert "dir=back" in back.source and texts(back.svg()) == words
    assert "#b03a2e" in back.svg()
    # in French
    fr = texts(draw_graph(loss, labels=names, lang="fr").svg())
    for word in ["valeur 1", "gradient -2", "constante"]:
        assert word in fr
    with pytest.raises(ValueError, match="lang"):
        draw_graph(loss, lang="de")


def test_operation_symbols_and_local_gradients():
    a = label(torch.tensor(2.0, requires_grad=True), "a")
    b = label(torch.tensor(-1.0, requires_grad=True), "b")
    outs = {"cube": a ** 3, "e": torch.exp(b), "t": torch.tanh(b), "r": torch.relu(b),
            "q": a / b, "m": -a, "sig": torch.sigmoid(a)}
    expected = {"cube": ("³", "∂cube/∂a = 12"), "e": ("exp", f"∂e/∂b = {np.exp(-1):.4g}"),
                "t": ("tanh", f"∂t/∂b = {1 - np.tanh(-1) ** 2:.4g}"), "r": ("ReLU", "∂r/∂b = 0"),
                "q": ("÷", "∂q/∂a = -1"), "m": ("−", "∂m/∂a = -1"), "sig": ("σ", None)}
    for name, out in outs.items():
        source = draw_graph(out, labels={name: out, "a": a, "b": b}).source
        symbol, local = expected[name]
        assert Parsed(source).op_of(name) == symbol, name
        if local:
            assert f'label="{local}"' in source, (name, source)
    # names instead of symbols, no local gradients
    plain = draw_graph(outs["cube"], symbols=False, local_grads=False).source
    assert 'label="Pow"' in plain and "∂" not in plain


def test_dot_path_set_in_the_module(monkeypatch, tmp_path):
    monkeypatch.delenv("FLAMBEAU_DOT", raising=False)
    monkeypatch.setattr(viz_graph, "DOT_EXECUTABLE", str(tmp_path / "missing-dot"))
    with pytest.raises(DotNotFoundError, match="DOT_EXECUTABLE"):
        draw_graph(torch.tensor(1.0, requires_grad=True)).png()


@pytest.mark.skipif(sys.platform == "win32", reason="the stand-in dot is a shell script")
def test_dot_is_called_with_the_format_and_its_failures_reported(monkeypatch, tmp_path):
    """A stand-in ``dot`` records its arguments and echoes its input; a failing one is reported."""
    fake = tmp_path / "fake-dot"
    fake.write_text(f'#!/bin/sh\necho "$@" > "{tmp_path}/args"\ncat\n')
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setattr(viz_graph, "DOT_EXECUTABLE", None)
    monkeypatch.setenv("FLAMBEAU_DOT", str(fake))
    drawing = draw_graph(torch.tensor(1.0, requires_grad=True) * 2)
    assert drawing.png(dpi=150) == drawing.source.encode("utf-8")
    assert (tmp_path / "args").read_text().split() == ["-Tpng", "-Gdpi=150"]
    assert drawing.engine == "flambeau"  # a small graph: flambeau's own layout
    monkeypatch.setattr(viz_graph, "SMALL_GRAPH", 0)  # a large one: Graphviz, which is there
    assert drawing.engine == "graphviz" and drawing.svg() == drawing.source
    assert (tmp_path / "args").read_text().split() == ["-Tsvg"]

    failing = tmp_path / "failing-dot"
    failing.write_text('#!/bin/sh\necho "syntax error in line 1" >&2\nexit 1\n')
    failing.chmod(failing.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("FLAMBEAU_DOT", str(failing))
    with pytest.raises(RuntimeError, match="syntax error in line 1"):
        draw_graph(torch.tensor(1.0, requires_grad=True)).render("pdf")


def test_importing_viz_loads_neither_matplotlib_nor_graphviz():
    code = ("import sys, flambeau, flambeau.viz; "
            "print(sorted(m for m in ('matplotlib', 'graphviz') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
