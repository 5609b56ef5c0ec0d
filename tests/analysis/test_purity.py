"""analysis.meta is a pure core: it must import without Django (DESIGN.md, invariant 7)."""

import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_statistics_engine_imports_nothing_from_django():
    code = (
        "import sys, analysis.meta; "
        "bad = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.')); "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_no_source_file_mentions_django():
    for path in (REPO_ROOT / "analysis" / "meta").rglob("*.py"):
        text = path.read_text()
        assert "import django" not in text and "from django" not in text, path.name
