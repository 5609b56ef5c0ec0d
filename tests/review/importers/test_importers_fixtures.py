"""Every format and variant, from small hand-written files in files/ (no ../shared needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from review.importers import PUBLICATION_TYPES, ParseResult, parse_file

FILES = Path(__file__).resolve().parent / "files"


def parse_path(path: Path, **options) -> ParseResult:
    return parse_file(path.read_bytes(), filename=path.name, **options)


# file -> (format, source hint, record count)
LAYOUTS = {
    "ris_zotero.ris": ("ris", "pubmed", 2),
    "ris_endnote.txt": ("ris", "", 2),
    "ris_mendeley.ris": ("ris", "", 1),
    "ris_scopus.ris": ("ris", "scopus", 1),
    "ris_embase.ris": ("ris", "embase", 1),
    "ris_ovid.ris": ("ris", "ovid", 2),
    "ris_ebsco.ris": ("ris", "ebsco", 1),
    "ris_proquest.ris": ("ris", "proquest", 1),
    "ris_wos.ris": ("ris", "wos", 1),
    "medline.nbib": ("medline", "pubmed", 2),
    "bibtex_zotero.bib": ("bibtex", "zotero", 2),
    "bibtex_scopus.bib": ("bibtex", "scopus", 1),
    "endnote.xml": ("endnote_xml", "endnote", 2),
    "zotero.xml": ("endnote_xml", "zotero", 1),
    "mendeley.xml": ("endnote_xml", "mendeley", 2),
    "wos.ciw": ("wos_tagged", "wos", 2),
    "scopus.csv": ("csv", "scopus", 2),
    "wos_tab.txt": ("csv", "wos", 1),
    "embase.csv": ("csv", "embase", 1),
    "zotero.csv": ("csv", "zotero", 2),
    "lens.csv": ("csv", "lens", 1),
    "asreview_generic.csv": ("csv", "generic", 2),
    "generic_semicolon.csv": ("csv", "generic", 1),
    "generic.tsv": ("csv", "generic", 1),
    "cp1252.csv": ("csv", "generic", 1),
}

ZOTERO_ARTICLE = {
    "title": "Intravenous immunoglobulin in refractory dermatomyositis: a retrospective cohort.",
    "authors": ["Okafor, Adaeze", "Lindqvist, Per M."],
    "year": 2019,
    "journal": "Journal of Example Rheumatology",
    "volume": "12",
    "issue": "3",
    "pages": "123-129",
    "doi": "10.5555/example.2019.001",
    "pmid": "31000003",
    "abstract": "Background: IVIg is used when steroids fail.",
    "publication_type": "journal_article",
    "language": "eng",
}

# file, record index -> exact values of the named fields
EXPECTED = {
    ("ris_zotero.ris", 0): {
        "position": 1,
        "line": 1,
        "title": "Intravenous immunoglobulin in refractory dermatomyositis: a retrospective cohort",
        "authors": ["Okafor, Adaeze", "Lindqvist, Per M.", "García-López, José"],
        "abstract": "Background: Intravenous immunoglobulin (IVIg) is used when steroids fail.\n"
        "Methods: 42 adults were followed for 12 months; <script>alert(1)</script> stays text.",
        "year": 2019,
        "journal": "Journal of Example Rheumatology",
        "volume": "12",
        "issue": "3",
        "pages": "123-129",
        "doi": "10.5555/example.2019.001",
        "issn": ["1234-5679"],
        "keywords": ["dermatomyositis", "immunoglobulins, intravenous"],
        "publication_type": "journal_article",
        "language": "eng",
        "url": "https://example.org/articles/1",
    },
    ("ris_zotero.ris", 1): {
        "position": 2,
        "line": 24,
        "publication_type": "conference_paper",
        "journal": "Annual Meeting of the Example Society",
        "pages": "45",
    },
    ("ris_endnote.txt", 0): {
        "line": 1,
        "title": "Response of inclusion body myositis to immunoglobulin: a case series",
        # EndNote ran all authors into one AU line with no separator: kept, not guessed.
        "authors": ["Haldar, S. N. Roy P. K. Basu A."],
        "keywords": ["Myositis", "Immunoglobulins", "Treatment Outcome"],
        "issn": ["1234-5679"],
        "pages": "301-9",
        "journal": "Example Neurology",
        "year": 2020,
    },
    ("ris_endnote.txt", 1): {"position": 2, "line": 18, "title": "A second EndNote record"},
    ("ris_mendeley.ris", 0): {
        "pmid": "28000001",
        "issn": ["2345-678X"],
        "pages": "77-84",
        "authors": ["Novak, Jana", "de la Cruz, Maria"],
    },
    ("ris_scopus.ris", 0): {
        "doi": "10.5555/example.2013.260",
        "pmid": "23000002",
        "issn": ["0306-4530"],
        "publication_type": "review",
        "authors": ["Tanaka, H.", "Silva, M.A."],
        "abstract": "Necrotising myopathy responded in 70% of patients.",
    },
    ("ris_embase.ris", 0): {
        "title": "ProDERM-like trial of IVIg in dermatomyositis: first results",
        "authors": ["Kowalski, J.", "Adler, D.G."],
        "publication_type": "conference_abstract",
        "issn": ["0003-4967", "1468-2060"],
        "issue": "Suppl 2",
        "abstract": "A randomised trial abstract presented at a congress.",
        "doi": "10.5555/annexdis-2016-eular.1234",
        "journal": "Annals of Example Diseases",
    },
    ("ris_ovid.ris", 0): {
        "line": 2,
        "doi": "10.5555/cpp.2398",
        "year": 2019,
        "authors": ["Trindade, Ines A", "Irons, Chris"],
    },
    ("ris_ovid.ris", 1): {"line": 22, "title": "A second Ovid record"},
    ("ris_ebsco.ris", 0): {
        "title": "\u201cLiving on the edge\u201d: muscle disease in field workers",
        "authors": ["Rodríguez-Pastor, Ruth", "Mougeot, François"],
        "year": 2016,
        "issn": ["0167-8809"],
        "abstract": "Field workers had more myositis than office workers.\nCopyright of Example "
        "Occupational Medicine is the property of Example Publisher.",
    },
    ("ris_proquest.ris", 0): {"issn": ["0894-9867", "1573-6598"], "doi": "10.5555/jts.22387"},
    ("ris_wos.ris", 0): {
        "title": "Holding yourself captive: perceptions of custody during interviews in "
        "myositis clinics",
        "authors": ["Alceste, F.", "Luke, T. J."],
        "abstract": "Police custody activates\nimportant legal safeguards.",
    },
    ("medline.nbib", 0): {
        "line": 2,
        "pmid": "31000001",
        "title": "Subcutaneous immunoglobulin for maintenance therapy in idiopathic "
        "inflammatory myopathy: a prospective study.",
        "abstract": "OBJECTIVE: To assess subcutaneous immunoglobulin (SCIg) as maintenance "
        "therapy. METHODS: Twelve patients switched from IVIg to SCIg. RESULTS: Muscle "
        "strength was stable.",
        "authors": ["Goswami, Rudra Prosad", "Haldar, Sumanta Narayan"],
        "year": 2020,
        "journal": "Rheumatology (Oxford, England)",
        "volume": "59",
        "issue": "2",
        "pages": "150-153",
        "doi": "10.5555/example/kez123",
        "issn": ["1234-5679"],
        "keywords": [
            "SCIg",
            "Adult",
            "Immunoglobulins, Intravenous/*therapeutic use",
            "Myositis/*drug therapy",
        ],
        "publication_type": "review",
        "language": "eng",
        "url": "https://pubmed.ncbi.nlm.nih.gov/31000001/",
    },
    ("medline.nbib", 1): {"line": 42, "publication_type": "erratum", "doi": ""},
    ("bibtex_zotero.bib", 0): {
        "line": 2,
        "title": "Intravenous immunoglobulin in refractory Dermatomyositis: a >10-year cohort",
        "authors": ["Okafor, Adaeze", "Lindqvist, Per M.", "García-López, José"],
        "abstract": "Background: IVIg is used when steroids fail.\n"
        "Methods: 42 adults; response in 50% of them.",
        "pages": "123-129",
        "keywords": ["dermatomyositis", "immunoglobulins"],
    },
    ("bibtex_zotero.bib", 1): {
        "line": 19,
        "publication_type": "conference_paper",
        "journal": "Annual Meeting of the Example Society",
    },
    ("bibtex_scopus.bib", 0): {
        "line": 4,
        "pmid": "23000002",
        "publication_type": "review",
        "keywords": ["immunoglobulin", "necrotising myopathy"],
        "doi": "10.5555/example.2013.260",
    },
    ("endnote.xml", 0): {
        "line": None,
        "title": "Copper and zinc in myositis: a case-control study",
        "authors": ["Asemota, E. A.", "Okafor, I. M."],
        "abstract": "Background: trace elements.\nResults: copper was higher <script>x</script>.",
        "keywords": ["copper", "zinc", "myositis"],
        "issn": ["2213-4220", "2213-4239"],
        "pmid": "29000003",
        "doi": "10.5555/j.imr.2018.01.008",
        "publication_type": "journal_article",
    },
    ("endnote.xml", 1): {"publication_type": "conference_abstract"},
    ("zotero.xml", 0): dict(
        ZOTERO_ARTICLE,
        issn=["1234-5679", "2345-678X"],
        keywords=["*Dermatomyositis/drug therapy", "Humans"],
    ),
    ("mendeley.xml", 0): dict(ZOTERO_ARTICLE, keywords=["Dermatomyositis", "drug therapy"]),
    ("mendeley.xml", 1): {"publication_type": "book", "issn": []},
    ("zotero.csv", 0): dict(
        ZOTERO_ARTICLE,
        line=2,
        issn=["1234-5679"],
        keywords=["dermatomyositis", "immunoglobulins", "Humans"],
        url="https://example.org/articles/1",
    ),
    ("zotero.csv", 1): {"line": 3, "publication_type": "book_section"},
    ("wos.ciw", 0): {
        "line": 3,
        "title": "Do immunoglobulin infusions used for myositis impact on quality of life?",
        "authors": ["Alvarez-Manzaneda, Ines", "del Arco, Irene"],
        "keywords": ["Immunoglobulin", "Myositis", "Quality of life", "QUALITY-OF-LIFE", "MUSCLE"],
        "issn": ["0048-9697", "1879-1026"],
        "pmid": "30529964",
        "pages": "598-607",
        "doi": "10.5555/j.scitotenv.2018.11.375",
    },
    ("wos.ciw", 1): {
        "authors": ["Stillman, A. N."],
        "pages": "100766",
        "publication_type": "conference_paper",
    },
    ("wos_tab.txt", 0): {
        "authors": ["Alvarez-Manzaneda, Ines", "del Arco, Irene"],
        "issn": ["0048-9697", "1879-1026"],
        "pages": "598-607",
        "keywords": ["Immunoglobulin", "Myositis", "QUALITY-OF-LIFE"],
        "extra": {
            "accession_number": "WOS:000455039600059",
            "layout": "wos",
            "database": "Web of Science",
        },
    },
    ("scopus.csv", 0): {
        "authors": ["Tanaka, Hiroshi", "Silva, Maria A."],
        "pmid": "23000002",
        "keywords": ["immunoglobulin", "necrotising myopathy", "human", "myopathy"],
        "issn": ["0306-4530"],
    },
    ("scopus.csv", 1): {
        "title": "Second Scopus record, with a comma",
        "authors": ["Liu, R.", "Adler, D.G."],
        "publication_type": "conference_paper",
    },
    ("embase.csv", 0): {
        "authors": ["Kowalski, J.", "Adler, D.G."],
        "journal": "Annals of Example Diseases",
        "volume": "75",
        "issue": "Suppl 2",
        "pages": "1102-1103",
        "year": 2016,
        "doi": "10.5555/annexdis-2016-eular.1234",
    },
    ("lens.csv", 0): {
        "issn": ["2194-5403", "2194-5411"],
        "pmid": "33251087",
        "authors": ["Petar Radanliev", "David De Roure"],
    },
    ("asreview_generic.csv", 0): {
        "doi": "10.5555/example.2019.001",
        "authors": ["Okafor, A.", "Lindqvist, P. M."],
    },
    ("generic_semicolon.csv", 0): {"title": "IVIg and quality of life", "doi": "10.5555/qol.1"},
    ("generic.tsv", 0): {"authors": ["Meyer, Hans"], "year": 2021},
    ("cp1252.csv", 0): {
        "title": "Myosite inflammatoire traitée par immunoglobulines",
        "abstract": "Résumé – français",
        "authors": ["Müller, Jürgen"],
    },
}


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_fixture_parses_with_expected_format_and_count(name):
    fmt, hint, count = LAYOUTS[name]
    result = parse_path(FILES / name)
    assert (result.format, result.source_hint, len(result.records)) == (fmt, hint, count)
    assert [r.position for r in result.records] == list(range(1, count + 1))
    for record in result.records:
        assert record.publication_type in PUBLICATION_TYPES
        assert record.raw.strip()
        for text_field in (
            "title",
            "abstract",
            "journal",
            "volume",
            "issue",
            "pages",
            "doi",
            "pmid",
            "language",
            "url",
        ):
            assert isinstance(getattr(record, text_field), str)


@pytest.mark.parametrize(("name", "index"), sorted(EXPECTED))
def test_fixture_record_fields(name, index):
    record = parse_path(FILES / name).records[index]
    expected = EXPECTED[(name, index)]
    assert {key: getattr(record, key) for key in expected} == expected


def test_every_fixture_file_is_covered():
    on_disk = {p.name for p in FILES.iterdir() if p.is_file()}
    assert on_disk - {"custom_columns.csv"} == set(LAYOUTS)


def test_raw_is_the_verbatim_record():
    ris = parse_path(FILES / "ris_zotero.ris").records[1]
    assert ris.raw.splitlines()[0] == "TY  - CONF" and ris.raw.endswith("ER  -")
    csv_row = parse_path(FILES / "asreview_generic.csv").records[1]
    assert csv_row.raw == "A record without an abstract,,,2020,,0"
    xml = parse_path(FILES / "zotero.xml").records[0]
    assert xml.raw.startswith("<record>") and xml.raw.endswith("</record>")
    medline = parse_path(FILES / "medline.nbib").records[1]
    assert medline.raw.startswith("PMID- 31000002") and medline.raw.endswith("Example journal")


def test_extra_keeps_database_accession_and_labels():
    endnote = parse_path(FILES / "endnote.xml").records[0]
    assert endnote.extra["database"] == ["Embase", "Medline"]
    assert endnote.extra["caption"] == "Duplicate"
    assert endnote.extra["label"] == "include"
    assert parse_path(FILES / "wos.ciw").records[0].extra["accession_number"] == (
        "WOS:000455039600059"
    )
    assert parse_path(FILES / "ris_proquest.ris").records[0].extra["accession_number"] == (
        "2214991469; 51887"
    )
    assert parse_path(FILES / "asreview_generic.csv").records[0].extra["label"] == "1"


def test_custom_columns_need_a_column_map():
    path = FILES / "custom_columns.csv"
    result = parse_path(
        path,
        column_map={
            "title": "Headline",
            "abstract": "Summary",
            "authors": "Writers",
            "year": "When",
            "doi": "Identifier",
        },
    )
    (record,) = result.records
    assert (record.title, record.abstract, record.authors, record.year, record.doi) == (
        "Immunoglobulin for myositis: a custom sheet",
        "What a user typed by hand.",
        ["Roy, P.", "Basu, A."],
        2022,
        "10.5555/custom.1",
    )


SAMPLES = Path(__file__).resolve().parents[3] / "fixtures" / "samples"


@pytest.mark.parametrize(
    ("name", "fmt", "count"),
    [
        ("zotero_sample.ris", "ris", 4),
        ("embase_sample.ris", "ris", 1),
        ("pubmed_sample.nbib", "medline", 2),
        ("zotero_sample.bib", "bibtex", 2),
        ("endnote_sample.xml", "endnote_xml", 2),
        ("scopus_sample.csv", "csv", 2),
        ("wos_sample.ciw", "wos_tagged", 2),
        ("generic_sample.csv", "csv", 2),
    ],
)
def test_user_facing_sample_files_import(name, fmt, count):
    result = parse_path(SAMPLES / name)
    assert (result.format, len(result.records)) == (fmt, count)
