"""The pure packages stay pure: no Flask, no database, so they test and benchmark alone."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import syndication.delivery
import syndication.ingest
import syndication.packaging
import syndication.policy
import syndication.rules
import syndication.tracking

PURE_PACKAGES = (
    syndication.delivery,
    syndication.ingest,
    syndication.packaging,
    syndication.policy,
    syndication.rules,
    syndication.tracking,
)
MODULES = sorted(
    module for package in PURE_PACKAGES for module in Path(package.__file__).parent.glob("*.py")
)
FORBIDDEN = (
    "flask",
    "sqlalchemy",
    "flask_sqlalchemy",
    "syndication.models",
    "syndication.extensions",
    "syndication.services",
)


@pytest.mark.parametrize("module", MODULES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_pure_module_imports_neither_flask_nor_the_database(module: Path) -> None:
    tree = ast.parse(module.read_text(encoding="utf-8"))
    imported: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.append(node.module)
    offending = [
        name for name in imported if any(name == f or name.startswith(f + ".") for f in FORBIDDEN)
    ]
    assert offending == []


def test_importing_every_pure_module_loads_neither_flask_nor_sqlalchemy() -> None:
    # What the modules import in turn counts too: import them all in a fresh interpreter.
    names = [f"syndication.{m.parent.name}.{m.stem}".removesuffix(".__init__") for m in MODULES]
    script = (
        "import importlib, sys\n"
        f"for name in {names!r}: importlib.import_module(name)\n"
        "print(sorted(m for m in ('flask', 'sqlalchemy') if m in sys.modules))\n"
    )
    root = Path(syndication.rules.__file__).parents[2]
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=root, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
