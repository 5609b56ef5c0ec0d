"""Fixtures for the importer tests; they import nothing from Django."""

from __future__ import annotations

from pathlib import Path

import pytest

from review.importers import ParseResult, parse_file

SHARED = Path(__file__).resolve().parents[3] / ".." / "shared" / "test-data"


@pytest.fixture
def shared_file():
    """A path under ../shared/test-data, or a skip saying why it is missing."""

    def find(*parts: str) -> Path:
        path = SHARED.joinpath(*parts)
        if not path.exists():
            pytest.skip(f"../shared/test-data is not beside this clone ({path} is absent)")
        return path

    return find


@pytest.fixture
def parse_path():
    def parse(path: Path, **options) -> ParseResult:
        return parse_file(path.read_bytes(), filename=path.name, **options)

    return parse
