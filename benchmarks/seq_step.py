"""Sequence models: one training step of an LSTM language model and of a small GPT, flambeau
against PyTorch and the same steps written by hand in plain NumPy (``numpy_gpt`` for the GPT)
in the same run, and the peak memory of a step.

- LSTM language model, as PyTorch's word_language_model example: embedding 200, 2 LSTM layers
  of 200, a decoder to a 10,000-word vocabulary, sequence 35, batch 20, cross-entropy, SGD;
- GPT, as nanoGPT's shakespeare_char: 4 layers, 4 heads, 128 wide, block 64, batch 12,
  vocabulary 65, causal attention through ``F.scaled_dot_product_attention``, AdamW.

The models are written once, for either library (``lib`` is flambeau or torch); PyTorch's
weights are copied from flambeau's. Memory is measured as in ``conv_step`` (tracemalloc for
flambeau and NumPy, PyTorch's profiler for PyTorch). With one thread each, the step's CPU time
(``time.thread_time``) is measured too: on this shared 2-core machine it gives the ratio a quiet
machine would, where the clock also counts the time spent waiting for a core.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np

import flambeau

from ._timing import cpu_ms_per_call, per_call_us
from .conv_step import DEFAULT_THREADS, _blas_threads, _flambeau_peak, _interleaved, _torch_peak
from .numpy_gpt import numpy_gpt_step

try:
    import torch
except ImportError:
    torch = None

VOCAB_WORDS, EMB, HIDDEN, LAYERS, SEQ, BATCH = 10_000, 200, 200, 2, 35, 20
GPT_VOCAB, GPT_LAYERS, GPT_HEADS, GPT_WIDTH, GPT_BLOCK, GPT_BATCH = 65, 4, 4, 128, 64, 12


def lstm_lm(lib: Any, vocab: int, emb: int, hidden: int, layers: int) -> Any:
    nn = lib.nn

    class RNNModel(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = nn.Embedding(vocab, emb)
            self.rnn = nn.LSTM(emb, hidden, layers)
            self.decoder = nn.Linear(hidden, vocab)

        def forward(self, x: Any, hidden: Any = None) -> Any:
            out, hidden = self.rnn(self.encoder(x), hidden)
            return self.decoder(out).view(-1, vocab), hidden

    return RNNModel()


def gpt(lib: Any, vocab: int, layers: int, heads: int, width: int, block: int) -> Any:
    nn, F = lib.nn, lib.nn.functional

    class SelfAttention(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.c_attn = nn.Linear(width, 3 * width)
            self.c_proj = nn.Linear(width, width)

        def forward(self, x: Any) -> Any:
            B, T, C = x.size()
            q, k, v = self.c_attn(x).split(width, dim=2)
            q = q.view(B, T, heads, C // heads).transpose(1, 2)
            k = k.view(B, T, heads, C // heads).transpose(1, 2)
            v = v.view(B, T, heads, C // heads).transpose(1, 2)
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            return self.c_proj(y.transpose(1, 2).contiguous().view(B, T, C))

    class Block(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.ln_1 = nn.LayerNorm(width)
            self.attn = SelfAttention()
            self.ln_2 = nn.LayerNorm(width)
            self.mlp = nn.Sequential(nn.Linear(width, 4 * width), nn.GELU(), nn.Linear(4 * width, width))

        def forward(self, x: Any) -> Any:
            x = x + self.attn(self.ln_1(x))
            return x + self.mlp(self.ln_2(x))

    class GPT(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.wte = nn.Embedding(vocab, width)
            self.wpe = nn.Embedding(block, width)
            self.blocks = nn.ModuleList([Block() for _ in range(layers)])
            self.ln_f = nn.LayerNorm(width)
            self.lm_head = nn.Linear(width, vocab, bias=False)

        def forward(self, idx: Any, targets: Any = None) -> Any:
            T = idx.shape[1]
            x = self.wte(idx) + self.wpe(lib.arange(T))
            for b in self.blocks:
                x = b(x)
            logits = self.lm_head(self.ln_f(x))
            if targets is None:
                return logits, None
            return logits, F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))

    return GPT()


def copy_weights(src: Any, dst: Any, lib: Any) -> None:
    """Load ``src``'s state (either library) into ``dst`` (of library ``lib``)."""
    dst.load_state_dict({k: lib.tensor(np.array(v.detach().numpy())) for k, v in src.state_dict().items()})


def _lstm_step(lib: Any, model: Any, x: np.ndarray, y: np.ndarray) -> Callable[[], object]:
    opt = lib.optim.SGD(model.parameters(), lr=1.0)
    xt, yt = lib.tensor(x), lib.tensor(y)
    loss_fn = lib.nn.CrossEntropyLoss()

    def step() -> object:
        opt.zero_grad()
        out, _ = model(xt)
        loss = loss_fn(out, yt.view(-1))
        loss.backward()
        opt.step()
        return loss

    return step


def _gpt_step(lib: Any, model: Any, x: np.ndarray, y: np.ndarray) -> Callable[[], object]:
    opt = lib.optim.AdamW(model.parameters(), lr=1e-3)
    xt, yt = lib.tensor(x), lib.tensor(y)

    def step() -> object:
        opt.zero_grad(set_to_none=True)
        _, loss = model(xt, yt)
        loss.backward()
        opt.step()
        return loss

    return step


def _numpy_lstm_step(params: dict, x: np.ndarray, y: np.ndarray, lr: float = 1.0) -> Callable[[], object]:
    """The LSTM language model's step by hand: embedding, two LSTM layers through time (gates
    as one matrix product), decoder, softmax cross-entropy, backward through time, SGD."""
    p = {k: v.copy() for k, v in params.items()}
    T, B = x.shape
    H = HIDDEN

    def sig(a: np.ndarray) -> np.ndarray:
        return 0.5 * (1 + np.tanh(0.5 * a))

    def step() -> float:
        inp = p["encoder.weight"][x]
        caches = []
        for layer in range(LAYERS):
            Wi, Wh = p[f"rnn.weight_ih_l{layer}"], p[f"rnn.weight_hh_l{layer}"]
            gi = inp.reshape(T * B, -1) @ Wi.T + p[f"rnn.bias_ih_l{layer}"] + p[f"rnn.bias_hh_l{layer}"]
            gi = gi.reshape(T, B, 4 * H)
            h = np.zeros((B, H), np.float32)
            c = np.zeros((B, H), np.float32)
            hs, cs, acts, out = [], [], [], np.empty((T, B, H), np.float32)
            for t in range(T):
                a = gi[t] + h @ Wh.T
                a[:, :2 * H] = sig(a[:, :2 * H])
                a[:, 2 * H:3 * H] = np.tanh(a[:, 2 * H:3 * H])
                a[:, 3 * H:] = sig(a[:, 3 * H:])
                hs.append(h)
                cs.append(c)
                c = a[:, H:2 * H] * c + a[:, :H] * a[:, 2 * H:3 * H]
                h = a[:, 3 * H:] * np.tanh(c)
                acts.append(a)
                out[t] = h
            caches.append((inp, hs, cs, acts, out))
            inp = out
        flat = inp.reshape(T * B, H)
        logits = flat @ p["decoder.weight"].T + p["decoder.bias"]
        logits -= logits.max(axis=1, keepdims=True)
        e = np.exp(logits)
        prob = e / e.sum(axis=1, keepdims=True)
        n = T * B
        loss = -np.log(prob[np.arange(n), y.reshape(-1)]).mean()
        dlog = prob
        dlog[np.arange(n), y.reshape(-1)] -= 1
        dlog /= n
        grads = {"decoder.weight": dlog.T @ flat, "decoder.bias": dlog.sum(0)}
        dout = (dlog @ p["decoder.weight"]).reshape(T, B, H)
        for layer in reversed(range(LAYERS)):
            inp, hs, cs, acts, out = caches[layer]
            Wi, Wh = p[f"rnn.weight_ih_l{layer}"], p[f"rnn.weight_hh_l{layer}"]
            dh = np.zeros((B, H), np.float32)
            dc = np.zeros((B, H), np.float32)
            dg = np.empty((T, B, 4 * H), np.float32)
            for t in reversed(range(T)):
                a = acts[t]
                i, f, g, o = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]
                c = f * cs[t] + i * g
                tc = np.tanh(c)
                dh = dh + dout[t]
                dc = dc + dh * o * (1 - tc * tc)
                dg[t, :, :H] = dc * g * i * (1 - i)
                dg[t, :, H:2 * H] = dc * cs[t] * f * (1 - f)
                dg[t, :, 2 * H:3 * H] = dc * i * (1 - g * g)
                dg[t, :, 3 * H:] = dh * tc * o * (1 - o)
                dc = dc * f
                dh = dg[t] @ Wh
            d2 = dg.reshape(T * B, 4 * H)
            grads[f"rnn.weight_ih_l{layer}"] = d2.T @ inp.reshape(T * B, -1)
            grads[f"rnn.weight_hh_l{layer}"] = d2.T @ np.stack(hs).reshape(T * B, H)
            grads[f"rnn.bias_ih_l{layer}"] = grads[f"rnn.bias_hh_l{layer}"] = d2.sum(0)
            dout = (d2 @ Wi).reshape(T, B, -1)
        gemb = np.zeros_like(p["encoder.weight"])
        np.add.at(gemb, x.reshape(-1), dout.reshape(T * B, -1))
        grads["encoder.weight"] = gemb
        for k, g in grads.items():
            p[k] -= lr * g
        return float(loss)

    return step


def _numpy_peak(step: Callable[[], object]) -> int:
    import tracemalloc

    step()
    tracemalloc.start()
    tracemalloc.reset_peak()
    step()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def _case(label: str, fl_model: Any, th_model: Any, make: Callable, x: np.ndarray, y: np.ndarray,
          numpy_step: Callable | None = None) -> list[dict]:
    """Times with each library's default threads and with one thread each, in turns: a row for
    eager flambeau and a row for the same step under ``flambeau.compile``."""
    flc = flambeau.compile(make(flambeau, copy.deepcopy(fl_model), x, y))
    for _ in range(4):  # eager, recorded, checked: replayed from then on
        flc()
    fl = make(flambeau, fl_model, x, y)
    row: dict = {"label": label, "flambeau_peak": _flambeau_peak(fl)}

    def timed(fn: Callable, blas: int | None = None, torch_threads: int | None = None) -> Callable[[], float]:
        def measure() -> float:
            if torch_threads is not None:
                torch.set_num_threads(torch_threads)
            with _blas_threads(blas):
                return per_call_us(fn, min_time=0.3, repeat=2)
        return measure

    cases: dict[str, Callable[[], float]] = {"flambeau_us": timed(fl), "flambeau_1t_us": timed(fl, 1),
                                             "compiled_us": timed(flc), "compiled_1t_us": timed(flc, 1)}
    if numpy_step is not None:
        row["numpy_peak"] = _numpy_peak(numpy_step)
        cases["numpy_us"] = timed(numpy_step)
        cases["numpy_1t_us"] = timed(numpy_step, 1)
    if torch is not None:
        th = make(torch, th_model, x, y)
        cases["torch_us"] = timed(th, torch_threads=DEFAULT_THREADS)
        cases["torch_1t_us"] = timed(th, torch_threads=1)
    try:
        row.update(_interleaved(cases, rounds=2))
        with _blas_threads(1):
            row["flambeau_cpu_ms"] = cpu_ms_per_call(fl)
            row["compiled_cpu_ms"] = cpu_ms_per_call(flc)
        if torch is not None:
            torch.set_num_threads(1)
            row["torch_cpu_ms"] = cpu_ms_per_call(th)
            row["torch_peak"] = _torch_peak(th)
    finally:
        if torch is not None:
            torch.set_num_threads(DEFAULT_THREADS)
    compiled = dict(row, label=label + ", flambeau.compile", flambeau_us=row["compiled_us"],
                    flambeau_1t_us=row["compiled_1t_us"], flambeau_cpu_ms=row["compiled_cpu_ms"],
                    flambeau_peak=_flambeau_peak(flc))
    return [row, compiled]


def run() -> list[dict]:
    rng = np.random.default_rng(0)
    rows = []
    flambeau.manual_seed(0)
    fm = lstm_lm(flambeau, VOCAB_WORDS, EMB, HIDDEN, LAYERS)
    x = rng.integers(0, VOCAB_WORDS, (SEQ, BATCH))
    y = rng.integers(0, VOCAB_WORDS, (SEQ, BATCH))
    tm = None
    if torch is not None:
        tm = lstm_lm(torch, VOCAB_WORDS, EMB, HIDDEN, LAYERS)
        copy_weights(fm, tm, torch)
    params = {k: v.numpy().copy() for k, v in fm.state_dict().items()}
    rows.extend(_case(f"LSTM LM: {LAYERS} layers of {HIDDEN}, seq {SEQ}, batch {BATCH}, vocab {VOCAB_WORDS}, SGD",
                      fm, tm, _lstm_step, x, y, _numpy_lstm_step(params, x, y)))
    fm = gpt(flambeau, GPT_VOCAB, GPT_LAYERS, GPT_HEADS, GPT_WIDTH, GPT_BLOCK)
    x = rng.integers(0, GPT_VOCAB, (GPT_BATCH, GPT_BLOCK))
    y = rng.integers(0, GPT_VOCAB, (GPT_BATCH, GPT_BLOCK))
    tm = None
    if torch is not None:
        tm = gpt(torch, GPT_VOCAB, GPT_LAYERS, GPT_HEADS, GPT_WIDTH, GPT_BLOCK)
        copy_weights(fm, tm, torch)
    params = {k: v.numpy().copy() for k, v in fm.state_dict().items()}
    rows.extend(_case(f"GPT: {GPT_LAYERS} layers, {GPT_HEADS} heads, {GPT_WIDTH} wide, block {GPT_BLOCK}, "
                      f"batch {GPT_BATCH}, vocab {GPT_VOCAB}, AdamW", fm, tm, _gpt_step, x, y,
                      numpy_gpt_step(params, x, y, GPT_LAYERS, GPT_HEADS)))
    return rows


def _ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}x" if a and b else "-"


def _ms(v: float | None) -> str:
    return f"{v:.1f}" if v else "-"


def _kib(v: float | None) -> str:
    return f"{v / 1024:.0f} KiB" if v else "-"


def table(rows: list[dict]) -> str:
    lines = ["| model | flambeau (ms/step) | PyTorch | NumPy by hand | flambeau / PyTorch | "
             "NumPy by hand / PyTorch | "
             "1 thread each: flambeau, PyTorch, NumPy | ratio, 1 thread | "
             "CPU time, 1 thread each: flambeau, PyTorch | ratio, CPU time | "
             "peak memory of a step: flambeau, PyTorch, NumPy | memory flambeau / PyTorch |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        f, t, n = r["flambeau_us"], r.get("torch_us"), r.get("numpy_us")
        f1, t1, n1 = r.get("flambeau_1t_us"), r.get("torch_1t_us"), r.get("numpy_1t_us")
        ms = [f"{v / 1000:.1f}" if v else "-" for v in (f, t, n, f1, t1, n1)]
        lines.append(f"| {r['label']} | {ms[0]} | {ms[1]} | {ms[2]} | {_ratio(f, t)} | {_ratio(n, t)} | {ms[3]}, {ms[4]}, {ms[5]} | "
                     f"{_ratio(f1, t1)} | {r['flambeau_cpu_ms']:.1f}, {_ms(r.get('torch_cpu_ms'))} | "
                     f"{_ratio(r['flambeau_cpu_ms'], r.get('torch_cpu_ms'))} | {_kib(r['flambeau_peak'])}, {_kib(r.get('torch_peak'))}, "
                     f"{_kib(r.get('numpy_peak'))} | {_ratio(r['flambeau_peak'], r.get('torch_peak'))} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(table(run()))
