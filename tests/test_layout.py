"""The package tree reads as the flow: each stage imports only the stages below it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_no_stage_imports_a_stage_above_it() -> None:
    lint = pytest.importorskip("importlinter.cli", reason="pip install import-linter")
    assert lint.lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True,
                             no_logo=True) == 0


def test_every_subpackage_says_what_it_holds_and_may_import() -> None:
    packages = [p for p in (ROOT / "assistant").iterdir() if (p / "__init__.py").exists()]
    assert len(packages) >= 6
    for package in packages:
        doc = ast.get_docstring(ast.parse((package / "__init__.py").read_text())) or ""
        assert "Imports:" in doc, f"{package.name}/__init__.py: say what it may import"
        for module in package.glob("*.py"):
            assert ast.get_docstring(ast.parse(module.read_text())), f"{module}: no docstring"
