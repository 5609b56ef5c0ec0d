"""manage.py screening_simulate: the output contract and clear errors for bad files."""

import csv

import pytest
from django.core.management import CommandError, call_command

from review.screening.simulation import read_labelled_csv, simulate
from tests.conftest import shared_path

TOPIC = "Intravenous immunoglobulin in dermatomyositis"


def _write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


def _labelled_csv(tmp_path, n_relevant=6, n_other=30, bom=True):
    lines = ["record_id,title,abstract,keywords,included"]
    for i in range(n_relevant + n_other):
        relevant = i % 6 == 0 and i // 6 < n_relevant
        title = f"{TOPIC} trial {i}" if relevant else f"Hospital costs of knee surgery, report {i}"
        abstract = "" if i % 5 == 0 else f'"Line one of abstract {i}.\r\nLine two, with ""quotes""."'
        keywords = "Myositis; Immunoglobulins" if relevant else "Arthroplasty"
        lines.append(f"{i},\"{title}\",{abstract},{keywords},{1 if relevant else 0}")
    return _write(tmp_path / "labelled.csv", ("\ufeff" if bom else "") + "\r\n".join(lines) + "\r\n")


def _read(path):
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def test_output_has_the_contracts_columns_and_one_row_per_record(tmp_path, capsys):
    source = _labelled_csv(tmp_path)
    out = tmp_path / "order.csv"
    call_command("screening_simulate", str(source), "--label-column", "included", "--seed", "3", "-o", str(out))
    rows = _read(out)
    assert rows[0] == ["step", "position", "label", "stop"]
    body = [[int(value) for value in row] for row in rows[1:]]
    assert [row[0] for row in body] == list(range(1, 37))
    assert sorted(row[1] for row in body) == list(range(1, 37))
    labels = read_labelled_csv(source, "included").labels
    assert all(row[2] == labels[row[1] - 1] for row in body)
    stops = [row[3] for row in body]
    assert stops == sorted(stops) and set(stops) <= {0, 1}
    assert "Screened 36 records (6 includes)" in capsys.readouterr().out


def test_output_is_the_pure_simulation(tmp_path):
    source = _labelled_csv(tmp_path)
    out = tmp_path / "order.csv"
    call_command(
        "screening_simulate", str(source), "--label-column", "included", "--seed", "8",
        "--prior-includes", "2", "--prior-excludes", "3", "--recall-target", "0.9", "-o", str(out),
    )
    labelled = read_labelled_csv(source, "included")
    expected = simulate(labelled.texts, labelled.labels, seed=8, prior_includes=2, prior_excludes=3, recall_target=0.9)
    assert [[int(v) for v in row] for row in _read(out)[1:]] == [list(row) for row in expected]


def test_reads_bom_crlf_inside_fields_missing_abstracts_and_keywords(tmp_path):
    labelled = read_labelled_csv(_labelled_csv(tmp_path), "included")
    assert len(labelled.texts) == 36
    assert labelled.texts[0] == f"{TOPIC} trial 0 Myositis; Immunoglobulins"
    assert labelled.texts[1] == (
        'Hospital costs of knee surgery, report 1 Line one of abstract 1.\r\nLine two, with "quotes". Arthroplasty'
    )


def test_missing_label_column_is_named(tmp_path):
    source = _labelled_csv(tmp_path)
    with pytest.raises(CommandError) as caught:
        call_command("screening_simulate", str(source), "--label-column", "label_included", "-o", str(tmp_path / "o.csv"))
    assert str(caught.value) == (
        f"{source}: no 'label_included' column (the columns are: record_id, title, abstract, keywords, included)."
    )


def test_missing_abstract_column_is_named(tmp_path):
    source = _write(tmp_path / "no_abstract.csv", "title,included\nA,1\nB,0\n")
    with pytest.raises(CommandError, match="no 'abstract' column"):
        call_command("screening_simulate", str(source), "--label-column", "included", "-o", str(tmp_path / "o.csv"))


@pytest.mark.parametrize("value", ["yes", "", "2", "0.5"])
def test_bad_label_names_the_row_and_the_value(tmp_path, value):
    source = _write(tmp_path / "bad.csv", f"title,abstract,included\nA,x,1\nB,y,0\nC,z,{value}\n")
    out = tmp_path / "o.csv"
    with pytest.raises(CommandError) as caught:
        call_command("screening_simulate", str(source), "--label-column", "included", "-o", str(out))
    assert str(caught.value) == f"{source}, row 4: the label column 'included' holds {value!r}; it must be 0 or 1."
    assert not out.exists()


def test_not_utf8_is_refused_clearly(tmp_path):
    source = _write(tmp_path / "latin.csv", "title,abstract,included\nCaf\u00e9,x,1\n", encoding="latin-1")
    with pytest.raises(CommandError, match="not UTF-8 text"):
        call_command("screening_simulate", str(source), "--label-column", "included", "-o", str(tmp_path / "o.csv"))


def test_missing_file_and_bad_options_are_refused(tmp_path):
    source = _labelled_csv(tmp_path)
    out = str(tmp_path / "o.csv")
    with pytest.raises(CommandError, match="no such file"):
        call_command("screening_simulate", str(tmp_path / "absent.csv"), "--label-column", "included", "-o", out)
    with pytest.raises(CommandError, match="--recall-target must be above 0 and at most 1; it is 1.5"):
        call_command("screening_simulate", str(source), "--label-column", "included", "--recall-target", "1.5", "-o", out)
    with pytest.raises(CommandError, match="--prior-includes cannot be negative"):
        call_command("screening_simulate", str(source), "--label-column", "included", "--prior-includes", "-1", "-o", out)
    with pytest.raises(CommandError, match="7 prior includes asked for, but the set has only 6 includes"):
        call_command("screening_simulate", str(source), "--label-column", "included", "--prior-includes", "7", "-o", out)


def test_real_set_with_crlf_inside_fields(tmp_path):
    source = shared_path("screening", "asreview_legacy", "Cohen_2006_Antihistamines.csv")
    out = tmp_path / "anti.csv"
    call_command("screening_simulate", str(source), "--label-column", "label_abstract_screening", "-o", str(out))
    rows = _read(out)[1:]
    assert len(rows) == 310 and sum(int(row[2]) for row in rows) == 92
