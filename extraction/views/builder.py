import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from extraction.formspec import FIELD_TYPES, OUTCOME_TYPES, REPEATS, cells, edit
from extraction.formspec.schema import empty
from extraction.management.commands.load_extraction_template import DEFAULT as TEMPLATE
from extraction.services.forms import current_form, form_publish
from extraction.views.common import expected, report, review_for

BAD_JSON = "The form JSON could not be read: {error}"
NUL_IN_JSON = "The form JSON contains a NUL character (\\u0000), which is not allowed."


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _changed_schema(post, schema):
    op = post.get("op")
    if op == "arms":
        return edit.set_arms_and_timepoints(schema, arms=post.get("arms", ""), timepoints=post.get("timepoints", ""))
    if op == "field":
        return edit.add_field(schema, section=post.get("section", ""), field={
            "key": post.get("key", "").strip(), "label": post.get("label", "").strip(), "type": post.get("type"),
            "required": post.get("required") == "on", "help": post.get("help", ""), "unit": post.get("unit", ""),
            "choices": post.get("choices", ""), "repeat": post.get("repeat", "none"),
        })
    if op == "outcome":
        return edit.add_outcome(schema, outcome={
            "key": post.get("key", "").strip(), "name": post.get("name", "").strip(), "type": post.get("type"),
            "repeat": post.get("repeat", "arm_timepoint"),
        })
    if op == "update":
        changes = {"label": post.get("label", "").strip(), "help": post.get("help", ""), "unit": post.get("unit", ""),
                   "required": post.get("required") == "on", "choices": post.get("choices", "")}
        if post.get("kind") == "outcome":
            changes = {"name": post.get("label", "").strip()}
        if not next(iter(changes.values())):
            raise ValidationError("Give the field a label.")
        try:
            return edit.update_field(schema, key=post.get("key", ""), changes=changes)
        except (KeyError, ValueError) as exc:
            raise ValidationError(exc.args[0]) from None
    if op == "move":
        if post.get("direction") not in edit.MOVES:
            raise ValidationError("Unknown direction.")
        try:
            return edit.move(schema, key=post.get("key", ""), direction=post.get("direction"))
        except KeyError as exc:
            raise ValidationError(exc.args[0]) from None
    if op == "remove":
        try:
            return edit.remove(schema, key=post.get("key", ""))
        except KeyError as exc:
            raise ValidationError(exc.args[0]) from None
    if op == "json":
        try:
            parsed = json.loads(post.get("schema", ""))
        except json.JSONDecodeError as exc:
            raise ValidationError(BAD_JSON.format(error=exc)) from None
        # The escape \u0000 gets past the middleware's check of raw fields; PostgreSQL's
        # jsonb refuses it.
        if _has_nul(parsed):
            raise ValidationError(NUL_IN_JSON)
        return parsed
    if op == "template":
        return json.loads(TEMPLATE.read_text(encoding="utf-8"))["schema"]
    raise ValidationError("Unknown action.")


@require_http_methods(["GET", "POST"])
@login_required
def form_builder(request, slug):
    review, membership = review_for(request, slug, role="lead")
    form = current_form(review)
    schema = form.schema if form else empty()
    if request.method == "POST":
        try:
            new = _changed_schema(request.POST, schema)
            version = form_publish(review=review, schema=new, actor=request.user,
                                   expected_number=expected(request, "number"))
        except ValidationError as exc:
            report(request, exc)
        else:
            messages.success(request, f"Form saved as version {version.number}.")
        return redirect("extraction:form", slug=slug)
    return render(request, "extraction/form_builder.html", {
        "review": review, "membership": membership, "form": form, "schema": schema,
        "cell_count": len(cells(schema)), "field_types": FIELD_TYPES, "repeats": REPEATS,
        "outcome_types": {k: v[0] for k, v in OUTCOME_TYPES.items()},
        "schema_json": json.dumps(schema, indent=1, ensure_ascii=False),
        "in_use": form.in_use if form else False,
        "arms_text": "\n".join(schema["arms"]), "timepoints_text": "\n".join(schema["timepoints"]),
    })
