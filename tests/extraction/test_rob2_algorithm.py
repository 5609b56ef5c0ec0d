"""RoB 2 domain and overall algorithms against the guidance's decision tables, exhaustively.

The tables below are transcribed independently of `extraction.instruments.rob2` from the
flowcharts of the RoB 2 full guidance (22 August 2019, effect of assignment to intervention):
each row lists the allowed answers per signalling question ("*" for any). Every combination
of answers must match exactly one row, and the implementation must give that row's judgement.
"""

import itertools

import pytest

from extraction.instruments import rob2

Y_ = {"Y", "PY"}
N_ = {"N", "PN"}
NI = {"NI"}
ANY = {"Y", "PY", "PN", "N", "NI"}
YNI = Y_ | NI
NNI = N_ | NI
L, S, H = "low", "some_concerns", "high"

D1 = (  # 1.1, 1.2, 1.3
    ((YNI, Y_, NNI), L),
    ((YNI, Y_, Y_), S),
    ((N_, Y_, ANY), S),
    ((ANY, NI, NNI), S),
    ((ANY, NI, Y_), H),
    ((ANY, N_, ANY), H),
)

# Domain 2 has two parts; "aware" is "both 2.1 and 2.2 N/PN" or "either Y/PY/NI".
D2_PART1 = (  # aware, 2.3, 2.4, 2.5
    (("both_no", ANY, ANY, ANY), L),
    (("either_yes", N_, ANY, ANY), L),
    (("either_yes", NI, ANY, ANY), S),
    (("either_yes", Y_, N_, ANY), S),
    (("either_yes", Y_, YNI, Y_), S),
    (("either_yes", Y_, YNI, NNI), H),
)
D2_PART2 = (  # 2.6, 2.7
    ((Y_, ANY), L),
    ((NNI, N_), S),
    ((NNI, YNI), H),
)
D2_COMBINE = {(L, L): L, (L, S): S, (S, L): S, (S, S): S,
              (H, L): H, (H, S): H, (H, H): H, (L, H): H, (S, H): H}

Q32 = {"Y", "PY", "PN", "N"}  # the guidance offers no NI for 3.2
D3 = (  # 3.1, 3.2, 3.3, 3.4
    ((Y_, Q32, ANY, ANY), L),
    ((NNI, Y_, ANY, ANY), L),
    ((NNI, N_, N_, ANY), L),
    ((NNI, N_, YNI, N_), S),
    ((NNI, N_, YNI, YNI), H),
)

D4 = (  # 4.1 .. 4.5
    ((Y_, ANY, ANY, ANY, ANY), H),
    ((NNI, Y_, ANY, ANY, ANY), H),
    ((NNI, N_, N_, ANY, ANY), L),
    ((NNI, N_, YNI, N_, ANY), L),
    ((NNI, N_, YNI, YNI, N_), S),
    ((NNI, N_, YNI, YNI, YNI), H),
    ((NNI, NI, N_, ANY, ANY), S),
    ((NNI, NI, YNI, N_, ANY), S),
    ((NNI, NI, YNI, YNI, N_), S),
    ((NNI, NI, YNI, YNI, YNI), H),
)

D5 = (  # 5.1, 5.2, 5.3
    ((Y_, N_, N_), L),
    ((NNI, N_, N_), S),
    ((ANY, Y_, ANY), H),
    ((ANY, NNI, Y_), H),
    ((ANY, NI, NNI), S),
    ((ANY, N_, NI), S),
)


def _lookup(table, values):
    hits = [result for pattern, result in table
            if all(v == p if isinstance(p, str) else v in p for v, p in zip(values, pattern, strict=True))]
    assert len(hits) == 1, f"{values} matches {len(hits)} rows of the transcribed table"
    return hits[0]


def _combinations(keys, domains=None):
    options = [sorted(domains.get(k, ANY)) if domains else sorted(ANY) for k in keys]
    for values in itertools.product(*options):
        yield dict(zip(keys, values, strict=True)), values


def _d2_expected(a):
    aware = "both_no" if a["2.1"] in N_ and a["2.2"] in N_ else "either_yes"
    part1 = _lookup(D2_PART1, (aware, a["2.3"], a["2.4"], a["2.5"]))
    part2 = _lookup(D2_PART2, (a["2.6"], a["2.7"]))
    return D2_COMBINE[(part1, part2)]


CASES = [
    ("d1", ["1.1", "1.2", "1.3"], rob2.judge_d1, lambda a, v: _lookup(D1, v), {}),
    ("d2", ["2.1", "2.2", "2.3", "2.4", "2.5", "2.6", "2.7"], rob2.judge_d2, lambda a, v: _d2_expected(a), {}),
    ("d3", ["3.1", "3.2", "3.3", "3.4"], rob2.judge_d3, lambda a, v: _lookup(D3, v), {"3.2": Q32}),
    ("d4", ["4.1", "4.2", "4.3", "4.4", "4.5"], rob2.judge_d4, lambda a, v: _lookup(D4, v), {}),
    ("d5", ["5.1", "5.2", "5.3"], rob2.judge_d5, lambda a, v: _lookup(D5, v), {}),
]


@pytest.mark.parametrize(("domain", "keys", "judge", "expected", "domains"), CASES, ids=[c[0] for c in CASES])
def test_every_combination_of_answers_gives_the_tabulated_judgement(domain, keys, judge, expected, domains):
    count = 0
    for answers, values in _combinations(keys, domains):
        assert judge(answers) == expected(answers, values), f"{domain} {answers}"
        count += 1
    assert count == len(list(itertools.product(*[domains.get(k, ANY) for k in keys])))


@pytest.mark.parametrize("judgements", list(itertools.product([L, S, H], repeat=5)))
def test_overall_is_low_only_when_all_low_and_high_when_any_high(judgements):
    expected = H if H in judgements else L if set(judgements) == {L} else S
    assert rob2.overall(dict(zip(["d1", "d2", "d3", "d4", "d5"], judgements, strict=True))) == expected


def test_no_information_is_not_an_answer_to_3_2():
    answers = {"3.1": "N", "3.2": "NI", "3.3": "N", "3.4": "N"}
    assert rob2.score(answers).domains["d3"] is None


def test_a_needed_conditional_question_answered_not_applicable_leaves_the_domain_open():
    assert rob2.score({"2.1": "Y", "2.2": "N", "2.3": "NA", "2.6": "Y"}).domains["d2"] is None


def test_questions_the_algorithm_skips_may_stay_unanswered():
    answers = {"1.1": "Y", "1.2": "Y", "1.3": "N", "2.1": "N", "2.2": "N", "2.6": "Y",
               "3.1": "Y", "4.1": "N", "4.2": "N", "4.3": "N", "5.1": "Y", "5.2": "N", "5.3": "N"}
    result = rob2.score(answers)
    assert result.domains == {"d1": L, "d2": L, "d3": L, "d4": L, "d5": L}
    assert result.overall == L


def test_score_reports_high_overall_when_one_domain_is_high():
    answers = {"1.1": "Y", "1.2": "N", "1.3": "N", "2.1": "N", "2.2": "N", "2.6": "Y",
               "3.1": "Y", "4.1": "N", "4.2": "N", "4.3": "N", "5.1": "Y", "5.2": "N", "5.3": "N"}
    assert rob2.score(answers).overall == H


ALL_LOW = {"1.1": "Y", "1.2": "Y", "1.3": "N", "2.1": "N", "2.2": "N", "2.6": "Y",
           "3.1": "Y", "4.1": "N", "4.2": "N", "4.3": "N", "5.1": "Y", "5.2": "N", "5.3": "N"}


def test_several_some_concerns_may_be_escalated_to_high_on_the_assessors_word():
    two_concerns = ALL_LOW | {"1.2": "NI", "5.1": "N"}
    assert rob2.score(two_concerns).overall == S
    assert rob2.score(two_concerns | {"overall.escalate": "Y"}).overall == H
    assert rob2.score(two_concerns | {"overall.escalate": "N"}).overall == S


def test_escalation_needs_at_least_two_domains_with_some_concerns():
    one_concern = ALL_LOW | {"5.1": "N"}
    assert rob2.score(one_concern | {"overall.escalate": "Y"}).overall == S
    assert rob2.score(ALL_LOW | {"overall.escalate": "Y"}).overall == L
