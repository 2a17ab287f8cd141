"""The running product must install from requirements.txt alone: every module that
the product's code (not its tests or benchmarks) imports is either the standard
library, our own package, or a distribution named in requirements.txt. A fresh
machine running ./start.sh installs nothing else."""

import ast
import re
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
OWN = {"spa", "config", "conftest", "bench", "tests"}


def _product_files():
    for base in ("spa", "config"):
        for path in (ROOT / base).rglob("*.py"):
            parts = set(path.relative_to(ROOT).parts)
            if "tests" in parts or "migrations" in parts:
                continue
            yield path
    yield ROOT / "manage.py"


def _top_level_imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _required_distributions() -> set[str]:
    names = set()
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            names.add(_normalise(re.split(r"[\[<>=!~; ]", line, maxsplit=1)[0]))
    return names


def test_every_module_the_product_imports_is_installed_by_requirements_txt():
    required = _required_distributions()
    providers = packages_distributions()
    missing = {}
    for path in _product_files():
        for module in _top_level_imports(path):
            if module in OWN or module in sys.stdlib_module_names:
                continue
            distributions = {_normalise(d) for d in providers.get(module, [])}
            if not distributions & required:
                missing.setdefault(module, []).append(str(path.relative_to(ROOT)))
    assert missing == {}, f"imported by the product but not in requirements.txt: {missing}"
