import re

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()


class Highlighter:
    """Wraps the review's inclusion and exclusion terms in two kinds of <mark>."""

    def __init__(self, inclusion: str, exclusion: str):
        self.kinds: dict[str, str] = {}
        for kind, text in (("exc", exclusion), ("inc", inclusion)):
            for term in text.splitlines():
                term = term.strip()
                if term:
                    self.kinds.setdefault(term.lower(), kind)
        # Longest first, so "muscle weakness" wins over "muscle".
        terms = sorted(self.kinds, key=len, reverse=True)
        self.pattern = re.compile(
            r"\b(" + "|".join(re.escape(t) for t in terms) + r")\b", re.IGNORECASE
        ) if terms else None

    def mark(self, text: str) -> str:
        if not text or self.pattern is None:
            return escape(text or "")
        # Split the raw text and escape each piece, so a term can never match inside an entity.
        parts = self.pattern.split(text)
        out = []
        for i, part in enumerate(parts):
            if i % 2:
                out.append(f'<mark class="{self.kinds[part.lower()]}">{escape(part)}</mark>')
            else:
                out.append(escape(part))
        return "".join(out)


@register.filter
def highlight(text, highlighter):
    if highlighter is None:
        return escape(text or "")
    return mark_safe(highlighter.mark(text))
