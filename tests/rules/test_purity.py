"""The rules package stays pure: no Flask, no database, so it tests and benchmarks alone."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import syndication.rules

RULES_DIR = Path(syndication.rules.__file__).parent
FORBIDDEN = (
    "flask",
    "sqlalchemy",
    "flask_sqlalchemy",
    "syndication.models",
    "syndication.extensions",
)


@pytest.mark.parametrize("module", sorted(RULES_DIR.glob("*.py")), ids=lambda p: p.name)
def test_rules_module_imports_neither_flask_nor_the_database(module: Path) -> None:
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
