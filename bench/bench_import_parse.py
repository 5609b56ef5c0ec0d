"""Time review.importers.parse_file (and iter_file) on 100,000 RIS and MEDLINE records.

The files are built by repeating real records from ../shared/test-data (or
fixtures/samples when that is absent). Each run is a fresh subprocess, so its peak RSS
(resource.getrusage) is that run's own: the input bytes plus everything parse_file builds.

    .venv/bin/python bench/bench_import_parse.py [--records 100000] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT / ".." / "shared" / "test-data" / "formats"
SAMPLES = ROOT / "fixtures" / "samples"

SOURCES = {
    "ris": [
        "asysd_exports/zotero_export.ris",
        "revtools_restoration/restoration_scopus.ris",
        "misc/kwok2020_included_embase_ris.txt",
        "citesource/new_stage_data/wos_278.ris",
    ],
    "medline": [
        "revtools_restoration/restoration_pubmed.nbib",
        "synthesisr/PubMed_example.txt",
    ],
}
SAMPLE_SOURCES = {"ris": ["*.ris"], "medline": ["*.nbib"]}
_RIS_RECORD = re.compile(r"^TY  - .*?^ER  -[^\n]*\n", re.MULTILINE | re.DOTALL)
_MEDLINE_RECORD = re.compile(r"^PMID- .*?(?=^PMID- |\Z)", re.MULTILINE | re.DOTALL)


def real_records(fmt: str) -> tuple[list[str], str]:
    paths = [SHARED / name for name in SOURCES[fmt] if (SHARED / name).exists()]
    origin = "../shared/test-data"
    if not paths:
        paths = [p for pattern in SAMPLE_SOURCES[fmt] for p in sorted(SAMPLES.glob(pattern))]
        origin = "fixtures/samples"
    pattern = _RIS_RECORD if fmt == "ris" else _MEDLINE_RECORD
    records = []
    for path in paths:
        text = path.read_bytes().decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
        records.extend(m.group(0).rstrip("\n") + "\n" for m in pattern.finditer(text))
    if not records:
        sys.exit(f"no {fmt} records found in {origin}")
    return records, origin


def build(fmt: str, count: int, directory: Path) -> Path:
    records, _ = real_records(fmt)
    path = directory / f"bench_{count}.{fmt}"
    with path.open("w", encoding="utf-8") as out:
        for index in range(count):
            out.write(records[index % len(records)])
            out.write("\n")
    return path


def child(fmt: str, path: str, mode: str) -> None:
    from review.importers import iter_file, parse_file

    data = Path(path).read_bytes()
    started, cpu_started = time.perf_counter(), time.process_time()
    if mode == "parse_file":
        result = parse_file(data, filename=Path(path).name, max_bytes=2**31)
        found, count = result.format, len(result.records)
    else:
        # What a batching import service holds: the bytes and one batch of records.
        stream = iter_file(data, filename=Path(path).name, max_bytes=2**31)
        batch, count = [], 0
        for record in stream:
            batch.append(record)
            if len(batch) == 2000:
                count, batch = count + len(batch), []
        found, count = stream.format, count + len(batch)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert found == fmt, found
    result = {"seconds": elapsed, "cpu": cpu, "records": count, "peak_mib": peak_kib / 1024}
    print(json.dumps(result | {"bytes": len(data)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in ("ris", "medline"):
            path = build(fmt, args.records, Path(tmp))
            for mode in ("parse_file", "iter_file"):
                runs = [_run_child(fmt, path, mode) for _ in range(args.runs)]
                rows.append(
                    (
                        fmt,
                        mode,
                        runs[0]["records"],
                        runs[0]["bytes"] / 2**20,
                        statistics.median(r["seconds"] for r in runs),
                        statistics.median(r["cpu"] for r in runs),
                        max(r["peak_mib"] for r in runs),
                        real_records(fmt)[1],
                    )
                )
    print(f"Median of {args.runs} runs, one subprocess per run.\n")
    print(
        "| format | call | records | file MiB | wall s | CPU s | records/s (wall) "
        "| peak RSS MiB | records from |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---|")
    for fmt, mode, count, mib, seconds, cpu, peak, origin in rows:
        print(
            f"| {fmt} | {mode} | {count:,} | {mib:.1f} | {seconds:.2f} | {cpu:.2f} "
            f"| {count / seconds:,.0f} | {peak:.0f} | {origin} |"
        )
    load = os.getloadavg()[0]
    print(
        f"\nLoad average at the end: {load:.1f} on {os.cpu_count()} CPUs. Wall time grows when "
        "other work shares the machine; CPU time much less so. iter_file keeps one batch of "
        "2,000 records, as a batching import service would."
    )


def _run_child(fmt: str, path: Path, mode: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", fmt, str(path), mode],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
