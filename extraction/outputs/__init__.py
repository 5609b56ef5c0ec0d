"""Tables, plots and agreement statistics, read from locked consensus (and, for agreement,
from the submitted extractions behind it)."""
