from django import template

from review.screening.methods import screening_methods as paragraph

register = template.Library()


@register.inclusion_tag("review/screening/_methods.html")
def screening_methods(review):
    return {"methods": paragraph(review)}
