"""At upload, a Word document is refused with what it is and what to export instead:
no pending import, no column-mapping page, nothing kept."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from review.importers.not_exports import NOT_AN_EXPORT
from review.models import RecordImport

from .importers.test_not_exports import _ooxml


def test_a_word_document_is_refused_at_upload_by_its_content(client_for, team, source, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    client = client_for(team.lead)
    for name in ("search.docx", "search.csv"):  # a misleading name changes nothing
        upload = SimpleUploadedFile(name, _ooxml("word/document.xml"))
        response = client.post(reverse("review:import_new", args=[team.review.slug]), {
            "source": source.pk, "file": upload,
        })
        assert response.status_code == 200
        assert NOT_AN_EXPORT.format(what="a Word document") in response.content.decode()
    assert not RecordImport.objects.exists()
    assert not any(tmp_path.rglob("*.*"))
