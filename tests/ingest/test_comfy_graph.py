"""The ComfyUI graph's node table, links and literal look-ups on the inputs hostile files give."""

from __future__ import annotations

from typing import Any

from orchestration.ingest.tools import _comfy_api as api
from orchestration.ingest.tools import _comfy_graph as cg


def _node(kind: object = "Primitive", **inputs: object) -> dict[str, Any]:
    return {"class_type": kind, "inputs": inputs}


def test_nodes_keep_the_first_max_nodes_valid_ones(monkeypatch) -> None:
    monkeypatch.setattr(cg, "MAX_NODES", 5)
    raw: dict[Any, Any] = {"bad": 3, "x": _node(kind=7)}  # refused: not counted
    raw.update({str(i): _node(value=i) for i in range(8)})
    graph = cg.Graph(raw)
    assert list(graph.nodes) == ["0", "1", "2", "3", "4"]
    assert cg.Graph({str(i): _node(value=i) for i in range(5)}).nodes.keys() == {
        "0",
        "1",
        "2",
        "3",
        "4",
    }
    ids = cg.Graph({1: _node(), "2": {"class_type": "K", "inputs": [1]}}).nodes
    assert ids == {"1": ("Primitive", {}, _node()), "2": ("K", {}, ids["2"][2])}


def test_links_point_only_at_nodes_that_exist() -> None:
    graph = cg.Graph(
        {
            "1": _node(a=["2", 0], b=[2, 0], c=("2", 1), d=["9", 0], e=["2", True], f=[1, 2, 3]),
            "2": _node(value=5),
        }
    )
    assert graph.targets("1") == {"a": "2", "b": "2", "c": "2"}
    assert graph.targets("missing") == {}
    assert graph.class_type("missing") == "" and graph.inputs("missing") == {}


def test_resolve_follows_links_to_a_literal_and_stops_at_the_budget() -> None:
    graph = cg.Graph(
        {
            "1": _node(seed=["2", 0], steps=20, cfg=[1.5, 2.5], sampler=["9", 0]),
            "2": _node(value=["3", 0]),
            "3": _node(int=42),
            "loop": _node(value=["loop", 0]),
            "4": _node(seed=["loop", 0], noise_seed=11),
        }
    )
    assert cg.resolve(graph, "1", ("seed",)) == 42
    assert cg.resolve(graph, "1", ("steps",)) == 20
    assert cg.resolve(graph, "1", ("cfg",)) == [1.5, 2.5]  # a list that is no link
    assert cg.resolve(graph, "1", ("sampler",)) is None  # a link to a missing node
    assert cg.resolve(graph, "4", ("seed", "noise_seed")) == 11  # the loop gives up after hops
    assert cg.resolve(graph, "missing", ("seed",)) is None
    graph.budget = 1
    assert cg.resolve(graph, "1", ("seed",)) is None  # one step: not enough for two hops
    assert cg.resolve(graph, "1", ("steps",)) is None  # spent: nothing more is read
    graph.refill()
    assert cg.resolve(graph, "1", ("steps",)) == 20


def test_node_texts_skip_the_opposite_role_and_the_wildcard_template() -> None:
    graph = cg.Graph(
        {
            "1": _node(
                "ImpactWildcardEncode",
                wildcard_text="a __animal__",
                populated_text="a fox",
                negative_prompt="blurry",
                clip=["2", 0],
                Positive="red",
            )
        }
    )
    assert api._node_texts(graph, "1", "negative") == ["a fox", "red"]
    assert api._node_texts(graph, "1") == ["a fox", "blurry", "red"]
    assert api._join(["a"]) == "a" and api._join(["a", "b", "a"]) == "a\nb"
    assert api._join([]) is None


def test_prompt_walks_follow_inputs_away_from_the_opposite_role(monkeypatch) -> None:
    monkeypatch.setattr(api, "_MAX_NAMES", 2)  # a full memo still answers, without storing
    follows = api._FOLLOWS["negative"]
    names = ["conditioning", "clip", "negative_cond", "Conditioning_To", "NEGATIVE", "cond1"]
    for name in names * 2:
        plain = name not in api._NOT_TEXT_PATHS and "negative" not in name.lower()
        assert follows(name) is plain
    assert api._FOLLOWS["positive"]("positive_cond") is False
    assert api._FOLLOWS["positive"]("negative") is True


def test_a_conditioning_zero_out_ends_the_negative_prompt_walk() -> None:
    graph = {
        "1": _node("EmptyLatentImage", width=512, height=512),
        "2": _node("CLIPTextEncode", text="a fox"),
        "3": _node("ConditioningZeroOut", conditioning=["2", 0]),
        "4": _node("KSampler", seed=1, positive=["2", 0], negative=["3", 0], latent_image=["1", 0]),
    }
    meta = api.parse_api_graph(graph)
    assert meta is not None
    assert (meta.prompt, meta.negative_prompt, meta.width) == ("a fox", None, 512)
