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

from orchestration.ingest.records import GenerationMeta
from orchestration.ingest.tools import _coerce as co
from orchestration.ingest.tools._comfy_graph import Graph, resolve
from orchestration.ingest.tools._comfy_passes import read_passes

TOOL = "comfyui"
MAX_TEXTS = 64  # distinct texts kept per prompt (regional prompting uses a handful)
MAX_SAMPLERS = 32  # each costs one walk over its ancestors when choosing the final pass
_SAMPLER_HINTS = ("positive", "guider", "seed", "noise_seed", "noise")
_LATENT_KEYS = ("latent_image", "latent", "samples")
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
    samplers = [n for n in graph.nodes if _is_sampler(graph, n)][:MAX_SAMPLERS]
    if not samplers:
        meta = _without_sampler(graph)
        read_passes(graph, meta, samplers, None)
        return meta
    first = _first_pass(graph, _final_sampler(graph, samplers), set(samplers))
    graph.refill()
    meta = _read_sampler(graph, first, set(samplers))
    read_passes(graph, meta, samplers, first)
    return meta


def _is_sampler(graph: Graph, node_id: str) -> bool:
    inputs = graph.inputs(node_id)
    return "latent_image" in inputs and any(k in inputs for k in _SAMPLER_HINTS)


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
    starts = [t for _, t in graph.links(sampler, via)]
    for node_id in graph.walk(starts, stop=stop.__contains__):
        if node_id in stop:
            continue
        value = resolve(graph, node_id, keys)
        if value is not None:
            return value
    return None


def _read_sampler(graph: Graph, sampler: str, sampler_set: set[str]) -> GenerationMeta:
    def param(keys: tuple[str, ...], via: tuple[str, ...]) -> object | None:
        return _companion(graph, sampler, via, keys, sampler_set)

    guiders = [t for _, t in graph.links(sampler, ("guider",))]
    positive, guidance = _prompt(graph, sampler, guiders, "positive", sampler_set)
    negative, _ = _prompt(graph, sampler, guiders, "negative", sampler_set)
    width, height = _size(graph, sampler, sampler_set)
    meta = GenerationMeta(
        tool=TOOL,
        prompt=positive,
        negative_prompt=negative,
        seed=co.to_seed(param(("seed", "noise_seed"), ("noise",))),
        steps=co.to_steps(param(("steps",), ("sigmas",))),
        cfg_scale=co.to_cfg(param(("cfg",), ("guider",))),
        sampler=co.to_label(param(("sampler_name",), ("sampler",))),
        scheduler=co.to_label(param(("scheduler",), ("sigmas",))),
        model=_model(graph, [sampler, *guiders]),
        width=width,
        height=height,
    )
    meta.extra["sampler_node"] = graph.class_type(sampler)
    if len(sampler_set) > 1:
        meta.extra["sampler_count"] = str(len(sampler_set))
    denoise = co.to_float(param(("denoise",), ("sigmas",)), 0.0, 1.0)
    if denoise is not None and denoise < 1.0:
        meta.extra["denoise"] = f"{denoise:g}"
    if guidance is not None:
        meta.extra["guidance"] = f"{guidance:g}"
    return meta


def _prompt(
    graph: Graph, sampler: str, guiders: list[str], role: str, sampler_set: set[str]
) -> tuple[str | None, float | None]:
    """The text feeding the sampler's positive/negative conditioning, and any Flux guidance."""
    starts = [t for _, t in graph.links(sampler, (role,))]
    if not starts:
        keys = ("positive", "conditioning", "cond1") if role == "positive" else ("negative",)
        starts = [t for g in guiders for _, t in graph.links(g, keys)]
    opposite = "negative" if role == "positive" else "positive"

    def follow(name: str) -> bool:
        return name not in _NOT_TEXT_PATHS and opposite not in name.lower()

    def stop(node_id: str) -> bool:
        return node_id in sampler_set or graph.class_type(node_id) == "ConditioningZeroOut"

    texts: list[str] = []
    guidance: float | None = None
    for node_id in graph.walk(starts, follow=follow, stop=stop):
        if stop(node_id):
            continue
        texts.extend(_node_texts(graph, node_id, opposite))
        if guidance is None and graph.class_type(node_id) == "FluxGuidance":
            guidance = co.to_cfg(resolve(graph, node_id, ("guidance",)))
    return _join(texts), guidance


def _node_texts(graph: Graph, node_id: str, opposite: str = "") -> list[str]:
    inputs = graph.inputs(node_id)
    found = []
    for key, value in inputs.items():
        lowered = key.lower()
        if opposite and opposite in lowered:
            continue
        if key == "wildcard_text" and co.to_text(inputs.get("populated_text")):
            continue  # the populated text is what was actually encoded
        is_text = lowered in _TEXT_KEYS or lowered.startswith("text") or "prompt" in lowered
        text = co.to_text(value) if is_text or lowered in ("positive", "negative") else None
        if text is not None:
            found.append(text)
    return found


def _join(texts: list[str]) -> str | None:
    """Distinct texts in walk order; several (area prompts, text_g/text_l) one per line."""
    unique = list(dict.fromkeys(texts))[:MAX_TEXTS]
    return "\n".join(unique) if unique else None


def _size(graph: Graph, sampler: str, sampler_set: set[str]) -> tuple[int | None, int | None]:
    starts = [t for _, t in graph.links(sampler, _LATENT_KEYS)]
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


def _model(graph: Graph, starts: list[str]) -> str | None:
    """The checkpoint/UNet behind the sampler's model input (through LoRAs, patches…)."""

    def follows_model(name: str) -> bool:
        return "model" in name.lower()

    firsts = [t for s in starts for name, t in graph.links(s) if follows_model(name)]
    for node_id in graph.walk(firsts, follow=follows_model):
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
