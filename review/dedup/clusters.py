"""Group "duplicate" edges into merge clusters without chaining.

Plain connected components would let one weak edge join two different papers
through a third record (A~B and B~C although A and C are clearly different).
Here clusters grow by the strongest edge first and two clusters join only if
*every* cross pair is at least plausible (decision duplicate or maybe, no
must-stay-apart rule): complete linkage at the "maybe" level, so no member of an
automatic cluster is a known non-duplicate of any other member. An edge refused
this way is handed back so it can go to the human queue instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

# Real duplicate sets rarely exceed a handful (one record per database searched);
# anything larger is a blocking accident and is better left to a human.
MAX_CLUSTER = 12


def build_clusters(
    edges: Iterable[tuple[int, int, float]],
    plausible: Callable[[int, int], bool],
) -> tuple[list[list[int]], list[tuple[int, int]]]:
    """Return ``(clusters, refused)``: clusters of >= 2 indices, refused edges."""
    owner: dict[int, int] = {}
    members: dict[int, list[int]] = {}
    refused: list[tuple[int, int]] = []
    for i, j, _score in sorted(edges, key=lambda e: (-e[2], e[0], e[1])):
        ci, cj = owner.get(i, i), owner.get(j, j)
        if ci == cj:
            continue
        left, right = members.get(ci, [i]), members.get(cj, [j])
        if len(left) + len(right) > MAX_CLUSTER or not all(
            plausible(x, y) for x in left for y in right if (x, y) != (i, j)
        ):
            refused.append((i, j))
            continue
        if len(left) < len(right):
            ci, cj, left, right = cj, ci, right, left
        merged = left + right
        members[ci] = merged
        members.pop(cj, None)
        for k in merged:
            owner[k] = ci
    return [sorted(m) for m in members.values() if len(m) > 1], refused
