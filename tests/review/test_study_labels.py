"""Study labels keep surname particles, whatever the export's way of writing an author."""

import pytest

from review.study_labels import study_label, surname, unique_label


@pytest.mark.parametrize(("author", "expected"), [
    ("de Souza, Ana B.", "de Souza"),
    ("de Souza AB", "de Souza"),
    ("Ana B. de Souza", "de Souza"),
    ("van der Berg, J", "van der Berg"),
    ("Jan van der Berg", "van der Berg"),
    ("Smith J", "Smith"),
    ("Smith, John", "Smith"),
    ("Dalakas MC", "Dalakas"),
    ("Marie-Claire Dubois", "Dubois"),
    ("al-Sayed, M", "al-Sayed"),
    ("WHO Collaborating Group", "WHO Collaborating Group"),
    ("", ""),
])
def test_surnames_keep_their_particles(author, expected):
    assert surname(author) == expected


def test_labels_are_first_author_year_and_unique_in_the_review():
    assert study_label("de Souza AB", 2019) == "de Souza 2019"
    assert study_label("", None) == "Study"
    assert unique_label("Lim 2020", {"Lim 2020"}) == "Lim 2020b"
    assert unique_label("Lim 2020", {"Lim 2020", "Lim 2020b"}) == "Lim 2020c"
    assert unique_label("Lim 2020", set()) == "Lim 2020"
