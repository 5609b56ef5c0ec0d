"""Every output of extraction written to one folder (used by manage.py export_extraction)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from concord.spreadsheets import frame_csv, frames_xlsx
from extraction.outputs import agreement, plots, tables
from extraction.selectors import locked_consensus


def export_all(review, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []

    def write(name: str, content: bytes) -> None:
        path = folder / name
        path.write_bytes(content)
        written.append(path)

    characteristics = tables.characteristics_frame(review)
    write("study_characteristics.csv", frame_csv(characteristics))
    write("study_characteristics.xlsx", frames_xlsx({"Characteristics": characteristics}))
    write("extraction_long.csv", frame_csv(tables.long_frame(review)))
    write("appraisal_summary.csv", frame_csv(tables.appraisal_frame(review)))
    write("agreement_pairs.csv", frame_csv(pd.DataFrame(agreement.pair_agreement(review))))
    write("agreement_domains.csv", frame_csv(pd.DataFrame(agreement.domain_kappas(review))))
    for code in sorted({s.instrument for s in locked_consensus(review, kind="appraisal").studies}):
        rows = plots.assessments(review, code)
        for fmt in plots.FORMATS:
            write(f"traffic_light_{code}.{fmt}", plots.traffic_light(rows, code, fmt))
            write(f"summary_{code}.{fmt}", plots.summary(rows, code, fmt))
    return written
