"""bib-dedupe in its own venv for the de-duplication benchmark (bench/bib_dedupe_runs.py).

The last test runs the real worker and needs the venv that ``python -m bench.bench_dedup``
builds in bench/out/bib-dedupe-venv; without it that test is skipped.
"""

import json
from pathlib import Path

import pytest

from bench import bib_dedupe_runs

REPO_ROOT = Path(__file__).resolve().parents[3]
SHARED = REPO_ROOT.parent / "shared" / "test-data" / "dedup"


def _record(id_, **fields):
    rec = {
        "id": id_, "title": "", "authors": [], "year": None, "journal": "", "volume": "",
        "issue": "", "pages": "", "doi": "", "abstract": "", "publication_type": "",
    }
    rec.update(fields)
    return rec


def test_rows_give_bib_dedupe_its_columns_as_strings():
    paper = _record(
        7, title="A trial", authors=["Smith, J", "Li, W"], year=2019, journal="BMJ",
        volume="3", issue="2", pages="1-9", doi="10.1/x",
    )
    talk = _record("c1", title="A talk", authors="Smith, J", journal="ICIS", publication_type="conference_paper")
    rows = bib_dedupe_runs.rows([paper, talk])
    assert rows[0] == {
        "ID": "7", "ENTRYTYPE": "article", "title": "A trial", "author": "Smith, J and Li, W",
        "year": "2019", "journal": "BMJ", "booktitle": "", "volume": "3", "number": "2",
        "pages": "1-9", "doi": "10.1/x", "abstract": "",
    }
    assert (rows[1]["ENTRYTYPE"], rows[1]["journal"], rows[1]["booktitle"], rows[1]["year"]) == (
        "inproceedings", "", "ICIS", "",
    )


def test_worker_output_comes_back_with_the_records_own_ids():
    records = [_record(i) for i in (1, 2, 3, 10)]
    output = {
        "versions": {"bib-dedupe": "0.11.0", "pandas": "2.3.3"},
        "seconds": 1.5,
        "clusters": [["10", "2"], ["3"]],
        "pairs": [["2", "10", "duplicate"], ["1", "3", "maybe"]],
    }
    result = bib_dedupe_runs.to_result(output, records, cached=False)
    assert [(c.representative, c.ids) for c in result.clusters] == [(10, (10, 2))]
    assert [(p.id_a, p.id_b) for p in result.review_queue] == [(1, 3)]
    assert (result.seconds, result.cached) == (1.5, False)


def test_cache_entry_is_read_back_for_the_same_records_only(tmp_path, monkeypatch):
    monkeypatch.setattr(bib_dedupe_runs, "CACHE", tmp_path)
    records = [_record(1, title="Same"), _record(2, title="Same")]
    payload = json.dumps({"records": bib_dedupe_runs.rows(records)}, sort_keys=True).encode()
    path = bib_dedupe_runs.cache_path("Tiny set as exported", payload)
    assert path.name.startswith("tiny-set-as-exported-")
    path.write_text(json.dumps(
        {"versions": {}, "seconds": 4.0, "clusters": [["1", "2"]], "pairs": [["1", "2", "duplicate"]]}
    ))
    result = bib_dedupe_runs.run(records, "Tiny set as exported")
    assert result.cached and result.seconds == 4.0
    assert [c.ids for c in result.clusters] == [(1, 2)]
    other = [_record(1, title="Same"), _record(2, title="Other")]
    other_payload = json.dumps({"records": bib_dedupe_runs.rows(other)}, sort_keys=True).encode()
    assert bib_dedupe_runs.cache_path("Tiny set as exported", other_payload) != path


def _venv_ready() -> bool:
    wanted = "\n".join(bib_dedupe_runs.REQUIREMENTS) + "\n"
    marker = bib_dedupe_runs.VENV / "installed.txt"
    return marker.exists() and marker.read_text() == wanted


@pytest.mark.shared_data
@pytest.mark.skipif(not SHARED.is_dir(), reason=f"labelled de-duplication sets not found at {SHARED}")
@pytest.mark.skipif(not _venv_ready(), reason=f"bib-dedupe's venv not built at {bib_dedupe_runs.VENV}")
def test_real_bib_dedupe_merges_one_pair_of_the_special_cases(tmp_path, monkeypatch):
    from bench import dedup_sets

    monkeypatch.setattr(bib_dedupe_runs, "CACHE", tmp_path)
    labelled = dedup_sets.load_special_cases()
    result = bib_dedupe_runs.run(labelled.records, "bib-dedupe special cases as exported")
    assert not result.cached and result.versions["bib-dedupe"] == bib_dedupe_runs.BIB_DEDUPE_VERSION
    assert result.versions["pandas"].split(".")[0] == "2"
    assert {frozenset(c.ids) for c in result.clusters} == {frozenset({"id_0000007", "id_0000011"})}
    assert any({p.id_a, p.id_b} == {"id_0000003", "id_0000004"} for p in result.review_queue)
    assert bib_dedupe_runs.run(labelled.records, "bib-dedupe special cases as exported").cached
    assert len(list(tmp_path.iterdir())) == 1


def test_queue_does_not_follow_the_order_bib_dedupe_emits_its_pairs_in():
    # Two "maybe" pairs between the same two clusters, with no scores to choose between them.
    records = [_record(i) for i in (1, 2, 3, 4)]
    pairs = [["1", "2", "duplicate"], ["3", "4", "duplicate"], ["2", "4", "maybe"], ["1", "3", "maybe"]]
    queues = []
    for order in (pairs, pairs[::-1]):
        output = {"versions": {}, "seconds": 0.0, "clusters": [["1", "2"], ["3", "4"]], "pairs": order}
        queues.append([(p.id_a, p.id_b) for p in bib_dedupe_runs.to_result(output, records, cached=True).review_queue])
    assert queues == [[(1, 3)], [(1, 3)]]
