"""Bounded, cycle-safe walks over a ComfyUI API graph (node id → {class_type, inputs}).

Graphs come from files, so they may be cyclic, reference missing nodes, or chain thousands of
nodes. Every walk here uses an explicit stack, a visited set and a shared step budget: a hostile
graph yields a partial answer, never a RecursionError or a hang.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

MAX_NODES = 10_000  # nodes read from one graph; the rest are ignored (real ones have hundreds)
STEP_BUDGET = 200_000  # node visits per phase of reading a graph (see Graph.refill)

Link = tuple[str, int]
_NO_INPUTS: dict[str, Any] = {}  # a dangling reference's inputs (never written to)
_SEQUENCES = (list, tuple)  # the types a link may have; any other input is a literal


class Graph:
    """An API graph with normalised ids and a visit budget shared by all walks.

    ``nodes`` maps a node id to ``(class_type, inputs, raw node)``: the readers index the tuple
    directly on their hot paths instead of calling ``class_type``/``inputs`` per look-up.
    """

    __slots__ = ("_links", "budget", "nodes")

    def __init__(self, raw: dict[str, Any]) -> None:
        nodes: dict[str, tuple[str, dict[str, Any], dict[str, Any]]] = {}
        capped = len(raw) > MAX_NODES  # else every node fits: no count to check
        for node_id, node in raw.items():
            if isinstance(node, dict):
                kind = node.get("class_type")
                if isinstance(kind, str):
                    inputs = node.get("inputs")
                    nodes[str(node_id)] = (kind, inputs if isinstance(inputs, dict) else {}, node)
                    if capped and len(nodes) >= MAX_NODES:  # (the next would be refused)
                        break
        self.nodes = nodes
        self.budget = STEP_BUDGET
        self._links: dict[str, dict[str, str]] = {}  # node id -> {input name: target id}

    def class_type(self, node_id: str) -> str:
        """The node's class_type, or '' for a dangling reference."""
        node = self.nodes.get(node_id)
        return node[0] if node else ""

    def inputs(self, node_id: str) -> dict[str, Any]:
        """The node's inputs ({} for a dangling reference)."""
        node = self.nodes.get(node_id)
        return node[1] if node else _NO_INPUTS

    def title(self, node_id: str) -> str:
        """The node's UI title (``_meta.title``), or ''."""
        node = self.nodes.get(node_id)
        return _title(node[2]) if node else ""

    def refill(self) -> None:
        """Start a new phase: choosing the sampler cannot starve reading its parameters."""
        self.budget = STEP_BUDGET

    def spend(self) -> bool:
        """Take one step from the budget; False once it is exhausted."""
        self.budget -= 1
        return self.budget >= 0

    def links(self, node_id: str, keys: Iterable[str] | None = None) -> list[tuple[str, str]]:
        """(input name, target node id) for the node's link inputs that point at existing nodes."""
        targets = self.targets(node_id)
        if keys is None:
            return list(targets.items())
        return [(name, targets[name]) for name in keys if name in targets]

    def targets(self, node_id: str) -> dict[str, str]:
        """{input name: target id} of the node's links; each node's inputs are read once."""
        targets = self._links.get(node_id)
        if targets is None:
            targets = {}
            nodes = self.nodes
            node = nodes.get(node_id)
            for name, value in node[1].items() if node else ():
                if not isinstance(value, _SEQUENCES):  # literals, most inputs: not a link
                    continue
                if type(value) is list and len(value) == 2:
                    target, slot = value
                    if type(target) is str and type(slot) is int:  # ["4", 0], as JSON has it
                        if target in nodes:  # (as_link's answer)
                            targets[name] = target
                        continue
                link = as_link(value)
                if link is not None and link[0] in nodes:
                    targets[name] = link[0]
            self._links[node_id] = targets
        return targets

    def walk(
        self,
        starts: Iterable[str],
        follow: Any = None,
        stop: Any = None,
    ) -> Iterator[str]:
        """Depth-first node ids reachable from ``starts`` in input order (starts included).

        ``follow(name)`` says whether a link input is followed; ``stop(node_id)`` says whether a
        reached node is yielded but not expanded. Both default to "everything".
        """
        nodes, cache = self.nodes, self._links
        stack = [s for s in reversed(list(starts)) if s in nodes]
        seen: set[str] = set()
        while stack:
            self.budget -= 1  # self.spend(), inline: this loop is the hot path of graph reading
            if self.budget < 0:
                break
            node_id = stack.pop()
            if node_id in seen:
                continue
            seen.add(node_id)
            yield node_id
            if stop is not None and stop(node_id):
                continue
            targets = cache.get(node_id)
            if targets is None:
                targets = self.targets(node_id)
            if not targets:
                continue
            if follow is None:
                nxt = list(targets.values())
            else:
                nxt = [t for name, t in targets.items() if follow(name)]
            for target in reversed(nxt):
                if target not in seen:
                    stack.append(target)


def as_link(value: object) -> Link | None:
    """``["4", 0]`` (or ``[4, 0]``) → ("4", 0); anything else is not a link."""
    if isinstance(value, (list, tuple)) and len(value) == 2:
        node, slot = value
        if isinstance(node, bool) or isinstance(slot, bool) or not isinstance(slot, int):
            return None
        if isinstance(node, str | int):
            return str(node), slot
    return None


def _title(node: dict[str, Any]) -> str:
    meta = node.get("_meta")
    title = meta.get("title") if isinstance(meta, dict) else None
    return title if isinstance(title, str) else ""


_VALUE_KEYS = ("value", "int", "float", "number", "Number", "seed", "noise_seed", "string", "text")
MAX_VALUE_HOPS = 32


def resolve(graph: Graph, node_id: str, keys: tuple[str, ...]) -> object | None:
    """The literal of the first input among ``keys``, following links to primitive nodes.

    A linked input usually points at a primitive/seed node that holds the value under the same
    name or under a generic one (``value``, ``int``, ``seed``…); hops are bounded. Each value
    looked at takes a step from the graph's budget; once it is spent, nothing is returned.
    """
    node = graph.nodes.get(node_id)
    if node is None:
        return None
    inputs = node[1]
    for key in keys:
        value = inputs.get(key)
        if value is None:
            continue
        graph.budget -= 1  # graph.spend(), inline: a few calls per input read
        if graph.budget < 0:
            return None  # (spent: every later look would fail too)
        if not isinstance(value, _SEQUENCES):  # a literal (as_link would say so)
            return value
        value = _through_links(graph, key, keys, value)
        if value is not None:
            return value
    return None


def _through_links(graph: Graph, key: str, wanted: tuple[str, ...], value: object) -> object:
    """``resolve`` past a list input: the literal it leads to, or None to try the next key."""
    hops = 0
    while True:
        link = as_link(value)
        if link is None:
            return value  # a list that is no link: the value itself
        node = graph.nodes.get(link[0])
        target = node[1] if node else _NO_INPUTS
        value = next(
            (target[k] for k in (key, *wanted, *_VALUE_KEYS) if target.get(k) is not None),
            None,
        )
        hops += 1
        if value is None or hops >= MAX_VALUE_HOPS:
            return None
        graph.budget -= 1
        if graph.budget < 0:
            return None
        if not isinstance(value, (list, tuple)):
            return value
