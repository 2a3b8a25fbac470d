"""End-to-end sequence programs, written as a student would write them for PyTorch, run with
both libraries: the same initial weights (copied from torch), the same batches, the same
optimiser; the loss curves must agree step by step, and the models must learn.

- a character-level LSTM language model on a page of the lecture (tests/data/lecture_fr.txt);
- a small GPT (causal self-attention through F.scaled_dot_product_attention) on the same text;
- a GRU encoder-decoder (seq2seq) reversing digit strings of variable lengths, the encoder
  reading packed sequences.

Tolerance, float32 throughout: every step's loss within 1e-4 (relative) of PyTorch's (measured:
2e-6 at most).
"""

from __future__ import annotations

import pathlib
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import flambeau

TEXT = (pathlib.Path(__file__).parent / "data" / "lecture_fr.txt").read_text(encoding="utf-8")
CHARS = sorted(set(TEXT))
DATA = np.array([CHARS.index(c) for c in TEXT], dtype=np.int64)
RTOL = 1e-4


@pytest.fixture(autouse=True)
def one_thread(torch):
    """One thread for each library: on a loaded machine (CI, tests in parallel), multithreaded
    BLAS and OpenMP spin on busy cores and these small steps run ten times slower."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        limits = None
    else:
        limits = threadpool_limits(limits=1, user_api="blas")
    yield
    if limits is not None:
        limits.restore_original_limits()
    torch.set_num_threads(before)


def batches(n: int, batch: int, block: int, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """Random windows of the text: inputs and the next characters."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        ix = rng.integers(0, len(DATA) - block - 1, batch)
        out.append((np.stack([DATA[i:i + block] for i in ix]), np.stack([DATA[i + 1:i + block + 1] for i in ix])))
    return out


def train_both(torch: Any, build: Callable[[Any], Any], step_loss: Callable[[Any, Any, tuple], Any],
               data: list, lr: float) -> tuple[list[float], list[float], Any]:
    """Build the model in both libraries (flambeau's weights copied from torch's), train each
    with Adam on the same batches, return both loss curves and flambeau's model."""
    torch.manual_seed(0)
    tm = build(torch)
    fm = build(flambeau)
    fm.load_state_dict({k: flambeau.tensor(v.detach().numpy().copy()) for k, v in tm.state_dict().items()})
    curves = []
    for lib, model in ((torch, tm), (flambeau, fm)):
        opt = lib.optim.Adam(model.parameters(), lr=lr)
        losses = []
        for b in data:
            opt.zero_grad()
            loss = step_loss(lib, model, tuple(lib.tensor(a) for a in b))
            loss.backward()
            lib.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            losses.append(loss.item())
        curves.append(losses)
    return curves[0], curves[1], fm


def check_curves(th: list[float], fl: list[float], learned_below: float) -> None:
    np.testing.assert_allclose(fl, th, rtol=RTOL, err_msg="loss curve differs from PyTorch's")
    assert np.mean(fl[-10:]) < learned_below * np.mean(fl[:5]), "the model did not learn"


# ------------------------------------------------------------------ char-level LSTM
def char_lstm(lib: Any) -> Any:
    nn = lib.nn

    class CharLSTM(nn.Module):
        def __init__(self, vocab: int, emb: int = 24, hidden: int = 64) -> None:
            super().__init__()
            self.embed = nn.Embedding(vocab, emb)
            self.lstm = nn.LSTM(emb, hidden, num_layers=2, batch_first=True)
            self.head = nn.Linear(hidden, vocab)

        def forward(self, x: Any, state: Any = None) -> Any:
            out, state = self.lstm(self.embed(x), state)
            return self.head(out), state

    return CharLSTM(len(CHARS))


def lm_loss(lib: Any, model: Any, batch: tuple) -> Any:
    x, y = batch
    logits = model(x)[0]
    return lib.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))


def test_char_lstm_language_model(torch):
    th, fl, model = train_both(torch, char_lstm, lm_loss, batches(150, 16, 32), lr=1e-2)
    check_curves(th, fl, learned_below=0.75)
    # generation, as a student would write it: one character at a time, carrying the state
    with flambeau.no_grad():
        x = flambeau.tensor([[CHARS.index("L")]])
        state, text = None, "L"
        for _ in range(40):
            logits, state = model(x, state)
            nxt = flambeau.multinomial(flambeau.softmax(logits[0, -1], dim=-1), 1).item()
            text += CHARS[nxt]
            x = flambeau.tensor([[nxt]])
    assert len(text) == 41


# ------------------------------------------------------------------ small GPT
def small_gpt(lib: Any, width: int = 48, heads: int = 4, layers: int = 2, block: int = 32) -> Any:
    nn, F = lib.nn, lib.nn.functional

    class CausalSelfAttention(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.qkv = nn.Linear(width, 3 * width)
            self.proj = nn.Linear(width, width)

        def forward(self, x: Any) -> Any:
            B, T, C = x.shape
            q, k, v = self.qkv(x).split(C, dim=2)
            q, k, v = (t.view(B, T, heads, C // heads).transpose(1, 2) for t in (q, k, v))
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            return self.proj(y.transpose(1, 2).reshape(B, T, C))

    class Block(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.ln1, self.ln2 = nn.LayerNorm(width), nn.LayerNorm(width)
            self.attn = CausalSelfAttention()
            self.mlp = nn.Sequential(nn.Linear(width, 4 * width), nn.GELU(), nn.Linear(4 * width, width))

        def forward(self, x: Any) -> Any:
            x = x + self.attn(self.ln1(x))
            return x + self.mlp(self.ln2(x))

    class GPT(nn.Module):
        def __init__(self, vocab: int) -> None:
            super().__init__()
            self.tok = nn.Embedding(vocab, width)
            self.pos = nn.Embedding(block, width)
            self.blocks = nn.Sequential(*[Block() for _ in range(layers)])
            self.ln_f = nn.LayerNorm(width)
            self.head = nn.Linear(width, vocab, bias=False)

        def forward(self, idx: Any) -> Any:
            x = self.tok(idx) + self.pos(lib.arange(idx.shape[1]))
            return self.head(self.ln_f(self.blocks(x)))

    return GPT(len(CHARS))


def gpt_loss(lib: Any, model: Any, batch: tuple) -> Any:
    x, y = batch
    logits = model(x)
    return lib.nn.functional.cross_entropy(logits.view(-1, logits.size(-1)), y.view(-1))


@pytest.mark.slow
def test_small_gpt_causal_attention(torch):
    th, fl, model = train_both(torch, small_gpt, gpt_loss, batches(200, 8, 32, seed=1), lr=3e-3)
    check_curves(th, fl, learned_below=0.7)
    # causality: changing a later character leaves the earlier predictions unchanged
    x = flambeau.tensor(DATA[None, :32].copy())
    y = x.clone()
    y[0, 20] = (y[0, 20] + 1) % len(CHARS)
    with flambeau.no_grad():
        a, b = model(x), model(y)
    np.testing.assert_allclose(a[0, :20].numpy(), b[0, :20].numpy(), rtol=1e-5, atol=1e-6)
    assert not np.allclose(a[0, 20:].numpy(), b[0, 20:].numpy())


# ------------------------------------------------------------------ seq2seq with packed sequences
PAD, BOS, DIGITS = 0, 1, 10  # tokens: 0 padding, 1 start, 2..11 the digits


def seq2seq(lib: Any, hidden: int = 48) -> Any:
    nn = lib.nn
    rnn_utils = lib.nn.utils.rnn

    class Seq2Seq(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embed = nn.Embedding(DIGITS + 2, 16, padding_idx=PAD)
            self.encoder = nn.GRU(16, hidden, batch_first=True, bidirectional=True)
            self.bridge = nn.Linear(2 * hidden, hidden)
            self.decoder = nn.GRU(16, hidden, batch_first=True)
            self.out = nn.Linear(hidden, DIGITS + 2)

        def forward(self, src: Any, lengths: Any, tgt_in: Any) -> Any:
            packed = rnn_utils.pack_padded_sequence(self.embed(src), lengths, batch_first=True,
                                                    enforce_sorted=False)
            _, h = self.encoder(packed)                       # (2, B, H): both directions
            h0 = lib.tanh(self.bridge(lib.cat([h[0], h[1]], dim=1))).unsqueeze(0)
            out, _ = self.decoder(self.embed(tgt_in), h0)
            return self.out(out)

    return Seq2Seq()


def reversal_batches(n: int, batch: int = 16, seed: int = 2) -> list[tuple]:
    """Digit strings of 2 to 7 digits; the target is the string reversed. Padded with 0."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        lengths = rng.integers(2, 8, batch)
        seqs = [rng.integers(2, DIGITS + 2, k) for k in lengths]
        L = lengths.max()
        src = np.zeros((batch, L), np.int64)
        tgt_in = np.zeros((batch, L), np.int64)
        tgt_out = np.zeros((batch, L), np.int64)
        for i, s in enumerate(seqs):
            src[i, :len(s)] = s
            rev = s[::-1]
            tgt_in[i, 0], tgt_in[i, 1:len(s)] = BOS, rev[:-1]
            tgt_out[i, :len(s)] = rev
        out.append((src, lengths, tgt_in, tgt_out))
    return out


def s2s_loss(lib: Any, model: Any, batch: tuple) -> Any:
    src, lengths, tgt_in, tgt_out = batch
    logits = model(src, lengths, tgt_in)
    return lib.nn.functional.cross_entropy(logits.reshape(-1, DIGITS + 2), tgt_out.reshape(-1), ignore_index=PAD)


def test_seq2seq_packed_sequences(torch):
    th, fl, _ = train_both(torch, seq2seq, s2s_loss, reversal_batches(150), lr=1e-2)
    check_curves(th, fl, learned_below=0.6)
