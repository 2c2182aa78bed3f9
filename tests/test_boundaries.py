"""The architecture, checked: the layer arrows and what each layer may use (import-linter's contracts
in pyproject.toml), the terminal libraries kept out of the layers below the ui, and the store's
mixins calling each other only through what StoreBase declares."""

from __future__ import annotations

import ast
import inspect
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import tsshop_tui
from tsshop_tui import store
from tsshop_tui.store.actions import ActionsMixin
from tsshop_tui.store.db import StoreBase
from tsshop_tui.store.export import ExportMixin

ROOT = Path(tsshop_tui.__file__).resolve().parent.parent


def test_import_contracts_are_kept() -> None:
    """`lint-imports` (import-linter) with the contracts of pyproject.toml: the layers
    cli -> ui -> io | config -> store -> domain, no Textual or Rich below the ui, no database or file
    format in the domain. A broken arrow fails here, naming the import that breaks it."""
    lint_imports = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run(
        [str(lint_imports), "--no-cache"],
        cwd=ROOT,  # where pyproject.toml holds the contracts
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


@pytest.mark.parametrize("layer", ["domain", "store", "io", "config"])
def test_a_layer_below_the_ui_loads_no_terminal_library(layer: str) -> None:
    """Importing every module of the layer, in a fresh interpreter, loads neither Textual nor Rich
    (import-linter sees only our own imports; this sees those of the libraries we use too). httpx's
    own command line (httpx._main, which imports Rich whenever it is installed) is left out: httpx
    works without it, and only the `httpx` command uses it."""
    script = textwrap.dedent(
        f"""
        import importlib, json, pkgutil, sys
        sys.modules["httpx._main"] = None
        package = importlib.import_module("tsshop_tui.{layer}")
        for module in pkgutil.walk_packages(getattr(package, "__path__", []), package.__name__ + "."):
            importlib.import_module(module.name)
        print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in ("textual", "rich"))))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []


def _mixins() -> list[type]:
    return [
        cls
        for name in dir(store)
        if name.endswith("Mixin") and isinstance(cls := getattr(store, name), type) and issubclass(cls, StoreBase)
    ]


def _instance_attributes(cls: type) -> set[str]:
    """The attributes the methods of *cls* set on self (``self.x = ...``, ``self.x: T = ...``)."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    names = set()
    for node in ast.walk(tree):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        names.update(t.attr for t in targets if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self")
    return names


def test_the_store_mixins_use_each_other_only_through_the_declared_interface() -> None:
    """Every ``self.x`` a mixin reads is its own or StoreBase's (which declares, typed, the few reads
    the write and export mixins take from ReadsMixin): no hidden cross-call a type checker cannot
    see, no ``getattr(self, ...)`` guess, no ``type: ignore[attr-defined]`` in the store."""
    mixins = _mixins()
    assert {m.__name__ for m in mixins} >= {"ActionsMixin", "ExportMixin", "ImportMixin", "MetricsMixin", "ReadsMixin"}
    base = _instance_attributes(StoreBase)
    hidden = []
    for mixin in mixins:
        known = set(dir(mixin)) | base | _instance_attributes(mixin)
        source = textwrap.dedent(inspect.getsource(mixin))
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self":
                if node.attr not in known:
                    hidden.append(f"{mixin.__name__}: self.{node.attr}")
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("getattr", "hasattr")
                and node.args
                and isinstance(node.args[0], ast.Name)
                and node.args[0].id == "self"
            ):
                hidden.append(f"{mixin.__name__}: {node.func.id}(self, ...)")
    for path in sorted(Path(store.__file__).parent.glob("*.py")):
        hidden += [f"{path.name}: {line.strip()}" for line in path.read_text().splitlines() if "type: ignore[attr-defined]" in line]
    assert hidden == []


def test_a_store_is_whole_only_with_every_mixin() -> None:
    """StoreBase declares what the mixins read of each other as abstract: the Store implements all
    of it, and a store missing the reads cannot be made (rather than failing at the first call)."""
    assert not inspect.isabstract(store.Store)
    assert {"get", "_page_sql"} <= ActionsMixin.__abstractmethods__
    assert {"get", "_page_sql"} <= ExportMixin.__abstractmethods__
