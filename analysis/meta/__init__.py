"""Concord's statistics engine: effect sizes, pooling, heterogeneity, subgroups,
sensitivity and small-study analyses. Pure numpy/scipy; imports nothing from Django.

Names and conventions follow R's metafor so that every number can be checked against it.
"""

from .effect_sizes import MEASURES, EffectSizes, escalc
from .errors import ConvergenceError
from .influence import InfluenceResult, Leave1outResult, influence, leave1out, outliers
from .model import rma
from .results import RmaResult, Transformed
from .small_study import RankTest, RegressionTest, harbord, peters, ranktest, regtest
from .subgroups import SubgroupResult, subgroup
from .transforms import back_transform
from .trimfill import TrimfillResult, trimfill

# plots.py, glmm.py and conversions.py are written by another engineer; their public
# names are added to the imports and to __all__ here once those modules exist (explicit
# imports only, no try/except ImportError).

__all__ = [
    "MEASURES",
    "ConvergenceError",
    "EffectSizes",
    "InfluenceResult",
    "Leave1outResult",
    "RankTest",
    "RegressionTest",
    "RmaResult",
    "SubgroupResult",
    "Transformed",
    "TrimfillResult",
    "back_transform",
    "escalc",
    "harbord",
    "influence",
    "leave1out",
    "outliers",
    "peters",
    "ranktest",
    "regtest",
    "rma",
    "subgroup",
    "trimfill",
]
