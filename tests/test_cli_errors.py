"""The CLI never shows a traceback for a user's mistake: one line on stderr, exit status 2 for a
bad option (checked before any training), 1 for a run that cannot go on."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from flambeau import cli, datasets, train_command


def run(capsys, *argv):
    """(exit status, stdout, the one line of stderr) of ``flambeau *argv``."""
    try:
        code = cli.main(list(argv))
    except SystemExit as e:  # argparse
        code = e.code
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    assert err.endswith("\n") and err.count("\n") == 1, f"not one line: {err!r}"
    return code, out, err.rstrip("\n")


@pytest.mark.parametrize("args, message", [
    (["--lr", "nan"], "argument --lr: must be a finite number, got nan"),
    (["--lr", "inf"], "argument --lr: must be a finite number, got inf"),
    (["--lr=-inf"], "argument --lr: must be a finite number, got -inf"),
    (["--lr", "0"], "argument --lr: must be > 0, got 0"),
    (["--seed", "-1"], "argument --seed: must be from 0 to 2**64-1, got -1"),
    (["--seed", str(2**64)], "must be from 0 to 2**64-1"),
    (["--seed", "1.5"], "argument --seed: expected an integer, got '1.5'"),
    (["--ratio", "0.001"], "--ratio 0.001 leaves no training example (xor has 500 examples): use a ratio above 0.001"),
    (["--dataset", "nope"], "unknown data set 'nope'"),
])
def test_bad_options_exit_2_before_training(capsys, args, message):
    argv = ["train", "--dataset", "xor", "--epochs", "1"]
    argv[argv.index("--dataset") + 1:argv.index("--dataset") + 2] = \
        [args[1]] if args[0] == "--dataset" else ["xor"]
    code, out, err = run(capsys, *argv, *(args if args[0] != "--dataset" else []))
    assert code == 2
    assert err.startswith("flambeau train: error: ") and message in err, err
    assert "epoch" not in out  # refused before training


def test_bad_out_folders_are_refused_before_training(capsys, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    for out, message in [(blocker, f"--out {blocker}: it is a file, not a folder"),
                         (blocker / "sub" / "dir", f"--out {blocker / 'sub' / 'dir'}: {blocker} is a file, not a folder")]:
        code, stdout, err = run(capsys, "train", "--dataset", "xor", "--epochs", "1", "--out", str(out))
        assert code == 2 and err == f"flambeau train: error: {message} (see flambeau train --help)"
        assert stdout == ""


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root may write anywhere")
def test_a_read_only_out_folder_is_refused(capsys, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        code, stdout, err = run(capsys, "train", "--dataset", "xor", "--epochs", "1", "--out", str(locked / "run"))
    finally:
        locked.chmod(0o700)
    assert code == 2 and "cannot write there (Permission denied)" in err and stdout == ""


def test_the_out_check_leaves_nothing_behind(capsys, tmp_path, monkeypatch):
    """A run refused after the --out check (here: --ratio) has not created the folder."""
    out = tmp_path / "a" / "b"
    code, _, err = run(capsys, "train", "--dataset", "xor", "--ratio", "0.001", "--out", str(out))
    assert code == 2 and "--ratio" in err
    assert os.listdir(tmp_path) == []


def test_a_non_finite_loss_says_when_and_what_to_do(capsys):
    code, out, err = run(capsys, "train", "--dataset", "spiral", "--activation", "relu", "--lr", "1e20",
                         "--epochs", "5")
    assert code == 1
    assert err == ("flambeau train: error: the loss became nan at epoch 1/5, step 2: training stopped; "
                   "lower the learning rate (--lr 1e+20, try 1e+19)")


def test_no_numpy_warning_reaches_the_terminal():
    r = subprocess.run([sys.executable, "-m", "flambeau", "train", "--dataset", "spiral", "--activation", "relu",
                        "--lr", "1e20", "--epochs", "5"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 1
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("flambeau train: error: the loss became nan"), r.stderr


def test_a_network_too_large_is_refused_before_allocating(capsys, monkeypatch):
    monkeypatch.setattr(train_command, "_available_memory", lambda: 16 * 10**9)
    code, out, err = run(capsys, "train", "--dataset", "xor", "--layers", "100000,100000", "--epochs", "1")
    assert code == 1
    assert err == ("flambeau train: error: --layers 100000,100000 needs 80 GB (10,000,600,002 float32 "
                   "parameters, 2 copies: weights, gradients), more than the 16 GB of memory available: "
                   "use smaller --layers")
    code, out, err = run(capsys, "train", "--dataset", "xor", "--layers", "100000,100000", "--optimizer", "adam")
    assert code == 1 and "needs 160 GB" in err and "4 copies: weights, gradients and the optimizer state" in err


def test_running_out_of_memory_while_training(capsys, monkeypatch):
    def fit(*args, **kwargs):
        np.empty(2**62, np.uint8)  # what NumPy raises when an allocation fails

    monkeypatch.setattr(train_command, "fit", fit)
    code, out, err = run(capsys, "train", "--dataset", "xor", "--batch-size", "50")
    assert code == 1
    assert err.startswith("flambeau train: error: out of memory while training (Unable to allocate")
    assert err.endswith("use smaller --layers or --batch-size (now 50)")


def _mnist(folder, truncate=None, gzip_broken=False):
    folder.mkdir()
    for name, arr in [("train-images-idx3-ubyte", np.zeros((20, 28, 28), np.uint8)),
                      ("train-labels-idx1-ubyte", np.arange(20, dtype=np.uint8) % 10),
                      ("t10k-images-idx3-ubyte", np.zeros((10, 28, 28), np.uint8)),
                      ("t10k-labels-idx1-ubyte", np.arange(10, dtype=np.uint8))]:
        datasets.write_idx(folder / name, arr)
    images = folder / "t10k-images-idx3-ubyte"
    if truncate:
        images.write_bytes(images.read_bytes()[:-truncate])
    if gzip_broken:
        images.unlink()
        (folder / "t10k-images-idx3-ubyte.gz").write_bytes(b"\x1f\x8b\x08\x00garbage")
    return images


@pytest.mark.parametrize("model", ["mlp", "lenet"])
def test_truncated_or_corrupt_idx_files(capsys, tmp_path, model):
    images = _mnist(tmp_path / "mnist", truncate=100)
    code, out, err = run(capsys, "train", "--dataset", "mnist", "--model", model, "--data-dir",
                         str(tmp_path / "mnist"), "--epochs", "1")
    assert code == 1
    assert err == (f"flambeau train: error: {images}: truncated IDX file: shape [10, 28, 28] of uint8 "
                   "needs 7840 bytes of data, the file has 7740")
    _mnist(tmp_path / "gz", gzip_broken=True)
    code, out, err = run(capsys, "train", "--dataset", "mnist", "--model", model, "--data-dir",
                         str(tmp_path / "gz"), "--epochs", "1")
    assert code == 1 and "t10k-images-idx3-ubyte.gz: broken or truncated gzip data" in err


def test_ctrl_c_is_one_line(capsys, monkeypatch):
    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(train_command, "run", interrupted)
    code, _, err = run(capsys, "train", "--dataset", "xor")
    assert code == 130 and err == "flambeau: interrupted"


def test_example_1d_lr_must_be_finite(capsys):
    code, _, err = run(capsys, "example-1d", "--lr", "nan")
    assert code == 2 and err.startswith("flambeau example-1d: error: argument --lr: must be a finite number")


def test_course_figures_and_out_folders(capsys, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, out, err = run(capsys, "course", "run", "1", "--figures", str(blocker))
    assert code == 2 and err == f"flambeau course: error: --figures {blocker}: it is a file, not a folder"
    assert out == ""
    code, out, err = run(capsys, "course", "run", "1", "--figures", str(blocker / "figs"))
    assert code == 2 and err == f"flambeau course: error: --figures {blocker / 'figs'}: {blocker} is a file, not a folder"
    code, out, err = run(capsys, "course", "build", "--out", str(blocker))
    assert code == 2 and err == f"flambeau course: error: --out {blocker}: it is a file, not a folder"
    code, out, err = run(capsys, "course")
    assert code == 2 and err.startswith("flambeau course: error: the following arguments are required")
