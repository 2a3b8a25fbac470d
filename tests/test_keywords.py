"""Keyword spellings, checked systematically: every public function of flambeau that PyTorch also
has, and every Tensor method, called with the keyword names of PyTorch's own signature (read from
its docstring), then with NumPy's ``axis=``/``keepdims=``, then with ``out=``: same results as
PyTorch. Then the rules one by one."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import flambeau
from keyword_calls import X, Y, build, call, equal, torch_signature

pytestmark = pytest.mark.torch

# random or uninitialised results, compared elsewhere; addresses
UNCOMPARABLE = {"empty_like", "rand_like", "randn_like", "new_empty", "normal_", "uniform_",
                "data_ptr", "get_default_dtype", "seed", "initial_seed", "bernoulli", "bernoulli_",
                "random_", "exponential_", "geometric_", "cauchy_", "log_normal_", "multinomial",
                "poisson", "normal"}
NUMPY_NAMES = {"dim": "axis", "keepdim": "keepdims"}


def _convert(kwargs: dict, m) -> dict:
    def one(v):
        if hasattr(v, "detach"):
            return m.tensor(v.detach().numpy())
        if isinstance(v, list) and v and hasattr(v[0], "detach"):
            return [one(t) for t in v]
        return v

    return {k: one(v) for k, v in kwargs.items()}


def cases(torch, methods: bool) -> list[tuple[str, str]]:
    if methods:
        names = [n for n in dir(torch.Tensor) if not n.startswith("_")
                 and callable(getattr(flambeau.Tensor, n, None))]
    else:
        names = [n for n in dir(flambeau) if not n.startswith("_") and hasattr(torch, n)
                 and callable(getattr(flambeau, n)) and not isinstance(getattr(flambeau, n), type)]
    out = []
    for n in sorted(set(names) - UNCOMPARABLE):
        sig = torch_signature(getattr(torch.Tensor if methods else torch, n))
        if sig is None or build(torch, sig, method=methods) is None:
            continue
        host = torch.Tensor if methods else torch
        self_t = (torch.tensor(X),) if methods else ()
        ok, r = call(getattr(host, n), build(torch, sig, method=methods), *self_t)
        if ok != "ok":  # the generated arguments do not suit this function
            continue
        out.append((n, "keywords"))
        if any(p[0] in NUMPY_NAMES for p in sig) and call(
                getattr(host, n), build(torch, sig, NUMPY_NAMES, method=methods), *self_t)[0] == "ok":
            out.append((n, "numpy"))
        if not methods and any(p[0] == "out" for p in sig) and hasattr(r, "dtype"):
            out.append((n, "out"))
    return out


def run_case(torch, name: str, variant: str, methods: bool) -> None:
    host = torch.Tensor if methods else torch
    sig = torch_signature(getattr(host, name))
    kt = build(torch, sig, NUMPY_NAMES if variant == "numpy" else None, method=methods)
    kf = _convert(kt, flambeau)
    self_t, self_f = (torch.tensor(X), flambeau.tensor(X)) if methods else (None, None)
    if variant == "out":
        status, r = call(getattr(torch, name), kt)
        if status != "ok" or not hasattr(r, "dtype"):
            pytest.skip("PyTorch gives no single tensor here")
        kt = dict(kt, out=torch.empty(0, dtype=r.dtype))
        kf = dict(kf, out=flambeau.empty(0, dtype=getattr(flambeau, str(r.dtype)[6:])))
    status, rt = call(getattr(host, name), kt, self_t)
    if status != "ok":
        pytest.skip(f"the generated call is not valid for PyTorch: {rt}")
    fl_host = flambeau.Tensor if methods else flambeau
    status, rf = call(getattr(fl_host, name), kf, self_f)
    assert status == "ok", f"{name}(**{list(kf)}): {rf}"
    assert equal(rf, rt), f"{name}(**{list(kf)}): {rf!r} != {rt!r}"
    if variant == "out":
        assert rf is kf["out"]
        assert equal(kf["out"], kt["out"])


def pytest_generate_tests(metafunc):
    import torch

    for fixture, methods in (("function_case", False), ("method_case", True)):
        if fixture in metafunc.fixturenames:
            found = cases(torch, methods)
            metafunc.parametrize(fixture, found, ids=[f"{n}-{v}" for n, v in found])


def test_functions_take_pytorchs_keywords(torch, function_case):
    run_case(torch, *function_case, methods=False)


def test_methods_take_pytorchs_keywords(torch, method_case):
    run_case(torch, *method_case, methods=True)


def test_enough_of_the_api_is_covered(torch):
    assert len(cases(torch, False)) > 180
    assert len(cases(torch, True)) > 130


def test_numpy_spellings(torch):
    def facts(m):
        x = m.tensor(X)
        return [np.round(v.tolist(), 12).tolist() if hasattr(v, "tolist") else
                [t.tolist() for t in v] for v in (
            m.sum(x, axis=0, keepdims=True), x.mean(axis=1), m.cat(tensors=[x, x], axis=1),
            m.max(x, axis=1, keepdims=True), m.softmax(x, axis=1), x.argmax(axis=1, keepdims=True),
            m.unsqueeze(input=x, dim=0), x.transpose(dim0=0, dim1=1), x.std(axis=0),
            m.flip(input=x, dims=[1]), x.permute(dims=(1, 0)), m.reshape(shape=(4, 3), input=x),
            m.where(condition=x > 1, input=x, other=-x), m.mm(input=x, mat2=x.T), x.view(size=(12,)))]

    assert facts(flambeau) == facts(torch)


def test_out_argument(torch):
    def facts(m):
        x = m.tensor(X)
        o = m.empty(0)
        r = m.add(x, x, out=o)
        same = r is o
        o2 = m.empty(2, dtype=m.float64)
        m.exp(x[0, :2], out=o2)
        errors = []
        for f in (lambda: m.add(x, x, out=m.empty(3, 4, dtype=m.int64)),
                  lambda: m.exp(m.ones(2, requires_grad=True), out=m.empty(2))):
            try:
                f()
            except RuntimeError as e:
                errors.append(str(e))
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            m.add(x, x, out=m.empty(5))
        values, indices = m.max(x, 1, out=(m.empty(0, dtype=m.float64), m.empty(0, dtype=m.int64)))
        return (same, o.tolist(), str(o2.dtype), np.round(o2.tolist(), 12).tolist(), errors,
                str(w[0].message).split(" (Triggered")[0], values.tolist(), indices.tolist())

    assert facts(flambeau) == facts(torch)


def test_keywords_errors(torch):
    x = flambeau.tensor(Y)
    with pytest.raises(TypeError, match="multiple values"):
        flambeau.sum(x, dim=0, axis=0)
    with pytest.raises(TypeError):
        flambeau.exp(x, nonsense=1)


def test_positional_calls_are_unchanged():
    x = flambeau.tensor(X)
    assert flambeau.sum(x, 0).shape == (4,)
    assert x.sum(1, True).shape == (3, 1)
    assert flambeau.sum.__wrapped__ is not None and flambeau.sum.__name__ == "sum"
