"""bib-dedupe 0.11 on the labelled de-duplication sets, in its own venv, cached per set and variant.

bib-dedupe 0.11's ``prep`` fails under pandas 3 (Concord's pin) on sets with an empty author
column, so it lives in ``bench/out/bib-dedupe-venv`` with pandas below 3, created here on first use
(pip must reach PyPI). Each set goes to ``bench/bib_dedupe_worker.py`` as a JSON file of bib-dedupe's
input columns; its clusters and matched pairs come back as JSON and are kept in
``bench/out/bib-dedupe/``, named after the set and variant and keyed on the hash of what was sent,
so a later benchmark on the same records reads them instead of running bib-dedupe again
(delete that folder to time bib-dedupe afresh).
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from review.dedup import DedupResult, DuplicatePair
from review.dedup.engine import Cluster

BIB_DEDUPE_VERSION = "0.11.0"
REQUIREMENTS = (f"bib-dedupe=={BIB_DEDUPE_VERSION}", "pandas<3")
REPO_ROOT = Path(__file__).resolve().parent.parent
OUT = REPO_ROOT / "bench" / "out"
VENV = OUT / "bib-dedupe-venv"
CACHE = OUT / "bib-dedupe"
WORKER = Path(__file__).resolve().parent / "bib_dedupe_worker.py"
# Written once pip has finished, so an interrupted install or a changed pin builds the venv afresh.
_INSTALLED = VENV / "installed.txt"


@dataclass(frozen=True, slots=True)
class BibDedupeResult(DedupResult):
    seconds: float  # bib-dedupe's own prep/block/match/cluster, timed in the worker when it ran
    cached: bool
    versions: dict


def venv_python() -> Path:
    """The venv's interpreter, building the venv first if it is missing or has other pins."""
    python = VENV / "bin" / "python"
    wanted = "\n".join(REQUIREMENTS) + "\n"
    if not (python.exists() and _INSTALLED.exists() and _INSTALLED.read_text() == wanted):
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENV)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *REQUIREMENTS],
            check=True, capture_output=True, text=True,
        )
        _INSTALLED.write_text(wanted)
    return python


def status() -> str:
    """Empty when bib-dedupe can run, else why not (the venv could not be built)."""
    try:
        venv_python()
    except (OSError, subprocess.CalledProcessError) as exc:
        detail = (getattr(exc, "stderr", None) or "").strip().splitlines()
        return f"bib-dedupe's venv could not be built in {VENV}: {detail[-1] if detail else exc}"
    return ""


def rows(records) -> list[dict]:
    """Concord's benchmark records in bib-dedupe's input columns, every value a string."""
    out = []
    for rec in records:
        authors = rec["authors"]
        conference = rec["publication_type"] in ("conference_paper", "conference_abstract")
        out.append(
            {
                "ID": str(rec["id"]),
                "ENTRYTYPE": "inproceedings" if conference else "article",
                "title": rec["title"] or "",
                "author": " and ".join(authors) if isinstance(authors, list) else authors or "",
                "year": str(rec["year"] or ""),
                "journal": "" if conference else rec["journal"] or "",
                "booktitle": rec["journal"] or "" if conference else "",
                "volume": rec["volume"] or "",
                "number": rec["issue"] or "",
                "pages": rec["pages"] or "",
                "doi": rec["doi"] or "",
                "abstract": rec["abstract"] or "",
            }
        )
    return out


def cache_path(label: str, payload: bytes) -> Path:
    """``<set>-<variant>-<hash>.json``; the hash covers the records sent, the pins and the worker."""
    digest = hashlib.sha256(payload)
    digest.update("\n".join(REQUIREMENTS).encode())
    digest.update(WORKER.read_bytes())
    slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
    return CACHE / f"{slug}-{digest.hexdigest()[:16]}.json"


def _worker_output(payload: bytes) -> dict:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=OUT) as tmp:
        records_path, result_path = Path(tmp) / "records.json", Path(tmp) / "result.json"
        records_path.write_bytes(payload)
        proc = subprocess.run(
            [str(venv_python()), str(WORKER), str(records_path), str(result_path)],
            cwd=tmp, capture_output=True, text=True, check=False,
        )
        if proc.returncode:
            lines = proc.stderr.strip().splitlines()
            raise RuntimeError(lines[-1] if lines else f"bib-dedupe worker exited {proc.returncode}")
        return json.loads(result_path.read_text(encoding="utf-8"))


def to_result(output: dict, records, cached: bool) -> BibDedupeResult:
    """The worker's JSON in review.dedup's result shape, with the records' own ids back."""
    original = {str(r["id"]): r["id"] for r in records}
    clusters = tuple(
        Cluster(ids[0], tuple(ids))
        for ids in (sorted((original[i] for i in group), key=str) for group in output["clusters"])
        if len(ids) > 1
    )
    # bib-dedupe gives no scores, so the review queue keeps the first pair it meets for each pair of
    # clusters; in id order that choice, and the queue's record count, no longer follow the order
    # bib-dedupe happened to emit its pairs in (which moved ASySD's count between 111 and 171).
    pairs = tuple(
        DuplicatePair(original[a], original[b], 0.0, label, ())
        for a, b, label in sorted(output["pairs"], key=lambda pair: (pair[0], pair[1]))
    )
    return BibDedupeResult(pairs, clusters, output["seconds"], cached, output["versions"])


def run(records, label: str) -> BibDedupeResult:
    """bib-dedupe on ``records``, from the cache when these very records ran before under ``label``."""
    payload = json.dumps({"records": rows(records)}, sort_keys=True).encode()
    path = cache_path(label, payload)
    if path.exists():
        return to_result(json.loads(path.read_text(encoding="utf-8")), records, cached=True)
    output = _worker_output(payload)
    CACHE.mkdir(parents=True, exist_ok=True)
    # An older entry for the same set and variant was for other records or pins: it cannot be hit again.
    for stale in CACHE.glob(f"{path.name.rsplit('-', 1)[0]}-{'?' * 16}.json"):
        stale.unlink()
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(output), encoding="utf-8")
    tmp.rename(path)
    return to_result(output, records, cached=False)

