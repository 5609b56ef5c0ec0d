"""DESIGN.md invariant 7: the pure cores import nothing from Django, so a notebook can use them."""

import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
PURE_CORES = [
    "review.importers",
    "review.dedup",
    "review.screening.ranking",
    "review.screening.stopping",
    "review.screening.simulation",
    "extraction.instruments",
    "analysis.meta",
]


@pytest.mark.parametrize("module", PURE_CORES)
def test_pure_core_loads_without_django(module):
    code = (
        f"import sys; import {module}; "
        "bad = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.')); "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("module", PURE_CORES)
def test_no_source_file_of_a_pure_core_mentions_django(module):
    folder = REPO_ROOT.joinpath(*module.split("."))
    # A single-module core (the screening ranking and stopping rule) is one file in a package
    # that also holds Django code.
    paths = list(folder.rglob("*.py")) if folder.is_dir() else [folder.with_suffix(".py")]
    assert paths and all(path.exists() for path in paths), module
    for path in paths:
        text = path.read_text(encoding="utf-8")
        assert "import django" not in text and "from django" not in text, path
