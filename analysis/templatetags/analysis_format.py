"""Rounding for pages: exports keep full precision, pages show what a paper would."""

from django import template

register = template.Library()


@register.filter
def num(value, digits=2):
    if value is None or value == "":
        return "—"
    return f"{float(value):.{int(digits)}f}"


@register.filter
def pval(value):
    if value is None:
        return "—"
    value = float(value)
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


@register.filter
def full(value):
    """Full precision (repr) for data attributes that tests and scripts read."""
    return "" if value is None else repr(float(value))


@register.filter
def get(mapping, key):
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def p_is(value):
    """'= 0.123' or '< 0.001', to follow a 'p'."""
    text = pval(value)
    return text if text.startswith("<") or text == "—" else f"= {text}"
