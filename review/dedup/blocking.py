"""Candidate pairs from cheap blocking keys, so cost grows about linearly.

A pair is scored only when the two records share at least one key. Several keys
per record give recall: a duplicate missed by one key (a typo at the start of the
title) is usually caught by another (the end of the title, the DOI, first author
and year). Oversized blocks ("Editorial", a shared supplement DOI) are not
compared all-against-all but as a sorted neighbourhood: each record only against
its nearest neighbours in title order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence

from .prepared import Prepared

MAX_BLOCK = 40
WINDOW = 10
_KEY_CHARS = 24


def keys_for(rec: Prepared) -> Iterator[str]:
    if rec.doi:
        yield "d" + rec.doi
    if rec.pmid:
        yield "p" + rec.pmid
    key = rec.title_key
    if len(key) >= 12:
        yield "t" + key[:_KEY_CHARS]
        yield "e" + key[-_KEY_CHARS:]
        # Word order and punctuation-glued words differ between databases;
        # the sorted long words survive both.
        yield "w" + "".join(sorted(t for t in rec.title_tokens if len(t) > 3))[:40]
    if rec.first_author and rec.year:
        yield f"a{rec.first_author}|{rec.year}"
    if rec.volume and rec.page and rec.year:
        yield f"v{rec.volume}|{rec.page}|{rec.year}"
    if len(rec.abstract) >= 80:
        yield "b" + rec.abstract[:80]


def candidate_pairs(records: Sequence[Prepared]) -> set[tuple[int, int]]:
    """Index pairs ``(i, j)`` with ``i < j`` that share a blocking key.

    Pairs where both records are ``existing`` are left out: those were
    de-duplicated when they were imported.
    """
    blocks: dict[str, list[int]] = defaultdict(list)
    for rec in records:
        for key in set(keys_for(rec)):
            blocks[key].append(rec.index)
    pairs: set[tuple[int, int]] = set()
    for members in blocks.values():
        if len(members) < 2:
            continue
        if len(members) <= MAX_BLOCK:
            for x, i in enumerate(members):
                for j in members[x + 1 :]:
                    pairs.add((i, j) if i < j else (j, i))
        else:
            ordered = sorted(members, key=lambda k: records[k].title_key)
            for x, i in enumerate(ordered):
                for j in ordered[x + 1 : x + 1 + WINDOW]:
                    pairs.add((i, j) if i < j else (j, i))
    return {p for p in pairs if not (records[p[0]].existing and records[p[1]].existing)}
