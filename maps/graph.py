"""The road graph with its shape nodes folded into chains, for fast shortest paths.

Most vertices of an OSM road only give it shape: they have exactly two neighbours. The
graph keeps every vertex (so a point snaps to the nearest one) but searches only over
junctions; each run of shape nodes between two junctions becomes one chain, a single
edge of the search graph whose cost is the sum of its segments. A query that starts or
ends on a chain enters the search at the chain's ends, or runs along the chain itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

BOTH, FORWARD = 0, 1


@dataclass
class Chain:
    """Junction ``nodes[0]`` to junction ``nodes[-1]`` through shape nodes."""

    nodes: list[int]
    classes: list[int]  # road class id per segment
    cum_m: list[float]  # metres from nodes[0] to nodes[i]
    direction: int  # BOTH, or FORWARD (only nodes[0] -> nodes[-1])
    cum_s: dict[str, list[float]] = field(default_factory=dict)  # per profile, seconds


Exit = tuple[int, float, float]  # junction, seconds, metres
_Inc = tuple[int, float, int, int, int]  # neighbour, metres, class, direction, edge id


class ChainGraph:
    """Junctions, chains between them, and where every node sits on a chain."""

    def __init__(self, n: int, edges: Iterable[tuple[int, int, float, int, int]]) -> None:
        """Args:
            n: number of nodes.
            edges: (from, to, metres, class id, oneway 1/0) per road segment.
        """
        # Undirected incidence: (neighbour, metres, class, dir, edge id) with dir +1 = out
        # only, -1 = in only, 0 = both ways.
        inc: list[list[_Inc]] = [[] for _ in range(n)]
        for eid, (u, v, m, c, oneway) in enumerate(edges):
            if u == v:
                continue
            inc[u].append((v, m, c, 1 if oneway else 0, eid))
            inc[v].append((u, m, c, -1 if oneway else 0, eid))
        self.used = [bool(row) for row in inc]
        self.junction = [self._is_junction(row) for row in inc]
        self.chains: list[Chain] = []
        self.where: list[tuple[int, int]] = [(-1, -1)] * n  # (chain, index) of shape nodes
        self._build(inc)

    @staticmethod
    def _is_junction(row: list[_Inc]) -> bool:
        if len(row) != 2 or row[0][0] == row[1][0]:
            return True
        d0, d1 = row[0][3], row[1][3]
        return not ((d0 == 0 and d1 == 0) or {d0, d1} == {1, -1})

    def _build(self, inc: list[list[_Inc]]) -> None:
        seen: set[int] = set()
        n = len(inc)

        def walk(start: int, first: _Inc) -> None:
            nodes, classes, cum = [start], [], [0.0]
            direction = first[3]
            cur, m, c, _, eid = first
            while True:
                seen.add(eid)
                nodes.append(cur)
                classes.append(c)
                cum.append(cum[-1] + m)
                if self.junction[cur]:
                    break
                nxt = inc[cur][0] if inc[cur][0][4] != eid else inc[cur][1]
                cur, m, c, _, eid = nxt
            if direction == -1:
                nodes.reverse()
                classes.reverse()
                total = cum[-1]
                cum = [total - x for x in reversed(cum)]
            chain_id = len(self.chains)
            self.chains.append(Chain(nodes, classes, cum, FORWARD if direction else BOTH))
            for i in range(1, len(nodes) - 1):
                self.where[nodes[i]] = (chain_id, i)

        for u in range(n):
            if self.junction[u] and inc[u]:
                for rec in inc[u]:
                    if rec[4] not in seen:
                        walk(u, rec)
        # Rings with no junction at all: make one node a junction and walk from it.
        for u in range(n):
            if inc[u] and not self.junction[u] and self.where[u] == (-1, -1):
                self.junction[u] = True
                for rec in inc[u]:
                    if rec[4] not in seen:
                        walk(u, rec)

    def seconds(self, chain: Chain, profile: str, speed: Sequence[float]) -> list[float]:
        """Cumulative seconds along a chain for a profile (speeds in m/s per class)."""
        cum = chain.cum_s.get(profile)
        if cum is None:
            cum = [0.0]
            for i, c in enumerate(chain.classes):
                cum.append(cum[-1] + (chain.cum_m[i + 1] - chain.cum_m[i]) / speed[c])
            chain.cum_s[profile] = cum
        return cum

    def adjacency(self, profile: str, speed: Sequence[float],
                  reverse: bool) -> list[list[tuple[int, float, float]]]:
        """Junction -> [(junction, seconds, metres)] over whole chains."""
        adj: list[list[tuple[int, float, float]]] = [[] for _ in self.junction]
        for chain in self.chains:
            a, b = chain.nodes[0], chain.nodes[-1]
            s = self.seconds(chain, profile, speed)[-1]
            m = chain.cum_m[-1]
            adj[b if reverse else a].append((a if reverse else b, s, m))
            if chain.direction == BOTH:
                adj[a if reverse else b].append((b if reverse else a, s, m))
        return adj

    def exits(self, node: int, profile: str, speed: Sequence[float],
              towards: bool) -> list[Exit]:
        """The junctions a node reaches (towards=False) or is reached from (towards=True)."""
        if self.junction[node]:
            return [(node, 0.0, 0.0)]
        ci, i = self.where[node]
        chain = self.chains[ci]
        cum_s = self.seconds(chain, profile, speed)
        head = (chain.nodes[0], cum_s[i], chain.cum_m[i])
        tail = (chain.nodes[-1], cum_s[-1] - cum_s[i], chain.cum_m[-1] - chain.cum_m[i])
        if chain.direction == BOTH:
            return [head, tail]
        # One-way chain runs head -> tail: a node is reached from the head, leaves to the tail.
        return [head] if towards else [tail]

    def along(self, a: int, b: int, profile: str,
              speed: Sequence[float]) -> tuple[float, float] | None:
        """Cost from node a to node b along one chain, when both lie on the same one."""
        if a == b:
            return 0.0, 0.0
        wa = self.where[a] if not self.junction[a] else None
        wb = self.where[b] if not self.junction[b] else None
        if wa is None and wb is None:
            return None
        ci = (wa or wb)[0]  # type: ignore[index]
        chain = self.chains[ci]
        ia = wa[1] if wa is not None else _index(chain, a)
        ib = wb[1] if wb is not None else _index(chain, b)
        if ia is None or ib is None or (wa is not None and wa[0] != ci) or (
                wb is not None and wb[0] != ci):
            return None
        if ib < ia and chain.direction != BOTH:
            return None
        cum_s = self.seconds(chain, profile, speed)
        return abs(cum_s[ib] - cum_s[ia]), abs(chain.cum_m[ib] - chain.cum_m[ia])


def _index(chain: Chain, node: int) -> int | None:
    if chain.nodes[0] == node:
        return 0
    if chain.nodes[-1] == node:
        return len(chain.nodes) - 1
    return None
