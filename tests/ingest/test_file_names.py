from datetime import UTC, date, datetime

import pytest

from orchestration.ingest.file_names import NameEvidence, read_name


@pytest.mark.parametrize(
    ("path", "tool", "expected"),
    [
        (
            "outputs/txt2img-images/2024-03-05/00012-1234567.png",
            "a1111",
            NameEvidence("outputs/txt2img-images/2024-03-05", day=date(2024, 3, 5), counter=12),
        ),
        (
            "txt2img-images/2024-03-05/00007-99-a red fox.png",
            "forge",
            NameEvidence("txt2img-images/2024-03-05", day=date(2024, 3, 5), counter=7),
        ),
        ("output/ComfyUI_00431_.png", "comfyui", NameEvidence("output", counter=431)),
        ("portrait_00002_.png", "comfyui", NameEvidence("", counter=2)),
        (
            "fooocus/outputs/2024-03-05/2024-03-05_14-32-11_8263.png",
            "fooocus",
            NameEvidence(
                "fooocus/outputs/2024-03-05",
                at=datetime(2024, 3, 5, 14, 32, 11, tzinfo=UTC),
                day=date(2024, 3, 5),
                counter=8263,
            ),
        ),
        (
            "raw/2024-03-05/174224-forest_spirit-1884623183.jpg",
            "swarmui",
            NameEvidence(
                "raw/2024-03-05",
                at=datetime(2024, 3, 5, 17, 42, 24, tzinfo=UTC),
                day=date(2024, 3, 5),
                counter=174224,
            ),
        ),
        (
            "Images/Text2Image/2024-03-05/205828_0065.png",
            "stability_matrix",
            NameEvidence(
                "Images/Text2Image/2024-03-05",
                at=datetime(2024, 3, 5, 20, 58, 28, tzinfo=UTC),
                day=date(2024, 3, 5),
                counter=65,
            ),
        ),
        ("jpg/sd-webui.jpg", "a1111", NameEvidence("jpg")),
        ("sol_a_lighthouse_6f1c1d2e_3.png", "midjourney", NameEvidence("", counter=3)),
    ],
)
def test_names_give_time_day_and_counter(path: str, tool: str, expected: NameEvidence) -> None:
    assert read_name(path, tool) == expected


def test_time_first_only_for_tools_that_name_files_so() -> None:
    # An A1111 counter in a date folder is a counter, not 17:42:24.
    evidence = read_name("2024-03-05/174224-1884623183.png", "a1111")
    assert evidence.at is None and evidence.counter == 174224
    assert evidence.day == date(2024, 3, 5)


@pytest.mark.parametrize(
    "path",
    ["2024-13-45/00001-1.png", "x/2024-02-30_25-61-61_1.png", "9999/00001-1.png"],
)
def test_impossible_dates_are_no_evidence(path: str) -> None:
    evidence = read_name(path, "fooocus")
    assert evidence.at is None and evidence.day is None
