"""Matplotlib settings shared by the plots of review and extraction (the PRISMA diagram,
risk-of-bias figures). ``analysis.meta`` keeps its own, being importable without Concord."""

from __future__ import annotations

import functools

import matplotlib

# Source names, exclusion reasons and study labels are user text: a pair of "$" in them
# must print as typed, not be parsed as mathtext (which fails on most such text). No label
# of these plots uses mathtext itself.
LITERAL_TEXT = {"text.parse_math": False}


def literal_text(draw):
    """Run ``draw`` with mathtext off, for the text it creates and the tick labels it draws."""

    @functools.wraps(draw)
    def wrapper(*args, **kwargs):
        with matplotlib.rc_context(LITERAL_TEXT):
            return draw(*args, **kwargs)

    return wrapper
