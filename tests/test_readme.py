"""The README's examples run and print what the README says."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def _python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README, re.S)


def test_training_example_runs_and_reaches_the_stated_accuracy(tmp_path):
    (block,) = [b for b in _python_blocks() if "DataLoader(torch.utils" in b]
    r = subprocess.run([sys.executable, "-c", block], capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert r.returncode == 0, r.stderr
    stated = re.search(r"# (\d+\.\d%)", block).group(1)
    assert f"test accuracy {stated}" in r.stdout
    assert (tmp_path / "circle.safetensors").stat().st_size > 0


def test_engine_examples_run():
    for block in _python_blocks():
        if block.lstrip().startswith("import flambeau as torch") and "DataLoader" not in block:
            exec(compile(block, "README", "exec"), {})


def test_example_1d_output_is_the_readme_s():
    r = subprocess.run([sys.executable, "-m", "flambeau", "example-1d"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0
    shown = re.search(r"\$ \.venv/bin/flambeau example-1d\n(.*?)```", README, re.S)
    lines = [line for line in shown.group(1).splitlines() if line.strip() and line.strip() != "..."]
    assert len(lines) >= 5
    for line in lines:
        assert line in r.stdout.splitlines()
