"""Edits made on a stale page are refused, never silently laid over a colleague's change.

For each of the six edits (search source, exclusion reason, member roles, appraisal plan,
assignment, study link) two leads open the page in two browsers (two test clients, each reading
the form as the page rendered it), the first saves, and the second's save is refused with the
exact message, with the error on top of the page and what the second lead chose still on screen;
nothing of the second edit is written and no audit event is added. The first save, a normal
single edit, lands and moves the version on, and the second lead, after reloading, can save.
"""

from html.parser import HTMLParser

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from extraction.models import AppraisalPlan, Assignment
from extraction.services.common import STALE_EDIT as EXTRACTION_STALE_EDIT
from review.models import (
    AuditEvent,
    ExclusionReason,
    Membership,
    Record,
    RecordImport,
    SearchSource,
    Study,
)
from review.models.screening import Stage
from review.services.reviews import STALE_EDIT as REVIEW_SETTINGS_STALE_EDIT
from review.services.reviews import member_add, member_set_roles
from review.services.versions import STALE_EDIT

pytestmark = pytest.mark.django_db


class _Forms(HTMLParser):
    """The forms of a page as a browser would submit them: action, and each control's value."""

    def __init__(self):
        super().__init__()
        self.forms, self._form, self._select, self._option, self._textarea = [], None, None, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._form = {"action": attrs.get("action", ""), "fields": {}}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and attrs.get("name"):
            kind = attrs.get("type", "text")
            if kind == "checkbox":
                if "checked" in attrs:
                    self._form["fields"].setdefault(attrs["name"], []).append(attrs.get("value", "on"))
            elif kind not in ("submit", "button", "file"):
                self._form["fields"][attrs["name"]] = attrs.get("value", "")
        elif tag == "select":
            self._select = attrs["name"]
            self._form["fields"].setdefault(self._select, "")
        elif tag == "option" and self._select:
            self._option = attrs.get("value", "")
            if "selected" in attrs:
                self._form["fields"][self._select] = self._option
        elif tag == "textarea":
            self._textarea = attrs["name"]
            self._form["fields"][self._textarea] = ""

    def handle_data(self, data):
        if self._textarea:
            self._form["fields"][self._textarea] += data.removeprefix("\n")

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def open_form(client, url, **match):
    """GET the page and return the data of the one versioned form whose action or fields match."""
    response = client.get(url)
    assert response.status_code == 200
    parser = _Forms()
    parser.feed(response.content.decode())
    found = [
        form for form in parser.forms if "version" in form["fields"] and all(
            form["action"] == v if k == "action" else str(form["fields"].get(k)) == str(v) for k, v in match.items())
    ]
    assert len(found) == 1, found
    return dict(found[0]["fields"])


def assert_refused_on_page(response, message):
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<div class="errors" role="alert"><p>{escape(message)}</p></div>' in html
    return html


@pytest.fixture
def leads(team, make_user):
    """Two leads of the review, each in their own browser."""
    second = make_user("lars_lead")
    member_add(review=team.review, user=second, roles=["lead"], actor=team.lead)
    first_client, second_client = Client(), Client()
    first_client.force_login(team.lead)
    second_client.force_login(second)
    return first_client, second_client


def test_review_settings_page_gives_the_same_message(team, leads):
    first, second = leads
    url = reverse("review:settings", args=[team.review.slug])
    data_a, data_b = open_form(first, url), open_form(second, url)
    assert first.post(url, {**data_a, "title": "IVIg and SCIg in myositis"}).status_code == 302
    assert_refused_on_page(second.post(url, {**data_b, "population": "Adults"}), REVIEW_SETTINGS_STALE_EDIT)
    assert REVIEW_SETTINGS_STALE_EDIT == STALE_EDIT


def test_search_source_edit_on_a_stale_page_is_refused(team, source, leads):
    first, second = leads
    url = reverse("review:source_edit", args=[team.review.slug, source.pk])
    data_a, data_b = open_form(first, url), open_form(second, url)
    assert data_a["version"] == "1"

    assert first.post(url, {**data_a, "interface": "NCBI"}).status_code == 302
    source.refresh_from_db()
    assert source.interface == "NCBI" and source.version == 2
    events = AuditEvent.objects.count()

    html = assert_refused_on_page(second.post(url, {**data_b, "notes": "Second lead's note"}), STALE_EDIT)
    assert "Second lead&#x27;s note" in html  # what was typed is still in the form
    source.refresh_from_db()
    assert source.notes == "" and source.interface == "NCBI" and source.version == 2
    assert AuditEvent.objects.count() == events

    fresh = open_form(second, url)
    assert second.post(url, {**fresh, "notes": "Second lead's note"}).status_code == 302
    source.refresh_from_db()
    assert (source.notes, source.interface, source.version) == ("Second lead's note", "NCBI", 3)


def test_exclusion_reason_edit_on_a_stale_page_is_refused(team, leads):
    first, second = leads
    reason = team.review.exclusion_reasons.get(label="Wrong population")
    url = reverse("review:exclusion_reasons", args=[team.review.slug])
    data_a = open_form(first, url, reason_id=reason.pk)
    data_b = open_form(second, url, reason_id=reason.pk)

    assert first.post(url, {**data_a, "label": "Wrong population (not myositis)"}).status_code == 302
    reason.refresh_from_db()
    assert reason.label == "Wrong population (not myositis)" and reason.version == 2
    events = AuditEvent.objects.count()

    retire = {key: value for key, value in data_b.items() if key != "active"}
    html = assert_refused_on_page(second.post(url, {**retire, "position": "42"}), STALE_EDIT)
    assert 'value="42"' in html
    reason.refresh_from_db()
    assert (reason.label, reason.position, reason.active, reason.version) == (
        "Wrong population (not myositis)", 1, True, 2)
    assert AuditEvent.objects.count() == events

    fresh = open_form(second, url, reason_id=reason.pk)
    assert second.post(url, {**{k: v for k, v in fresh.items() if k != "active"}}).status_code == 302
    reason.refresh_from_db()
    assert not reason.active and reason.version == 3


def test_adding_an_exclusion_reason_needs_no_version(team, client_for):
    url = reverse("review:exclusion_reasons", args=[team.review.slug])
    response = client_for(team.lead).post(url, {"label": "Animal study", "position": 11, "active": "on"})
    assert response.status_code == 302
    assert ExclusionReason.objects.get(review=team.review, label="Animal study").version == 1


def test_member_roles_edit_on_a_stale_page_is_refused(team, leads):
    first, second = leads
    member = Membership.active.get(review=team.review, user=team.rev1)
    action = reverse("review:member_roles", args=[team.review.slug, member.pk])
    page = reverse("review:members", args=[team.review.slug])
    data_a, data_b = open_form(first, page, action=action), open_form(second, page, action=action)
    assert data_a["roles"] == ["reviewer"]

    assert first.post(action, {**data_a, "roles": ["reviewer", "arbiter"]}).status_code == 302
    member.refresh_from_db()
    assert member.roles == ["reviewer", "arbiter"] and member.version == 2
    events = AuditEvent.objects.count()

    html = assert_refused_on_page(second.post(action, {**data_b, "roles": ["reviewer", "lead"]}), STALE_EDIT)
    assert 'value="lead" checked' in html
    member.refresh_from_db()
    assert member.roles == ["reviewer", "arbiter"] and member.version == 2
    assert AuditEvent.objects.count() == events

    fresh = open_form(second, page, action=action)
    assert second.post(action, {**fresh, "roles": ["reviewer", "lead"]}).status_code == 302
    member.refresh_from_db()
    assert member.roles == ["lead", "reviewer"] and member.version == 3


def test_removing_and_adding_back_a_member_moves_the_version_on(team):
    member = Membership.active.get(review=team.review, user=team.rev2)
    call_command("add_member", team.review.slug, team.rev2.username, "--role", "arbiter")
    member.refresh_from_db()
    assert member.roles == ["reviewer", "arbiter"] and member.version == 2
    member_set_roles(membership=member, roles=["reviewer"], actor=team.lead, expected_version=None)
    from review.services.reviews import member_remove

    member_remove(membership=member, actor=team.lead)
    member_add(review=team.review, user=team.rev2, roles=["reviewer"], actor=team.lead)
    member.refresh_from_db()
    assert member.version == 5


@pytest.fixture
def study(team):
    # A study with no report linked yet counts as included (the lead entered it by hand).
    return Study.objects.create(review=team.review, label="Dalakas 1993", created_by=team.lead)


def test_appraisal_plan_edit_on_a_stale_page_is_refused(team, leads, study):
    first, second = leads
    page = reverse("extraction:assignments", args=[team.review.slug])
    action = reverse("extraction:plan", args=[team.review.slug, study.pk])
    data_a, data_b = open_form(first, page, action=action), open_form(second, page, action=action)
    assert data_a["version"] == "0"  # no plan yet

    assert first.post(action, {**data_a, "design": "rct"}).status_code == 302
    plan = AppraisalPlan.objects.get(study=study)
    assert (plan.design, plan.instrument, plan.version) == ("rct", "rob2", 1)
    events = AuditEvent.objects.count()

    override = {**data_b, "design": "cohort", "instrument": "rob1", "reason": "Second lead's protocol"}
    html = assert_refused_on_page(second.post(action, override), EXTRACTION_STALE_EDIT)
    assert "Second lead&#x27;s protocol" in html and '<option value="rob1" selected>' in html
    plan.refresh_from_db()
    assert (plan.design, plan.instrument, plan.overridden, plan.version) == ("rct", "rob2", False, 1)
    assert AuditEvent.objects.count() == events

    fresh = open_form(second, page, action=action)
    assert second.post(action, {**fresh, "design": "rct", "instrument": "rob1", "reason": "Protocol"}).status_code == 302
    plan.refresh_from_db()
    assert (plan.instrument, plan.overridden, plan.version) == ("rob1", True, 2)


def test_assignment_on_a_stale_page_is_refused(team, leads, study, make_user):
    third = make_user("remi_reviewer")
    member_add(review=team.review, user=third, roles=["reviewer"], actor=team.lead)
    first, second = leads
    page = reverse("extraction:assignments", args=[team.review.slug])
    data_a = open_form(first, page, study=study.pk, kind="extraction")
    data_b = open_form(second, page, study=study.pk, kind="extraction")

    chosen = {"user_a": team.rev1.pk, "user_b": team.rev2.pk}
    assert first.post(page, {**data_a, **chosen}).status_code == 302
    pairs = lambda: sorted(Assignment.objects.filter(study=study).values_list("kind", "slot", "user__username"))  # noqa: E731
    assigned = [("extraction", "a", "rui_reviewer"), ("extraction", "b", "rosa_reviewer")]
    assert pairs() == assigned
    events = AuditEvent.objects.count()

    html = assert_refused_on_page(
        second.post(page, {**data_b, "user_a": third.pk, "user_b": team.rev1.pk}), EXTRACTION_STALE_EDIT)
    assert f'<option value="{third.pk}" selected>' in html
    assert pairs() == assigned
    assert AuditEvent.objects.count() == events

    # The appraisal pair of the same study is another list: the first save did not make it stale.
    appraisal = open_form(second, page, study=study.pk, kind="appraisal")
    assert second.post(page, {**appraisal, "user_a": third.pk, "user_b": team.rev1.pk}).status_code == 302
    fresh = open_form(second, page, study=study.pk, kind="extraction")
    assert second.post(page, {**fresh, "user_a": third.pk, "user_b": team.rev2.pk}).status_code == 302
    assert pairs() == [("appraisal", "a", "remi_reviewer"), ("appraisal", "b", "rui_reviewer"),
                       ("extraction", "a", "remi_reviewer"), ("extraction", "b", "rosa_reviewer")]


@pytest.fixture
def included_report(team, source):
    from review.screening.services import decision_record, fulltext_attach

    record_import = RecordImport.objects.create(
        review=team.review, source=source, filename="pubmed.nbib", sha256="1" * 64, status="done")
    record = Record.objects.create(review=team.review, record_import=record_import, source=source, position=1,
                                   title="IVIg in dermatomyositis: a randomised trial", year=1993)
    for stage in (Stage.TITLE_ABSTRACT, Stage.FULL_TEXT):
        if stage == Stage.FULL_TEXT:
            fulltext_attach(record=record, actor=team.lead, url="https://example.org/dalakas-1993.pdf")
        for reviewer in (team.rev1, team.rev2):
            decision_record(review=team.review, record=record, stage=stage, reviewer=reviewer, vote="include")
    return record


def test_study_link_on_a_stale_page_is_refused(team, leads, included_report):
    first, second = leads
    page = reverse("review:included", args=[team.review.slug])
    action = reverse("review:study_link", args=[team.review.slug, included_report.pk])
    data_a, data_b = open_form(first, page, action=action), open_form(second, page, action=action)
    included_report.refresh_from_db()
    # Linked to its own default study ("First-author Year") since its inclusion.
    assert included_report.study.automatic and data_a["version"] == str(included_report.study_id)

    assert first.post(action, {**data_a, "study": "", "label": "Dalakas 1993"}).status_code == 302
    included_report.refresh_from_db()
    assert included_report.study.label == "Dalakas 1993"
    events = AuditEvent.objects.count()

    html = assert_refused_on_page(second.post(action, {**data_b, "study": "", "label": "Dalakas 1993b"}), STALE_EDIT)
    assert 'value="Dalakas 1993b"' in html
    included_report.refresh_from_db()
    assert included_report.study.label == "Dalakas 1993"
    assert not Study.objects.filter(label="Dalakas 1993b").exists()
    assert AuditEvent.objects.count() == events

    fresh = open_form(second, page, action=action)
    assert fresh["version"] == str(included_report.study_id)
    assert second.post(action, {**fresh, "study": "", "label": "Dalakas 1993b"}).status_code == 302
    included_report.refresh_from_db()
    assert included_report.study.label == "Dalakas 1993b"


@pytest.mark.parametrize("version", [None, "", "x1"])
def test_an_edit_without_a_readable_version_is_treated_as_stale(team, client_for, version):
    member = Membership.active.get(review=team.review, user=team.rev1)
    data = {"roles": ["arbiter"]} if version is None else {"roles": ["arbiter"], "version": version}
    response = client_for(team.lead).post(reverse("review:member_roles", args=[team.review.slug, member.pk]), data)
    assert_refused_on_page(response, STALE_EDIT)
    member.refresh_from_db()
    assert member.roles == ["reviewer"]


def test_services_called_from_elsewhere_than_a_page_skip_the_check(team, source):
    from review.services.sources import source_update

    SearchSource.objects.filter(pk=source.pk).update(version=7)
    updated = source_update(source=source, actor=None, expected_version=None, notes="from a command")
    assert updated.notes == "from a command" and updated.version == 8
