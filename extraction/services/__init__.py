"""State changes of extraction: keyword-only functions, one transaction each, audited."""
