"""Field normalisation, and fuzzing: no input makes parse_file raise anything but
ImportFileError."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from review.importers import PUBLICATION_TYPES, ImportFileError, parse_file
from review.importers import normalise as norm
from review.importers.latex import latex_to_text


@pytest.mark.parametrize(
    ("given_value", "expected"),
    [
        ("10.1371/journal.pone.0209483 [doi]", "10.1371/journal.pone.0209483"),
        ("https://doi.org/10.1016/J.SCITOTENV.2018.11.375", "10.1016/j.scitotenv.2018.11.375"),
        ("http://dx.doi.org/10.4236/ojf.2020.101008", "10.4236/ojf.2020.101008"),
        ("doi:10.1002/jrsm.1411.", "10.1002/jrsm.1411"),
        ("DOI 10.1111/jvim.16404;", "10.1111/jvim.16404"),
        ("(10.5555/x.1)", "10.5555/x.1"),
        ("10.15598%2faeee.v16i3.2698", "10.15598/aeee.v16i3.2698"),
        ("(see doi:10.1016/S0140-6736(20)30183-5)", "10.1016/s0140-6736(20)30183-5"),
        ("10.1002/(SICI)1097-0258(199803)", "10.1002/(sici)1097-0258(199803)"),
        ("not a doi", ""),
        ("", ""),
    ],
)
def test_doi(given_value, expected):
    assert norm.doi(given_value) == expected


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (("0964-6906 (Print)0964-6906",), ["0964-6906"]),
        (("01678809",), ["0167-8809"]),
        (("2325-967x (electronic)",), ["2325-967X"]),
        (("0894-9867, 1573-6598",), ["0894-9867", "1573-6598"]),
        (("978-1-5386-7150-4",), []),
        (("9780123456786",), []),
        (("",), []),
    ],
)
def test_issns(values, expected):
    assert norm.issns(*values) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Shannon,Claude E.", "Shannon, Claude E."),
        ("Liu R.", "Liu, R."),
        ("Adler D.G.", "Adler, D.G."),
        ("Wu D", "Wu, D."),
        ("G. Kalbe", "Kalbe, G."),
        ("Parkes-Loach, PS", "Parkes-Loach, P. S."),
        ("Stillman, Andrew N. (andrew.stillman@uconn.edu) ", "Stillman, Andrew N."),
        ("Claude E. Shannon", "Claude E. Shannon"),
        ("  de  Vicente,   I. ", "de Vicente, I."),
        ("Smith, John, III", "Smith, John, III"),
    ],
)
def test_author(name, expected):
    assert norm.author(name) == expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("Liu R., Adler D.G.", ["Liu R.", "Adler D.G."]),
        ("Rotter, Carina", ["Rotter, Carina"]),
        ("Li, W.; Dou, Z.", ["Li, W.", "Dou, Z."]),
        ("Massimo Aria|Corrado Cuccurullo", ["Massimo Aria", "Corrado Cuccurullo"]),
        ("Deng, Chaoqun and Ravichandran, T.", ["Deng, Chaoqun", "Ravichandran, T."]),
        ("", []),
    ],
)
def test_split_authors(cell, expected):
    assert norm.split_authors(cell) == expected


@pytest.mark.parametrize(
    ("hints", "expected"),
    [
        (("Journal Article", "Review"), "review"),
        (("Conference Abstract", "JOUR"), "conference_abstract"),
        (("Published Erratum",), "erratum"),
        (("journalArticle",), "journal_article"),
        (("bookSection",), "book_section"),
        (("Article; Proceedings Paper",), "conference_paper"),
        (("Case Reports", "Journal Article"), "journal_article"),
        (("Short Survey",), "review"),
        (("Letter",), "letter"),
        (("THES",), "thesis"),
        (("RPRT",), "report"),
        (("Editorial",), "editorial"),
        (("Preprint",), "preprint"),
        (("Comment",), "comment"),
        (("BOOK",), "book"),
        (("",), "other"),
        (("Dataset",), "other"),
    ],
)
def test_publication_type(hints, expected):
    assert norm.publication_type(*hints) == expected


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (("2016/09//",), 2016),
        (("10 15",), None),
        (("", "2019 Mar"), 2019),
        (("c1998",), 1998),
        (("12345",), None),
    ],
)
def test_year(values, expected):
    assert norm.year(*values) == expected


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("123", "129", "123-129"),
        ("123\u2013129", "", "123-129"),
        ("1645--1654", "", "1645-1654"),
        ("405", "405", "405"),
        ("e0209483", "", "e0209483"),
        ("", "12", "12"),
    ],
)
def test_pages(start, end, expected):
    assert norm.pages(start, end) == expected


def test_find_pmid():
    assert norm.find_pmid("PMID: 31000003") == "31000003"
    assert norm.find_pmid("https://pubmed.ncbi.nlm.nih.gov/33251087") == "33251087"
    assert norm.find_pmid("123") == "123"
    assert norm.find_pmid("abc") == ""


def _parses_or_refuses(data: bytes, name: str) -> None:
    try:
        result = parse_file(data, filename=name)
    except ImportFileError as error:
        assert not error.reason.startswith("unexpected error"), error.reason
    else:
        assert result.records
        assert all(r.publication_type in PUBLICATION_TYPES for r in result.records)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_raise_another_exception(data):
    _parses_or_refuses(data, "fuzz.bin")


_LINES = st.sampled_from(
    [
        "TY  - JOUR",
        "ER  - ",
        "TI  - Title",
        "AU  - Roy, P.",
        "PY  - 20x9",
        "DO  - 10.1/x",
        "SP  - 5",
        "EP  - ",
        "KW  - k",
        "  continuation",
        "",
        "1.",
        "PMID- 12",
        "PMID- x1",
        "FAU - Roy, Priya",
        "AB  - text",
        "PT J",
        "ER",
        "EF",
        "FN Web",
        "@article{k,",
        "}",
        "title = {T},",
        "<xml>",
        "<record>",
        "</record>",
        "title,abstract",
        "a,b",
        "\u00e9\u00e8",
        "\r",
        "\t",
        "SN  - 1234-5678",
        "LID - 10.1/x [doi]",
    ]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_LINES, max_size=40), st.sampled_from(["utf-8", "utf-16", "cp1252"]))
def test_export_like_text_never_raises_another_exception(lines, encoding):
    _parses_or_refuses("\n".join(lines).encode(encoding, errors="replace"), "fuzz.txt")


@pytest.mark.parametrize(
    ("latex", "text"),
    [
        (
            r"{\"o}{\"{U}}ber \'e \`a \^i \~n \c{c} {\'\i} \v{s} \H{o} \k{a}",
            "öÜber é à î ñ ç í š ő ą",
        ),
        (r"\ss{} {\o} {\AA} \ae{} {\l}", "ß ø Å æ ł"),
        (r"50\% \& \$5 \# \_ \{x\}", "50% & $5 # _ {x}"),
        (r"The c.{126C} {\textgreater} {A}", "The c.126C > A"),
        (r"$\alpha$-synuclein and $\beta$ cells, $x^2$", "α-synuclein and β cells, x^2"),
        (r"\textit{in vivo} \emph{Canis} \textbf{bold}", "in vivo Canis bold"),
        (r"5~mg \unknownmacro{kept} {Cocker} {Spaniel}", "5\u00a0mg kept Cocker Spaniel"),
        ("plain text, no markup", "plain text, no markup"),
    ],
)
def test_latex_to_text(latex, text):
    assert latex_to_text(latex) == text
