"""Views: the happy path, the outsider (404), the wrong role (403) and the wrong method (405)."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from review.models import AuditEvent, Membership, Record, RecordImport, Review, SearchSource
from review.models.imports import ImportStatus

pytestmark = pytest.mark.django_db
FILES = Path(__file__).parent / "files"


def test_logged_in_user_creates_a_review_and_becomes_its_lead(client_for, make_user):
    client = client_for(make_user("new_lead"))
    response = client.post(reverse("review:new"), {"title": "Statins and sepsis", "slug": "statins"})
    assert response.status_code == 302
    review = Review.objects.get(slug="statins")
    assert Membership.active.get(review=review).roles == ["lead"]


def test_review_list_shows_only_my_reviews(client_for, team, make_user):
    response = client_for(team.rev1).get(reverse("review:list"))
    assert b"IVIg in myositis" in response.content
    response = client_for(team.outsider).get(reverse("review:list"))
    assert b"IVIg in myositis" not in response.content


def test_settings_need_the_lead_role(client_for, team):
    url = reverse("review:settings", args=[team.review.slug])
    assert client_for(team.rev1).get(url).status_code == 403
    client = client_for(team.lead)
    assert client.get(url).status_code == 200
    response = client.post(url, {
        "title": "Renamed", "ta_reviewers_per_record": 3, "ft_reviewers_per_record": 2, "version": 1,
    })
    assert response.status_code == 302
    team.review.refresh_from_db()
    assert team.review.title == "Renamed" and team.review.ta_reviewers_per_record == 3
    assert team.review.blind_mode is False  # the unchecked box means off


def test_settings_posted_from_a_stale_page_are_refused(client_for, team):
    url = reverse("review:settings", args=[team.review.slug])
    client = client_for(team.lead)
    base = {"ta_reviewers_per_record": 2, "ft_reviewers_per_record": 2, "blind_mode": "on", "version": 1}
    client.post(url, {**base, "title": "First"})
    response = client.post(url, {**base, "title": "Second"})
    assert response.status_code == 200
    assert "changed by someone else" in response.content.decode()
    team.review.refresh_from_db()
    assert team.review.title == "First"


def test_lead_adds_member_and_changes_roles(client_for, team, make_user):
    newcomer = make_user("nina_new")
    client = client_for(team.lead)
    url = reverse("review:members", args=[team.review.slug])
    response = client.post(url, {"add-username": "nina_new", "add-roles": ["reviewer", "arbiter"]})
    assert response.status_code == 302
    membership = Membership.active.get(review=team.review, user=newcomer)
    assert membership.roles == ["reviewer", "arbiter"]
    client.post(reverse("review:member_roles", args=[team.review.slug, membership.pk]),
                {"roles": ["arbiter"], "version": membership.version})
    membership.refresh_from_db()
    assert membership.roles == ["arbiter"]


def test_lead_creates_an_account_for_a_new_member(client_for, team, django_user_model):
    client = client_for(team.lead)
    response = client.post(reverse("review:members", args=[team.review.slug]), {
        "account-username": "fresh", "account-email": "fresh@example.org",
        "account-password": "a-long-enough-password", "account-roles": ["reviewer"],
    })
    assert response.status_code == 302
    user = django_user_model.objects.get(username="fresh")
    assert user.check_password("a-long-enough-password")
    assert AuditEvent.objects.filter(action="user.created", review=team.review).exists()


def test_reviewer_cannot_manage_members(client_for, team):
    membership = Membership.active.get(review=team.review, user=team.rev2)
    client = client_for(team.rev1)
    assert client.post(reverse("review:members", args=[team.review.slug]), {"add-username": "x"}).status_code == 403
    assert client.post(reverse("review:member_remove", args=[team.review.slug, membership.pk])).status_code == 403


def test_member_remove_needs_post(client_for, team):
    membership = Membership.active.get(review=team.review, user=team.rev2)
    url = reverse("review:member_remove", args=[team.review.slug, membership.pk])
    assert client_for(team.lead).get(url).status_code == 405


def test_lead_records_a_search_source(client_for, team):
    client = client_for(team.lead)
    response = client.post(reverse("review:sources", args=[team.review.slug]), {
        "name": "Embase", "kind": "database", "interface": "Ovid", "search_string": "exp myositis/",
        "date_run": "2020-07-31", "date_from": "2010-01-01", "date_to": "2020-07-31",
    })
    assert response.status_code == 302
    source = SearchSource.objects.get(name="Embase")
    assert source.prisma_column == "databases_registers"
    assert AuditEvent.objects.filter(action="source.created").exists()


def test_source_with_reversed_date_limits_is_refused(client_for, team):
    response = client_for(team.lead).post(reverse("review:sources", args=[team.review.slug]), {
        "name": "Scopus", "kind": "database", "date_from": "2020-01-01", "date_to": "2010-01-01",
    })
    assert response.status_code == 200
    assert not SearchSource.objects.filter(name="Scopus").exists()


def test_upload_imports_a_file_and_shows_its_records(client_for, team, source, django_capture_on_commit_callbacks):
    client = client_for(team.lead)
    upload = SimpleUploadedFile("three.ris", (FILES / "three.ris").read_bytes())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("review:import_new", args=[team.review.slug]), {
            "source": source.pk, "file": upload,
        })
    assert response.status_code == 302
    record_import = RecordImport.objects.get()
    assert record_import.status == ImportStatus.DONE
    status = client.get(reverse("review:import_status", args=[team.review.slug, record_import.pk])).json()
    assert status["finished"] and status["records"] == 3
    page = client_for(team.rev1).get(reverse("review:records", args=[team.review.slug]))
    assert page.status_code == 200 and b"A controlled trial of high-dose" in page.content


def test_script_in_an_abstract_shows_as_text(client_for, team, source, django_capture_on_commit_callbacks):
    client = client_for(team.lead)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("review:import_new", args=[team.review.slug]), {
            "source": source.pk, "file": SimpleUploadedFile("three.ris", (FILES / "three.ris").read_bytes()),
        })
    record = Record.objects.get(position=1)
    page = client.get(reverse("review:record_detail", args=[team.review.slug, record.pk])).content.decode()
    assert '<script>alert("x")</script>' not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page


def test_reviewer_cannot_import(client_for, team, source):
    assert client_for(team.rev1).get(reverse("review:import_new", args=[team.review.slug])).status_code == 403


def test_records_filter_by_year_and_search(client_for, team, source):
    from review.services.imports import import_records

    import_records(review=team.review, source=source, filename="three.ris",
                   data=(FILES / "three.ris").read_bytes(), actor=team.lead)
    client = client_for(team.rev1)
    url = reverse("review:records", args=[team.review.slug])
    assert b"pilot study" in client.get(url, {"year": 2020}).content
    assert b"pilot study" not in client.get(url, {"year": 1993}).content
    assert b"pilot study" not in client.get(url, {"q": "dermatomyositis is a disorder"}).content
    assert client.get(url, {"year": "abc", "source": "x", "page": "999"}).status_code == 200


def test_record_list_uses_a_constant_number_of_queries(client_for, team, source, django_assert_max_num_queries):
    from review.services.imports import import_records

    import_records(review=team.review, source=source, filename="three.ris",
                   data=(FILES / "three.ris").read_bytes(), actor=team.lead)
    client = client_for(team.rev1)
    # session, user, membership+review, count, page of records (+source), sources, years
    with django_assert_max_num_queries(8):
        client.get(reverse("review:records", args=[team.review.slug]))


def test_audit_log_is_for_the_lead(client_for, team):
    url = reverse("review:audit", args=[team.review.slug])
    assert client_for(team.rev1).get(url).status_code == 403
    response = client_for(team.lead).get(url, {"action": "member.", "since": "2020-13-45"})
    assert response.status_code == 200 and b"member.added" in response.content


def test_a_table_with_unknown_columns_is_imported_through_the_mapping_step(
    client_for, team, source, django_capture_on_commit_callbacks
):
    data = (Path(__file__).parent / "importers" / "files" / "custom_columns.csv").read_bytes()
    client = client_for(team.lead)
    response = client.post(reverse("review:import_new", args=[team.review.slug]), {
        "source": source.pk, "file": SimpleUploadedFile("custom.csv", data),
    })
    record_import = RecordImport.objects.get()
    assert response["Location"] == reverse("review:import_map", args=[team.review.slug, record_import.pk])
    page = client.get(response["Location"]).content.decode()
    assert "Headline" in page and "Summary" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(response["Location"], {
            "title": "Headline", "abstract": "Summary", "authors": "Writers", "year": "When", "doi": "Identifier",
        })
    record_import.refresh_from_db()
    assert record_import.status == ImportStatus.DONE, record_import.error
    record = Record.objects.get(position=1)
    assert record.title == "Immunoglobulin for myositis: a custom sheet"
    assert record.authors == ["Roy, P.", "Basu, A."] and record.year == 2022
    assert record.doi == "10.5555/custom.1"


def test_a_mapping_to_a_column_that_is_not_in_the_file_is_refused(client_for, team, source):
    data = (Path(__file__).parent / "importers" / "files" / "custom_columns.csv").read_bytes()
    client = client_for(team.lead)
    response = client.post(reverse("review:import_new", args=[team.review.slug]), {
        "source": source.pk, "file": SimpleUploadedFile("custom.csv", data),
    })
    page = client.post(response["Location"], {"title": "No such column"})
    assert page.status_code == 200 and "Select a valid choice" in page.content.decode()
