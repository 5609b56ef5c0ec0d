"""Run bib-dedupe on one set of records; started by bench/bib_dedupe_runs.py with bib-dedupe's own venv.

    bench/out/bib-dedupe-venv/bin/python bench/bib_dedupe_worker.py records.json result.json

``records.json`` is ``{"records": [...]}``, each record a dict of strings in bib-dedupe's input
columns (ID, ENTRYTYPE, title, author, year, journal, booktitle, volume, number, pages, doi,
abstract). ``result.json`` gets the duplicate clusters, every matched pair with its label
("duplicate" or "maybe"), the seconds bib-dedupe took and the versions that ran.

This file runs outside Concord's virtual environment, so it imports bib-dedupe, pandas and the
standard library only.
"""

from __future__ import annotations

import json
import sys
import time
from importlib.metadata import version


def dedupe(rows: list[dict]) -> dict:
    import bib_dedupe.bib_dedupe as bd
    import pandas as pd

    start = time.perf_counter()
    prepared = bd.prep(pd.DataFrame(rows), verbosity_level=0)
    matched = bd.match(bd.block(prepared, verbosity_level=0), verbosity_level=0)
    clusters = bd.cluster(matched, verbosity_level=0)
    seconds = time.perf_counter() - start
    return {
        "versions": {name: version(name) for name in ("bib-dedupe", "pandas")},
        "seconds": seconds,
        "clusters": [[str(i) for i in group] for group in clusters],
        "pairs": [[str(row.ID_1), str(row.ID_2), str(row.duplicate_label)] for row in matched.itertuples()],
    }


def main(argv: list[str]) -> int:
    records_path, result_path = argv
    with open(records_path, encoding="utf-8") as fh:
        rows = json.load(fh)["records"]
    with open(result_path, "w", encoding="utf-8") as fh:
        json.dump(dedupe(rows), fh)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
