"""Every real export under ../shared/test-data imports with the record count it holds.

Counts come from the test-data README where it gives one; where it does not (or is off),
they were checked by counting TY/PMID/PT lines, CSV rows (pandas) and XML <record>s.
The README's "IEEE RIS 1" is a miscount: ieee_example.ris separates its 25 records with bare
CRs, so a line-based count sees one line with TY.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from review.importers import ImportFileError, parse_file
from review.importers.records import ERR_NO_CONTENT

pytestmark = pytest.mark.shared_data

SHARED = Path(__file__).resolve().parents[3] / ".." / "shared" / "test-data"

COUNTS = {
    "asreview_demo/_baseline.ris": ("ris", 100),
    "asreview_demo/baseline_tag-notes_labels.ris": ("ris", 32),
    "asreview_demo/baseline_zotero.ris": ("ris", 100),
    "asreview_demo/embase.csv": ("csv", 6),
    "asreview_demo/embase.ris": ("ris", 6),
    "asreview_demo/embase_newpage.csv": ("csv", 6),
    "asreview_demo/faulty_year.ris": ("ris", 1),
    "asreview_demo/generic_labels.csv": ("csv", 6),
    "asreview_demo/generic_semicolon.csv": ("csv", 2),
    "asreview_demo/generic_tab.tsv": ("csv", 2),
    "asreview_demo/ovid_psycinfo.ris": ("ris", 6),
    "asreview_demo/ovid_zotero.ris": ("ris", 6),
    "asreview_demo/proquest.ris": ("ris", 6),
    "asreview_demo/pubmed_endnote.txt": ("ris", 6),
    "asreview_demo/pubmed_zotero.ris": ("ris", 6),
    "asreview_demo/ris_issue_1099.txt": ("ris", 7),
    "asreview_demo/ris_issue_992.txt": ("ris", 19),
    "asreview_demo/ris_many_authors.ris": ("ris", 1),
    "asreview_demo/scopus.ris": ("ris", 6),
    "asreview_demo/web_of_science.txt": ("ris", 10),
    "asysd_exports/endnote_ris_export.txt": ("ris", 69),
    "asysd_exports/mendeley_export.xml": ("endnote_xml", 1233),
    "asysd_exports/scopus.ris": ("ris", 10),
    "asysd_exports/wos_test.ris": ("ris", 50),
    "asysd_exports/zotero_export.bib": ("bibtex", 1000),
    "asysd_exports/zotero_export.csv": ("csv", 1233),
    "asysd_exports/zotero_export.ris": ("ris", 1000),
    "asysd_exports/zotero_export.xml": ("endnote_xml", 1233),
    "bibliometrix/lens_sample.csv": ("csv", 8),
    "bibliometrix/openalex_sample.csv": ("csv", 8),
    "bibliometrix/scopus_sample.csv": ("csv", 8),
    "bibliometrix/wos_sample.txt": ("wos_tagged", 8),
    "citesource/1_WoS.ris": ("ris", 219),
    "citesource/new_stage_data/Dimensions_246.ris": ("ris", 246),
    "citesource/new_stage_data/econlit_3.ris": ("ris", 3),
    "citesource/new_stage_data/envindex_100.ris": ("ris", 100),
    "citesource/new_stage_data/final_24.ris": ("ris", 24),
    "citesource/new_stage_data/lens_343.ris": ("ris", 343),
    "citesource/new_stage_data/medline_84.ris": ("ris", 84),
    "citesource/new_stage_data/screened_128.ris": ("ris", 128),
    "citesource/new_stage_data/wos_278.ris": ("ris", 278),
    "citesource/topic_data/20221207_gambling-harms_crimjust_41.ris": ("ris", 41),
    "citesource/topic_data/20221207_gambling-harms_lens_49.ris": ("ris", 49),
    "citesource/topic_data/20221207_gambling-harms_psycinfo_124.ris": ("ris", 124),
    "citesource/topic_data/20221207_gambling-harms_pubmed_176.ris": ("ris", 176),
    "citesource/topic_data/20221207_gambling-harms_scopus_255.ris": ("ris", 255),
    "citesource/valid_data/WoS_79.ris": ("ris", 79),
    "citesource/valid_data/benchmark.ris": ("ris", 13),
    "citesource/valid_data/psycinfo_64.ris": ("ris", 64),
    "citesource/valid_data/pubmed_46.ris": ("ris", 46),
    "litstudy/ieee.csv": ("csv", 10),
    "litstudy/ieee_example.ris": ("ris", 25),
    "litstudy/scopus.csv": ("csv", 58),
    "litstudy/springer.csv": ("csv", 18),
    "misc/kwok2020_included_embase_ris.txt": ("ris", 120),
    "misc/schoot_ptsd_included_2_scopus.ris": ("ris", 38),
    "revtools_restoration/avian_ecology_bibliography.ris": ("ris", 20),
    "revtools_restoration/restoration_WoS.ciw": ("wos_tagged", 247),
    "revtools_restoration/restoration_pubmed.nbib": ("medline", 104),
    "revtools_restoration/restoration_scopus.ris": ("ris", 286),
    "rispy/example_basic.ris": ("ris", 1),
    "rispy/example_bom.ris": ("ris", 1),
    "rispy/example_custom_list_tags.ris": ("ris", 1),
    "rispy/example_empty_tag.ris": ("ris", 1),
    "rispy/example_extraneous_data.ris": ("ris", 2),
    "rispy/example_full.ris": ("ris", 2),
    "rispy/example_full_without_whitespace.ris": ("ris", 2),
    "rispy/example_full_write.ris": ("ris", 2),
    "rispy/example_multi_unknown_tags.ris": ("ris", 1),
    "rispy/example_multiline.ris": ("ris", 3),
    "rispy/example_single_unknown_tag.ris": ("ris", 1),
    "rispy/example_starting_newlines.ris": ("ris", 1),
    "rispy/example_urls.ris": ("ris", 4),
    "rispy/example_utf_chars.ris": ("ris", 1),
    "rispy/example_wos.ris": ("wos_tagged", 2),
    "synthesisr/ASP_ris_example.ris": ("ris", 4),
    "synthesisr/Ovid_ris_example.ris": ("ris", 4),
    "synthesisr/PubMed_example.txt": ("medline", 3),
    "synthesisr/Scopus_bib_example.bib": ("bibtex", 3),
    "synthesisr/Scopus_ris_example.ris": ("ris", 3),
    "synthesisr/WoS_ciw_example.ciw": ("wos_tagged", 5),
    "synthesisr/WoS_txt_example.txt": ("wos_tagged", 4),
    "synthesisr/citesource_issue_24.ris": ("ris", 17),
    "synthesisr/eviatlas.csv": ("csv", 1),
    "synthesisr/eviatlas.tsv": ("csv", 1),
    "synthesisr/eviatlas.txt": ("ris", 1),
    "synthesisr/litsearchr_bibtex.txt": ("bibtex", 1),
    "synthesisr/res_synth_methods_pubmed.txt": ("medline", 2),
    "synthesisr/scopus_92.ris": ("ris", 92),
    "synthesisr/zoorec_wos_tagged.txt": ("wos_tagged", 134),
}
OTHER_COUNTS = {
    "dedup/bond_iebh_endnote_xml/copper.xml": ("endnote_xml", 505),
    "dedup/bond_iebh_endnote_xml/tafenoquine.xml": ("endnote_xml", 179),
    "worked-example/references.ris": ("ris", 60),
}


def shared_path(relative: str) -> Path:
    path = SHARED / relative
    if not path.exists():
        pytest.skip(f"../shared/test-data is not beside this clone ({path} is absent)")
    return path


_CACHE: dict[str, object] = {}


def parsed(relative: str):
    if relative not in _CACHE:
        path = shared_path(relative)
        _CACHE[relative] = parse_file(path.read_bytes(), filename=path.name)
    return _CACHE[relative]


@pytest.mark.parametrize("relative", sorted(COUNTS))
def test_real_export_imports_with_its_record_count(relative):
    fmt, count = COUNTS[relative]
    result = parsed("formats/" + relative)
    assert (result.format, len(result.records)) == (fmt, count)
    assert not result.skipped


def test_rows_with_no_bibliographic_content_are_left_out_and_listed():
    # Four rows carry only "10.4"-style stubs, which are no DOI: skipped and listed even
    # without "skip bad records", while the ten rows with a title land.
    result = parsed("formats/asreview_demo/duplicate_records.csv")
    assert (result.format, len(result.records)) == ("csv", 10)
    assert [(p.position, p.reason) for p in result.skipped] == [(n, ERR_NO_CONTENT) for n in (11, 12, 13, 14)]


def test_a_file_of_empty_records_is_refused():
    # ASReview's list of every RIS reference type: each record is a type and a note only.
    path = shared_path("formats/asreview_demo/baseline_reference_types.ris")
    with pytest.raises(ImportFileError) as caught:
        parse_file(path.read_bytes(), filename=path.name)
    assert ERR_NO_CONTENT in caught.value.reason


@pytest.mark.parametrize("relative", sorted(OTHER_COUNTS))
def test_endnote_xml_and_worked_example_import(relative):
    fmt, count = OTHER_COUNTS[relative]
    result = parsed(relative)
    assert (result.format, len(result.records)) == (fmt, count)


def test_every_file_under_formats_is_counted():
    root = shared_path("formats")
    on_disk = {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}
    checked_elsewhere = {"asreview_demo/duplicate_records.csv", "asreview_demo/baseline_reference_types.ris"}
    assert on_disk == set(COUNTS) | checked_elsewhere


def test_detection_from_content_ignores_the_file_name():
    result = parse_file(
        shared_path("formats/synthesisr/eviatlas.txt").read_bytes(), filename="looks-like.csv"
    )
    assert result.format == "ris"


# One record per file family: exact values of the fields named.
EXPECTED = {
    ("formats/asysd_exports/endnote_ris_export.txt", 0): {
        "line": 1,
        "title": "Altered metabolism of familial Alzheimer's disease-linked amyloid precursor "
        "protein variants in yeast artificial chromosome transgenic mice",
        "year": 1997,
        "doi": "10.1093/hmg/6.9.1535",
        "journal": "Hum Mol Genet",
        "pages": "1535-41",
        "issn": ["0964-6906"],
    },
    ("formats/asysd_exports/wos_test.ris", 1): {
        "line": 39,
        "title": "Generalized progressive retinal atrophy in Cocker Spaniel dogs",
        "year": 2013,
        "doi": "10.1590/s0103-84782013005000101",
        "journal": "CIENCIA RURAL",
        "pages": "1405-1414",
        "issn": ["0103-8478", "1678-4596"],
    },
    ("formats/revtools_restoration/restoration_scopus.ris", 0): {
        "title": "LONG-TERM FOLLOW-UP OF RETINAL PIGMENT EPITHELIUM RESTORATION AFTER A TRIPLE "
        "TEAR",
        "year": 2019,
        "doi": "10.1097/icb.0000000000000530",
        "journal": "Retinal cases & brief reports",
        "pages": "5-9",
    },
    ("formats/revtools_restoration/restoration_pubmed.nbib", 0): {
        "line": 2,
        "pmid": "30689646",
        "title": "Ecosystem services changes between 2000 and 2015 in the Loess Plateau, China: "
        "A response to ecological restoration.",
        "authors": ["Wu, Dan", "Zou, Changxin", "Cao, Wei", "Xiao, Tong", "Gong, Guoli"],
        "year": 2019,
        "doi": "10.1371/journal.pone.0209483",
        "journal": "PloS one",
        "pages": "e0209483",
        "issn": ["1932-6203"],
    },
    ("formats/revtools_restoration/restoration_WoS.ciw", 0): {
        "line": 3,
        "title": "Do magnetic phosphorus adsorbents used for lake restoration impact on "
        "zooplankton community?",
        "authors": [
            "Alvarez-Manzaneda, I.",
            "Guerreroc, F.",
            "del Arco, I.",
            "Funes, A.",
            "Cruz-Pizarro, L.",
            "de Vicente, I.",
        ],
        "doi": "10.1016/j.scitotenv.2018.11.375",
        "pmid": "30529964",
        "pages": "598-607",
        "issn": ["0048-9697", "1879-1026"],
    },
    ("formats/synthesisr/Ovid_ris_example.ris", 0): {
        "line": 2,
        "title": "Detection of retention trees on clearcuts, a 50-year perspective.",
        "doi": "10.4236/ojf.2020.101008",
        "journal": "Open Journal of Forestry",
        "pages": "110-123",
        "issn": ["2163-0429"],
    },
    ("formats/synthesisr/ASP_ris_example.ris", 0): {
        "authors": [
            "Rodríguez-Pastor, Ruth",
            "Luque-Larena, Juan José",
            "Lambin, Xavier",
            "Mougeot, François",
        ],
        "year": 2016,
        "issn": ["0167-8809"],
        "pages": "206-217",
    },
    ("formats/synthesisr/zoorec_wos_tagged.txt", 0): {
        "line": 3,
        "title": "Nest site selection and nest survival of Black-backed Woodpeckers after "
        "wildfire.",
        "authors": [
            "Stillman, Andrew N.",
            "Siegel, Rodney B.",
            "Wilkerson, Robert L.",
            "Johnson, Matthew",
            "Howell, Christine A.",
            "Tingley, Morgan W.",
        ],
        "journal": "Condor",
        "issn": ["0010-5422"],
    },
    ("formats/synthesisr/PubMed_example.txt", 0): {
        "pmid": "28441597",
        "doi": "10.1016/j.scitotenv.2017.04.075",
        "pages": "188-197",
        "issn": ["1879-1026", "0048-9697"],
        "journal": "The Science of the total environment",
    },
    ("formats/asreview_demo/embase.ris", 0): {
        "title": "Duplication cysts: Diagnosis, management, and the role of endoscopic ultrasound",
        "authors": ["Liu, R.", "Adler, D.G."],
        "doi": "10.4103/2303-9027.138783",
        "issn": ["2226-7190"],
        "pages": "152-160",
    },
    ("formats/asreview_demo/embase.csv", 0): {
        "title": "Duplication cysts: Diagnosis, management, and the role of endoscopic ultrasound",
        "authors": ["Liu, R.", "Adler, D.G."],
        "doi": "10.4103/2303-9027.138783",
        "journal": "Endoscopic Ultrasound",
        "volume": "3",
        "issue": "3",
        "pages": "152-160",
        "year": 2014,
    },
    ("formats/asreview_demo/proquest.ris", 0): {
        "doi": "10.1002/jts.22387",
        "journal": "Journal of Traumatic Stress",
        "issn": ["0894-9867"],
    },
    ("formats/litstudy/springer.csv", 0): {
        # Springer runs author names together with no separator: kept as one string.
        "authors": ["Araz R. AlievNigar T. Ismayilova"],
        "doi": "10.1007/978-3-030-92127-9_33",
        "publication_type": "book_section",
    },
    ("formats/bibliometrix/openalex_sample.csv", 0): {
        "title": "bibliometrix : An R-tool for comprehensive science mapping analysis",
        "authors": ["Massimo Aria", "Corrado Cuccurullo"],
        "doi": "10.1016/j.joi.2017.08.007",
        "year": 2017,
    },
    ("formats/bibliometrix/lens_sample.csv", 0): {
        "doi": "10.1007/s10669-020-09792-x",
        "pmid": "33251087",
        "pages": "1-12",
        "issn": ["2194-5411", "2194-5403"],
    },
    ("formats/bibliometrix/scopus_sample.csv", 0): {
        "authors": ["Liu, Fengyuan", "Li, Chunyun", "Liu, Yong", "Li, Yufei"],
        "doi": "10.1177/20552076261415846",
        "issn": ["2055-2076"],
    },
    ("formats/bibliometrix/wos_sample.txt", 0): {
        "authors": ["Toh, Ming Liang"],
        "doi": "10.1080/00396265.2026.2635057",
        "issn": ["0039-6265", "1752-2706"],
    },
    ("formats/citesource/valid_data/WoS_79.ris", 0): {
        "title": "Marital Status and Problem Gambling among Older Adults: An Examination of "
        "Social Context and Social Motivations",
        "doi": "10.1017/s071498081800017x",
        "pages": "318-332",
    },
    ("formats/misc/kwok2020_included_embase_ris.txt", 0): {
        "doi": "10.1007/s11262-017-1464-9",
        "pages": "593-602",
        "issn": ["1572-994X", "0920-8569"],
    },
    ("formats/synthesisr/Scopus_bib_example.bib", 0): {
        "line": 2,
        "doi": "10.1080/20964129.2020.1722034",
        "journal": "Ecosystem Health and Sustainability",
    },
    ("formats/asysd_exports/zotero_export.csv", 0): {
        "line": 2,
        "title": "Myoclonus in older Cavalier King Charles Spaniels.",
        "authors": ["Rotter, Carina", "Whittaker, Danielle", "Rusbridge, Clare"],
        "year": 2022,
        "doi": "10.1111/jvim.16404",
        "pmid": "35319117",
        "pages": "1032-1038",
        "issn": ["1939-1676", "0891-6640"],
    },
    ("dedup/bond_iebh_endnote_xml/copper.xml", 0): {
        "line": None,
        "title": "Zinc, copper, CD4 T-cell count and some hematological parameters of "
        "HIV-infected subjects in Southern Nigeria",
        "doi": "10.1016/j.imr.2018.01.008",
        "pages": "53-60",
    },
    ("formats/citesource/new_stage_data/medline_84.ris", 0): {
        # Ovid MEDLINE keeps the PMID only in its link (...&D=medp&...&AN=39012781).
        "pmid": "39012781",
        "doi": "10.2337/dc24-0703",
        "journal": "Diabetes care",
    },
    ("worked-example/references.ris", 0): {
        "title": "Intravenous immunoglobulins as first-line treatment in idiopathic "
        "inflammatory myopathies: a pilot study",
        "doi": "10.1093/rheumatology/keaa459",
        "year": 2020,
    },
}


@pytest.mark.parametrize(("relative", "index"), sorted(EXPECTED))
def test_real_record_fields(relative, index):
    record = parsed(relative).records[index]
    expected = EXPECTED[(relative, index)]
    assert {key: getattr(record, key) for key in expected} == expected


def test_endnote_xml_splits_cr_separated_database_names():
    records = parsed("dedup/bond_iebh_endnote_xml/copper.xml").records
    databases = {tuple(r.extra.get("database", ())) for r in records}
    assert ("Embase", "Medline") in databases
    assert sum(r.extra.get("caption") == "Duplicate" for r in records) == 281


def test_wos_ris_bare_crs_are_line_breaks_not_lost_text():
    records = parsed("formats/citesource/valid_data/WoS_79.ris").records
    assert all("\r" not in r.raw and "\r" not in r.abstract for r in records)
    assert sum(bool(r.abstract) for r in records) > 70


def test_ris_with_seven_thousand_authors_keeps_them_all():
    (record,) = parsed("formats/asreview_demo/ris_many_authors.ris").records
    assert len(record.authors) == 7456


def test_embase_ris_multiline_address_does_not_leak_into_other_fields():
    for record in parsed("formats/misc/kwok2020_included_embase_ris.txt").records:
        assert "\n" not in record.title and "\n" not in record.journal


def _key(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", title.lower())


class TestSameResultSetAcrossFormats:
    """ASySD's PubMed result set exported from Zotero as CSV, RIS, BibTeX and EndNote XML,
    and from Mendeley as EndNote XML."""

    def test_zotero_csv_and_xml_agree_record_by_record(self):
        csv = parsed("formats/asysd_exports/zotero_export.csv").records
        xml = parsed("formats/asysd_exports/zotero_export.xml").records
        for a, b in zip(csv, xml, strict=True):
            # Zotero writes the PMID into the CSV's Extra column but not into its XML.
            assert (a.title, a.doi, a.authors, a.year, a.pages, a.issn, a.journal) == (
                b.title,
                b.doi,
                b.authors,
                b.year,
                b.pages,
                b.issn,
                b.journal,
            )

    def test_mendeley_xml_holds_the_same_dois_and_titles(self):
        csv = parsed("formats/asysd_exports/zotero_export.csv").records
        mendeley = parsed("formats/asysd_exports/mendeley_export.xml").records
        assert {r.doi for r in mendeley} == {r.doi for r in csv}
        assert {r.title for r in mendeley} == {r.title for r in csv}
        by_doi = {r.doi: r for r in csv if r.doi}
        for record in mendeley:
            if record.doi in by_doi:
                assert record.pmid == by_doi[record.doi].pmid

    def test_zotero_ris_and_bibtex_agree_record_by_record(self):
        ris = parsed("formats/asysd_exports/zotero_export.ris").records
        bib = parsed("formats/asysd_exports/zotero_export.bib").records
        for a, b in zip(ris, bib, strict=True):
            assert (a.title, a.doi, a.authors, a.year, a.pages, a.volume) == (
                b.title,
                b.doi,
                b.authors,
                b.year,
                b.pages,
                b.volume,
            )

    def test_ris_and_bibtex_dois_present_in_the_csv_are_the_same_records(self):
        # The RIS/BibTeX 1,000 were exported from the Web of Science copy of the search, so
        # titles differ in case and final full stop; DOIs and normalised titles must match.
        csv = parsed("formats/asysd_exports/zotero_export.csv").records
        ris = parsed("formats/asysd_exports/zotero_export.ris").records
        title_by_doi = {r.doi: _key(r.title) for r in csv if r.doi}
        shared = [r for r in ris if r.doi in title_by_doi]
        assert len(shared) == 576
        matching = sum(_key(r.title) == title_by_doi[r.doi] for r in shared)
        assert matching / len(shared) > 0.9
