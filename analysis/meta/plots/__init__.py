"""Publication-quality forest and funnel plots, built as matplotlib Figures.

Figures are created on their own Agg canvas without pyplot, so building one in a web
request or a test leaves no global state behind.
"""

from ._common import save_figure
from .cumulative import cumul_forest_plot
from .forest import forest_plot
from .funnel import funnel_plot

__all__ = ["cumul_forest_plot", "forest_plot", "funnel_plot", "save_figure"]
