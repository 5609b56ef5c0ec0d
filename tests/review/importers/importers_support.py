"""Paths and helpers shared by the importer tests (not a conftest: the name must be unique
because these test folders are not packages)."""

from __future__ import annotations

from pathlib import Path

import pytest

from review.importers import ParseResult, parse_file

HERE = Path(__file__).resolve().parent
FILES = HERE / "files"
REPO_ROOT = Path(__file__).resolve().parents[3]
SHARED = REPO_ROOT / ".." / "shared" / "test-data"


def shared(*parts: str) -> Path:
    """A file under ../shared/test-data, or a skip saying why it is missing."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"../shared/test-data is not beside this clone ({path.resolve()} is absent)")
    return path


def parse_path(path: Path, **options) -> ParseResult:
    return parse_file(path.read_bytes(), filename=path.name, **options)


def fields_of(record, names) -> dict:
    return {name: getattr(record, name) for name in names}
