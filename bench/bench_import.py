"""Importing 100,000 records (RIS and MEDLINE) into the database through the import service.

Target (issue 2): at most 30 s and 1 GB peak memory on the 2-core machine.
Each run is a fresh process on a fresh, migrated SQLite file, so peak RSS is the import's own.
Run: .venv/bin/python bench/bench_import.py [--records 100000] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import REPO, SHARED, machine, median, run_child  # noqa: E402

SEEDS = {
    "ris": [SHARED / "formats/asysd_exports/zotero_export.ris", REPO / "fixtures/demo/goswami2022_references.ris"],
    "medline": [SHARED / "formats/revtools_restoration/restoration_pubmed.nbib",
                REPO / "fixtures/samples/pubmed.nbib"],
}


def _split_records(text: str, fmt: str) -> list[str]:
    if fmt == "ris":
        chunks = [c.strip("\r\n") + "\nER  - \n" for c in text.split("\nER  -") if "TY  -" in c]
        return [c[c.index("TY  -"):] for c in chunks]
    return [c.strip("\r\n") + "\n" for c in text.replace("\r\n", "\n").split("\n\n") if c.lstrip().startswith("PMID")]


def build_file(fmt: str, n: int, path: Path) -> None:
    seed = next((p for p in SEEDS[fmt] if p.exists()), None)
    if seed is None:
        raise SystemExit(f"no seed file for {fmt}")
    records = _split_records(seed.read_bytes().decode("utf-8-sig", errors="replace"), fmt)
    with path.open("w", encoding="utf-8") as out:
        for i in range(n):
            out.write(records[i % len(records)])
            out.write("\n")


def child(fmt: str, path: str, db: str) -> None:
    # 100,000 MEDLINE records with abstracts and MeSH are ~370 MB, above the default upload cap.
    os.environ.update(DEBUG="1", SQLITE_PATH=db, DJANGO_SETTINGS_MODULE="concord.settings",
                      CONCORD_MAX_IMPORT_BYTES=str(1024 ** 3), MEDIA_ROOT=str(Path(db).parent / "media"))
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from review.services.imports import import_records
    from review.services.reviews import review_create
    from review.services.sources import source_create

    lead = get_user_model().objects.create_user("bench")
    review = review_create(title="bench", slug="bench", lead=lead)
    source = source_create(review=review, actor=lead, name="bench")
    data = Path(path).read_bytes()
    start = time.perf_counter()
    record_import = import_records(review=review, source=source, filename=Path(path).name, data=data, actor=lead,
                                   dedup=False)
    seconds = time.perf_counter() - start
    assert record_import.status == "done", record_import.error
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, "records": record_import.record_count}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--formats", default="ris,medline")
    parser.add_argument("--child", nargs=3)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    work = Path(tempfile.mkdtemp(prefix="concord-bench-"))
    try:
        template = work / "template.sqlite3"
        os.environ.update(DEBUG="1", SQLITE_PATH=str(template))
        import subprocess

        subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=REPO, check=True,
                       env={**os.environ, "DEBUG": "1", "SQLITE_PATH": str(template)})
        rows = []
        for fmt in args.formats.split(","):
            path = work / f"bench.{fmt}"
            build_file(fmt, args.records, path)
            results = []
            for run in range(args.runs):
                db = work / f"run-{fmt}-{run}.sqlite3"
                shutil.copy(template, db)
                results.append(run_child(Path(__file__), "--child", fmt, str(path), str(db)))
            rows.append((fmt, path.stat().st_size, results))
        print(f"Import into SQLite through the import service, {args.records:,} records, "
              f"median of {args.runs} runs. Machine: {machine()}\n")
        print("| format | file size | records | time (s), median | runs (s) | peak memory (MB), median |")
        print("|---|---|---|---|---|---|")
        for fmt, size, results in rows:
            times = [r["seconds"] for r in results]
            print(f"| {fmt} | {size / 1e6:.1f} MB | {results[0]['records']:,} | {median(times):.1f} | "
                  f"{', '.join(f'{t:.1f}' for t in times)} | {median([r['peak_mb'] for r in results]):.0f} |")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
