"""A stable SHA-256 of locked data: the same values always give the same fingerprint."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def fingerprint(payload: Any) -> str:
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def consensus_payload(*, study_id: int, kind: str, form_version: int | None, instrument: str, data: dict) -> dict:
    return {"study": study_id, "kind": kind, "form_version": form_version, "instrument": instrument, "data": data}
