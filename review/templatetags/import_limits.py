from django import template

from review.upload_limits import record_truncation_notes, truncation_note

register = template.Library()


@register.filter
def truncation_notes(truncated_fields: dict) -> list[str]:
    """A record's truncated_fields as the sentences its page shows."""
    return record_truncation_notes(truncated_fields or {})


@register.filter(name="truncation_note")
def truncation_note_filter(entry: dict) -> str:
    """One entry of an import's list of cut fields, as its report line."""
    return truncation_note(entry)
