"""The labelled title/abstract screening sets the ranking benchmark and the settings search use.

For Nagtegaal 2019 and the four Cohen 2006 sets the title/abstract decision is
``label_abstract_screening`` (``label_included`` is the final, full-text decision); the other two
sets have only ``label_included``, which is their title/abstract decision.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench._common import SHARED  # noqa: E402
from review.screening.simulation import LabelledSet, read_labelled_csv  # noqa: E402

FOLDER = SHARED / "screening" / "asreview_legacy"

SETS = [
    ("Bannach-Brown 2019", "Bannach-Brown_2019.csv", "label_included"),
    ("Cohen 2006 ADHD", "Cohen_2006_ADHD.csv", "label_abstract_screening"),
    ("Cohen 2006 Antihistamines", "Cohen_2006_Antihistamines.csv", "label_abstract_screening"),
    ("Cohen 2006 NSAIDs", "Cohen_2006_NSAIDS.csv", "label_abstract_screening"),
    ("Cohen 2006 Urinary incontinence", "Cohen_2006_UrinaryIncontinence.csv", "label_abstract_screening"),
    ("Kitchenham 2010", "Kitchenham_2010.csv", "label_included"),
    ("Nagtegaal 2019", "Nagtegaal_2019.csv", "label_abstract_screening"),
]


def load(filename: str, label_column: str) -> LabelledSet:
    return read_labelled_csv(FOLDER / filename, label_column)


def load_all() -> dict[str, LabelledSet]:
    return {name: load(filename, column) for name, filename, column in SETS}
