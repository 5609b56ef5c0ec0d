"""Display of text a user chose, such as an upload's file name.

Bidirectional override and isolate marks can make ``invoice\u202eslx.exe`` read as
``invoiceexe.xls``; shown as visible escapes (``\\u202e``), the name reads as it is.
"""

import re

from django import template
from django.utils.safestring import SafeData, mark_safe

register = template.Library()

BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


def bidi_escaped(value) -> str:
    return BIDI_CONTROLS.sub(lambda m: f"\\u{ord(m.group()):04x}", "" if value is None else str(value))


@register.filter(name="bidi_escaped")
def bidi_escaped_filter(value) -> str:
    # The escapes are plain ASCII: text that was safe HTML stays safe, any other text is
    # still autoescaped.
    if isinstance(value, SafeData):
        return mark_safe(bidi_escaped(value))
    return bidi_escaped(value)
