"""An import shim for tests: ``import torch`` (and ``torch.x.y``) gives flambeau (``flambeau.x.y``),
so real PyTorch code runs unchanged on flambeau. Only on the path of the subprocesses that ask
for it (PYTHONPATH=tests/shim), never in the test process itself, which imports the real torch."""

import importlib
import importlib.abc
import importlib.util
import sys

import flambeau


class _Alias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, name, path=None, target=None):
        if name.startswith("torch."):
            return importlib.util.spec_from_loader(name, self)
        return None

    def create_module(self, spec):
        return importlib.import_module("flambeau" + spec.name[len("torch"):])

    def exec_module(self, module):
        pass


sys.meta_path.insert(0, _Alias())
sys.modules["torch"] = flambeau
