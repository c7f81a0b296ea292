import numpy as np
from PIL import Image

from embeddings.pixel_signature import DIM, pixel_signature
from tests.embeddings.helpers import near_duplicate, picture


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b)


def test_signature_is_unit_float32_of_fixed_size() -> None:
    vector = pixel_signature(picture(1))
    assert vector.shape == (DIM,)
    assert vector.dtype == np.float32
    assert abs(np.linalg.norm(vector) - 1) < 1e-5


def test_near_duplicates_are_closer_than_different_pictures() -> None:
    original = pixel_signature(picture(3))
    variation = pixel_signature(near_duplicate(picture(3), seed=9))
    others = [pixel_signature(picture(seed)) for seed in range(10, 20)]
    assert cosine(original, variation) > 0.95
    assert cosine(original, variation) > max(cosine(original, o) for o in others) + 0.1


def test_size_and_format_do_not_change_the_signature_much() -> None:
    image = picture(5, size=(512, 384))
    small = image.resize((128, 96), Image.Resampling.LANCZOS)
    assert cosine(pixel_signature(image), pixel_signature(small)) > 0.98


def test_flat_and_grey_images_do_not_blow_up() -> None:
    grey = Image.new("RGB", (64, 64), (128, 128, 128))
    vector = pixel_signature(grey)
    assert np.isfinite(vector).all()
    assert abs(np.linalg.norm(vector) - 1) < 1e-5
