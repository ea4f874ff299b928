"""The sentence encoder, the semantic index and its on-disk cache of phrasing vectors."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from bot.encoder import Vectors, default_encoder
from bot.semantic import Phrasing, SemanticIndex, build_index, cache_key


def test_the_encoder_gives_unit_vectors_that_put_paraphrases_close() -> None:
    encoder = default_encoder()
    vectors = encoder.encode(["what is knowledge process outsourcing",
                              "what does knowledge process outsourcing mean", "how do I bake bread"])
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2


def test_a_batch_gives_each_text_the_vector_it_gets_alone() -> None:
    encoder = default_encoder()
    texts = ["a much longer text about payroll processing and who should do it", "kpo", "bpo jobs"]
    together = encoder.encode(texts)
    alone = np.vstack([encoder.encode([t]) for t in texts])
    assert np.allclose(together, alone, atol=1e-4)
    assert encoder.encode([]).shape == (0, 384)


def test_the_model_file_is_the_one_the_build_script_makes() -> None:
    assert default_encoder().key == "59b469e2ec38c470"  # printed by scripts/build_encoder.py


class Counting:
    """A tiny fake encoder: one-hot vectors by text length, counting its calls."""

    key = "fake"

    def __init__(self) -> None:
        self.calls = 0
        self.texts: list[str] = []

    def encode(self, texts: Sequence[str]) -> Vectors:
        self.calls += 1
        self.texts.extend(texts)
        out = np.zeros((len(texts), 8), dtype=np.float32)
        for row, text in enumerate(texts):
            out[row, len(text) % 8] = 1.0
        return out


PHRASINGS = [Phrasing("faq", "a", "x"), Phrasing("faq", "a", "xxx"), Phrasing("oos", "b", "xx"),
             Phrasing("task", "c", "xxxx"), Phrasing("task", "d", "xxxxx")]


def test_search_gives_each_target_its_best_phrasing_of_the_wanted_kind() -> None:
    index = SemanticIndex(PHRASINGS, Counting().encode([p.text for p in PHRASINGS]))
    query = np.zeros(8, dtype=np.float32)
    query[3] = 1.0  # the vector of "xxx"
    assert [(h.target, h.score) for h in index.search(query, 2)] == [("a", 100.0), ("b", 0.0)]
    assert [h.target for h in index.search(query, None, kind="task")] == ["c", "d"]
    assert [(h.kind, h.target) for h in index.nearest(query, 1, "faq")] == [("faq", "a")]


def test_vectors_are_computed_once_then_read_from_the_cache(tmp_path: Path) -> None:
    encoder = Counting()
    first = build_index(PHRASINGS, encoder, tmp_path)
    second = build_index(PHRASINGS, encoder, tmp_path)
    assert encoder.calls == 1 and len(first) == len(second) == len(PHRASINGS)
    changed = [*PHRASINGS, Phrasing("faq", "e", "xxxxxx")]
    edited = build_index(changed, encoder, tmp_path)
    assert encoder.calls == 2, "an edited knowledge base gets vectors of its own"
    assert encoder.texts[-1:] == ["xxxxxx"] and len(encoder.texts) == len(PHRASINGS) + 1, \
        "only the new phrasing is encoded; the others come from the earlier cache"
    query = np.zeros(8, dtype=np.float32)
    query[6] = 1.0
    assert edited.search(query, 1)[0].target == "e"
    assert cache_key("fake", ["x"]) != cache_key("other model", ["x"])
    for n in range(5):
        build_index([*PHRASINGS, Phrasing("faq", "e", "y" * n)], encoder, tmp_path)
    assert len(list(tmp_path.glob("phrasings-*"))) == 3, "only the newest cache files are kept"


def test_a_damaged_cache_file_is_computed_again(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    encoder = Counting()
    build_index(PHRASINGS, encoder, tmp_path)
    [cached] = tmp_path.glob("phrasings-*.npz")
    cached.write_bytes(b"not numpy")
    with caplog.at_level(logging.WARNING):
        build_index(PHRASINGS, encoder, tmp_path)
    assert encoder.calls == 2 and "unreadable" in caplog.text


def test_an_unwritable_cache_folder_only_costs_time(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("a file where the folder should be")
    with caplog.at_level(logging.WARNING):
        index = build_index(PHRASINGS, Counting(), blocked / "cache")
    assert len(index) == len(PHRASINGS) and "cannot write" in caplog.text


def test_every_model_file_ships_in_the_wheel() -> None:
    import tomllib

    root = Path(__file__).resolve().parent.parent
    listed = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["bot.model"]
    present = {p.name for p in (root / "bot" / "model").iterdir() if p.is_file() and p.suffix != ".py"}
    assert present <= set(listed), "add them to [tool.setuptools.package-data] bot.model"
