"""Extraction form definitions as plain data: validation, expansion into cells, typed values.

Pure Python (no Django): a form is a JSON-able dict, so versions are stored whole and two
versions can be compared field by field.
"""

from extraction.formspec.cells import Cell, cells, diff_cells
from extraction.formspec.schema import FIELD_TYPES, OUTCOME_TYPES, REPEATS, SchemaError, validate
from extraction.formspec.values import ValueError_, coerce, display, normalise_text, same

__all__ = [
    "FIELD_TYPES", "OUTCOME_TYPES", "REPEATS", "Cell", "SchemaError", "ValueError_", "cells", "coerce",
    "diff_cells", "display", "normalise_text", "same", "validate",
]
