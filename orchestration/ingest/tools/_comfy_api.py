"""Generation parameters from a ComfyUI API graph (the ``prompt`` chunk).

Which sampler describes the image: samplers fed by another sampler (a refiner, a hires or
upscale pass, panels conditioned on a reference render) are later passes, so the candidates are
the *final* samplers, those no other sampler consumes; the first of them (in graph order) that
reaches a Save node wins. From it, the latent input is walked back to the first pass (the
sampler whose latent comes from an empty latent or a loaded image), whose seed, prompt and size
are what the artist chose; steps/cfg/sampler also come from that pass. A graph without any
sampler falls back to its text-encoder nodes (positive/negative told apart by node titles).
"""

from __future__ import annotations

from functools import lru_cache

from orchestration.ingest.records import GenerationMeta
from orchestration.ingest.tools import _coerce as co
from orchestration.ingest.tools._comfy_graph import Graph, resolve
from orchestration.ingest.tools._comfy_passes import read_passes

TOOL = "comfyui"
MAX_TEXTS = 64  # distinct texts kept per prompt (regional prompting uses a handful)
MAX_SAMPLERS = 32  # each costs one walk over its ancestors when choosing the final pass
_SAMPLER_HINTS = ("positive", "guider", "seed", "noise_seed", "noise")
_LATENT_KEYS = ("latent_image", "latent", "samples")
_SEED_KEYS = ("seed", "noise_seed")
_MODEL_KEYS = ("ckpt_name", "unet_name", "base_ckpt_name", "gguf_name", "model_name")
_TEXT_KEYS = frozenset(
    {
        "text",
        "text_g",
        "text_l",
        "clip_l",
        "clip_g",
        "t5xxl",
        "umt5xxl",
        "llama",
        "bert",
        "mt5xl",
        "prompt",
        "string",
        "value",
        "populated_text",
    }
)
# Inputs that never lead to prompt text: following them only costs budget and risks picking up
# another sampler's conditioning through a reference latent.
_NOT_TEXT_PATHS = frozenset(
    {
        "clip",
        "model",
        "vae",
        "control_net",
        "image",
        "pixels",
        "latent",
        "latent_image",
        "samples",
        "mask",
        "clip_vision",
        "clip_vision_output",
        "style_model",
        "upscale_model",
        "ipadapter",
        "noise",
        "sigmas",
        "sampler",
        "guider",
    }
)


def parse_api_graph(raw: dict[str, object]) -> GenerationMeta | None:
    """Read one API graph; None when it holds no ComfyUI nodes at all."""
    graph = Graph(raw)
    if not graph.nodes:
        return None
    samplers = [
        n
        for n, (_, inputs, _) in graph.nodes.items()
        if "latent_image" in inputs and any(k in inputs for k in _SAMPLER_HINTS)
    ][:MAX_SAMPLERS]
    if not samplers:
        meta = _without_sampler(graph)
        read_passes(graph, meta, samplers, None)
        return meta
    first = _first_pass(graph, _final_sampler(graph, samplers), set(samplers))
    graph.refill()
    meta = _read_sampler(graph, first, set(samplers))
    read_passes(graph, meta, samplers, first)
    return meta


def _final_sampler(graph: Graph, samplers: list[str]) -> str:
    """The first sampler no other sampler consumes, preferring one that reaches a Save node."""
    if len(samplers) == 1:
        return samplers[0]  # what follows can only choose among several
    sampler_set = set(samplers)
    upstream: set[str] = set()
    for sampler in samplers:
        starts = [t for _, t in graph.links(sampler)]
        reached = graph.walk(starts, stop=sampler_set.__contains__)
        upstream.update(n for n in reached if n in sampler_set and n != sampler)
    finals = [s for s in samplers if s not in upstream] or samplers
    for marker in ("save", "preview"):
        outputs = [n for n in graph.nodes if marker in graph.class_type(n).lower()]
        if outputs:
            feeding = set(graph.walk(outputs))
            for sampler in finals:
                if sampler in feeding:
                    return sampler
    return finals[0]


def _first_pass(graph: Graph, sampler: str, sampler_set: set[str]) -> str:
    """Walk latent inputs back from ``sampler`` to the pass that started from noise."""
    current, seen = sampler, {sampler}
    while len(sampler_set) > 1:
        starts = [t for _, t in graph.links(current, _LATENT_KEYS)]
        reached = graph.walk(starts, stop=sampler_set.__contains__)
        previous = next((n for n in reached if n in sampler_set and n not in seen), None)
        if previous is None:
            return current
        seen.add(previous)
        current = previous
    return current


def _companion(
    graph: Graph, sampler: str, via: tuple[str, ...], keys: tuple[str, ...], stop: set[str]
) -> object | None:
    """A parameter of the sampler itself or of its noise/guider/sampler/sigmas helper nodes."""
    value = resolve(graph, sampler, keys)
    if value is not None or not via:
        return value
    targets = graph.targets(sampler)
    starts = [targets[name] for name in via if name in targets]
    for node_id in graph.walk(starts, stop=stop.__contains__):
        if node_id in stop:
            continue
        value = resolve(graph, node_id, keys)
        if value is not None:
            return value
    return None


def _read_sampler(graph: Graph, sampler: str, sampler_set: set[str]) -> GenerationMeta:
    targets = graph.targets(sampler)
    guiders = [targets["guider"]] if "guider" in targets else []
    stops = sampler_set.union(
        [n for n, node in graph.nodes.items() if node[0] == "ConditioningZeroOut"]
    )
    positive, guidance = _prompt(graph, sampler, guiders, "positive", stops)
    negative, _ = _prompt(graph, sampler, guiders, "negative", stops)
    width, height = _size(graph, sampler, sampler_set)
    meta = GenerationMeta(
        tool=TOOL,
        prompt=positive,
        negative_prompt=negative,
        seed=co.to_seed(_companion(graph, sampler, ("noise",), _SEED_KEYS, sampler_set)),
        steps=co.to_steps(_companion(graph, sampler, ("sigmas",), ("steps",), sampler_set)),
        cfg_scale=co.to_cfg(_companion(graph, sampler, ("guider",), ("cfg",), sampler_set)),
        sampler=co.to_label(
            _companion(graph, sampler, ("sampler",), ("sampler_name",), sampler_set)
        ),
        scheduler=co.to_label(_companion(graph, sampler, ("sigmas",), ("scheduler",), sampler_set)),
        model=_model(graph, [sampler, *guiders]),
        width=width,
        height=height,
    )
    meta.extra["sampler_node"] = graph.nodes[sampler][0]
    if len(sampler_set) > 1:
        meta.extra["sampler_count"] = str(len(sampler_set))
    denoise = _companion(graph, sampler, ("sigmas",), ("denoise",), sampler_set)
    denoise = co.to_float(denoise, 0.0, 1.0)
    if denoise is not None and denoise < 1.0:
        meta.extra["denoise"] = f"{denoise:g}"
    if guidance is not None:
        meta.extra["guidance"] = f"{guidance:g}"
    return meta


def _prompt(
    graph: Graph, sampler: str, guiders: list[str], role: str, stops: set[str]
) -> tuple[str | None, float | None]:
    """The text feeding the sampler's positive/negative conditioning, and any Flux guidance.

    ``stops``: the nodes the walk does not pass (samplers, ConditioningZeroOut).
    """
    targets = graph.targets(sampler)
    starts = [targets[role]] if role in targets else []
    if not starts:
        keys = ("positive", "conditioning", "cond1") if role == "positive" else ("negative",)
        starts = [t for g in guiders for _, t in graph.links(g, keys)]
    opposite = "negative" if role == "positive" else "positive"
    nodes = graph.nodes
    texts: list[str] = []
    guidance: float | None = None
    for node_id in graph.walk(starts, follow=_FOLLOWS[opposite], stop=stops.__contains__):
        if node_id in stops:
            continue
        texts.extend(_node_texts(graph, node_id, opposite))
        if guidance is None and nodes[node_id][0] == "FluxGuidance":
            guidance = co.to_cfg(resolve(graph, node_id, ("guidance",)))
    return _join(texts), guidance


class _Follows(dict[str, bool]):
    """Input name -> whether a prompt walk follows it, away from the ``opposite`` role.

    Looked up as ``__getitem__``: a known name costs no Python call (most walks' links).
    """

    __slots__ = ("opposite",)

    def __init__(self, opposite: str) -> None:
        super().__init__()
        self.opposite = opposite

    def __missing__(self, name: str) -> bool:
        follows = name not in _NOT_TEXT_PATHS and self.opposite not in name.lower()
        if len(self) < _MAX_NAMES:  # (hostile graphs may name inputs without end)
            self[name] = follows
        return follows


_MAX_NAMES = 4096
_FOLLOWS = {role: _Follows(role).__getitem__ for role in ("negative", "positive")}


@lru_cache(maxsize=4096)
def _reads_text(key: str, opposite: str) -> bool:
    """Whether ``_node_texts`` reads the input ``key`` as prompt text."""
    lowered = key.lower()
    if opposite and opposite in lowered:
        return False
    is_text = lowered in _TEXT_KEYS or lowered.startswith("text") or "prompt" in lowered
    return is_text or lowered in ("positive", "negative")


def _node_texts(graph: Graph, node_id: str, opposite: str = "") -> list[str]:
    inputs = graph.inputs(node_id)
    found = []
    for key, value in inputs.items():
        if not _reads_text(key, opposite):  # (``wildcard_text`` is never read)
            continue
        text = co.to_text(value)
        if text is not None:
            found.append(text)
    return found


def _join(texts: list[str]) -> str | None:
    """Distinct texts in walk order; several (area prompts, text_g/text_l) one per line."""
    if len(texts) == 1:
        return texts[0]
    unique = list(dict.fromkeys(texts))[:MAX_TEXTS]
    return "\n".join(unique) if unique else None


def _size(graph: Graph, sampler: str, sampler_set: set[str]) -> tuple[int | None, int | None]:
    targets = graph.targets(sampler)
    starts = [targets[name] for name in _LATENT_KEYS if name in targets]
    for node_id in graph.walk(starts, stop=sampler_set.__contains__):
        if node_id in sampler_set:
            continue
        width = co.to_dimension(resolve(graph, node_id, ("width",)))
        height = co.to_dimension(resolve(graph, node_id, ("height",)))
        if width is not None and height is not None:
            return width, height
        for key in ("resolution", "dimensions"):
            size = co.parse_size(graph.inputs(node_id).get(key))
            if size[0] is not None and size[1] is not None:
                return size
    return None, None


@lru_cache(maxsize=4096)
def _follows_model(name: str) -> bool:
    return "model" in name.lower()


def _model(graph: Graph, starts: list[str]) -> str | None:
    """The checkpoint/UNet behind the sampler's model input (through LoRAs, patches…)."""
    firsts = [t for s in starts for name, t in graph.targets(s).items() if _follows_model(name)]
    for node_id in graph.walk(firsts, follow=_follows_model):
        name = co.to_label(resolve(graph, node_id, _MODEL_KEYS))
        if name is not None:
            return name
    loaders = {co.to_label(resolve(graph, n, ("ckpt_name", "unet_name"))) for n in graph.nodes} - {
        None
    }
    return loaders.pop() if len(loaders) == 1 else None


def _without_sampler(graph: Graph) -> GenerationMeta:
    """Text encoders only: titles such as 'CLIP Text Encode (Negative Prompt)' tell the roles."""
    positive: list[str] = []
    negative: list[str] = []
    for node_id in graph.nodes:
        if "textencode" not in graph.class_type(node_id).lower():
            continue
        target = negative if "negative" in graph.title(node_id).lower() else positive
        target.extend(_node_texts(graph, node_id))
    return GenerationMeta(
        tool=TOOL,
        prompt=_join(positive),
        negative_prompt=_join(negative),
        model=_model(graph, []),
    )
