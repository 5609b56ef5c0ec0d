"""Which outcome type and which arms each effect measure reads, and under which names the
engine's ``escalc`` takes them (metafor's argument names)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MeasureInputs:
    outcome_type: str  # the extraction form's outcome type
    two_arms: bool
    # escalc argument -> (arm: 1 or 2, component of the outcome)
    columns: dict[str, tuple[int, str]]


_BINARY_2 = MeasureInputs(
    "binary",
    True,
    {"ai": (1, "events"), "n1i": (1, "total"), "ci": (2, "events"), "n2i": (2, "total")},
)
_PROPORTION = MeasureInputs("binary", False, {"xi": (1, "events"), "ni": (1, "total")})
_MEANS_2 = MeasureInputs(
    "continuous",
    True,
    {
        "m1i": (1, "mean"),
        "sd1i": (1, "sd"),
        "n1i": (1, "n"),
        "m2i": (2, "mean"),
        "sd2i": (2, "sd"),
        "n2i": (2, "n"),
    },
)
_MEAN_1 = MeasureInputs("continuous", False, {"mi": (1, "mean"), "sdi": (1, "sd"), "ni": (1, "n")})
# metafor's mean change is m1i - m2i; post minus pre keeps "improvement" positive for
# scores that rise as patients improve.
_CHANGE = MeasureInputs(
    "change",
    False,
    {
        "m1i": (1, "post_mean"),
        "m2i": (1, "pre_mean"),
        "sd1i": (1, "post_sd"),
        "sd2i": (1, "pre_sd"),
        "ni": (1, "n"),
        "ri": (1, "correlation"),
    },
)

# Raw-score standardisation divides by one SD only; Becker (1988) standardises by the
# pre-treatment SD, which metafor's SMCR takes as sd1i.
_CHANGE_RAW = MeasureInputs(
    "change",
    False,
    {
        "m1i": (1, "post_mean"),
        "m2i": (1, "pre_mean"),
        "sd1i": (1, "pre_sd"),
        "ni": (1, "n"),
        "ri": (1, "correlation"),
    },
)

MEASURE_INPUTS: dict[str, MeasureInputs] = {
    **dict.fromkeys(("RR", "OR", "RD", "PETO"), _BINARY_2),
    **dict.fromkeys(("PR", "PLN", "PLO", "PAS", "PFT"), _PROPORTION),
    **dict.fromkeys(("MD", "SMD", "ROM"), _MEANS_2),
    "MN": _MEAN_1,
    **dict.fromkeys(("MC", "SMCC"), _CHANGE),
    "SMCR": _CHANGE_RAW,
}

# The sample-size columns, summed into a study's n.
SIZE_COLUMNS = ("n1i", "n2i", "ni")


def cell_key(outcome: str, component: str, arm: str, timepoint: str) -> str:
    """The extraction form's key of one outcome cell (``extraction.formspec.cells``)."""
    return "@".join(part for part in (f"{outcome}.{component}", arm, timepoint) if part)
