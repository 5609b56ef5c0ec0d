"""The engine version a run records: a digest of the statistics engine's own source.

The engine carries no release number; hashing its source means any change to a formula
gives a new version, so a run computed by older code can be told apart.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

ENGINE_DIR = Path(__file__).resolve().parent / "meta"


@cache
def engine_version() -> str:
    digest = hashlib.sha256()
    for path in sorted(ENGINE_DIR.rglob("*.py")):
        digest.update(path.relative_to(ENGINE_DIR).as_posix().encode())
        digest.update(path.read_bytes())
    return "meta-" + digest.hexdigest()[:16]
