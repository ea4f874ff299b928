"""Sentence embeddings: text in, unit vector out, with onnxruntime and tokenizers.

The model (all-MiniLM-L6-v2, int8, pooling in the graph) ships in bot/model/ and
is built by scripts/build_encoder.py; nothing is downloaded. One
InferenceSession serves the whole process: it is thread-safe, and loading it
twice would double the memory. One intra-op thread was faster than two on
2-core machines, where the event loop and PTB need the other core.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

MODEL_DIR = Path(__file__).resolve().parent / "model"
MAX_TOKENS = 128
"""Word pieces per text; longer texts are cut (long messages are split into sentences first)."""

DIMENSIONS = 384
Vectors = npt.NDArray[np.float32]


class Encoder(Protocol):
    """Anything that turns texts into unit vectors of one dimension."""

    @property
    def key(self) -> str:
        """Identifies the model, for caches of its vectors."""
        ...

    def encode(self, texts: Sequence[str]) -> Vectors:
        """One unit vector per text, as rows."""
        ...


class OnnxEncoder:
    """all-MiniLM-L6-v2 through onnxruntime: the encoder the bot runs."""

    def __init__(self, folder: Path = MODEL_DIR, threads: int = 1) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        model = folder / "encoder.onnx"
        self._session = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._lock = threading.Lock()
        """A tokenizer's truncation settings live in the object: one text at a time."""
        self._key = _file_hash(model)

    @property
    def key(self) -> str:
        return self._key

    def encode(self, texts: Sequence[str]) -> Vectors:
        """One text per onnxruntime call: the int8 model quantises its activations with one
        scale per call, so a text batched with others (and their padding) would get a slightly
        different vector than alone, and cached phrasings would not match live questions."""
        out = np.empty((len(texts), DIMENSIONS), dtype=np.float32)
        for row, text in enumerate(texts):
            out[row] = self._run(text)
        return out

    def _run(self, text: str) -> Vectors:
        with self._lock:
            encoding = self._tokenizer.encode(text)
        feed = {
            "input_ids": np.array([encoding.ids], dtype=np.int64),
            "attention_mask": np.array([encoding.attention_mask], dtype=np.int64),
            "token_type_ids": np.array([encoding.type_ids], dtype=np.int64),
        }
        outputs = self._session.run(None, feed)
        return np.asarray(outputs[0][0], dtype=np.float32)


@cache
def default_encoder() -> OnnxEncoder:
    """The process's one shipped encoder (loaded on first use)."""
    return OnnxEncoder()


def _file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]
