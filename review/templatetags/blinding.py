from django import template

from review.blinding import shown_fingerprint as keyed

register = template.Library()


@register.filter
def shown_fingerprint(value):
    """A stored fingerprint as people may see it (keyed with the server secret)."""
    return keyed(value)
