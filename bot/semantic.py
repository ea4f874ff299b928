"""Semantic search: the cosine of a question's vector to every phrasing's, best per target.

Phrasing vectors are computed once per knowledge base and model and cached on
disk under a key hashed from both, so start-up reads a file instead of running
the encoder over two thousand phrasings; an edited knowledge base or a new model
gets a new key, and only its new phrasings are encoded.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.encoder import Encoder, Vectors
from bot.matching import Hit, HitKind

_LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class Phrasing:
    """One text that stands for a target (an FAQ entry, an off-topic subject, a task)."""

    kind: HitKind
    target: str
    text: str


class SemanticIndex:
    """Unit vectors of phrasings, grouped by target, searched by cosine."""

    def __init__(self, phrasings: Sequence[Phrasing], vectors: Vectors) -> None:
        order = sorted(range(len(phrasings)), key=lambda i: (phrasings[i].kind, phrasings[i].target))
        self._vectors = np.ascontiguousarray(vectors[order]) if order else vectors
        keys: list[tuple[HitKind, str]] = [(phrasings[i].kind, phrasings[i].target) for i in order]
        starts = [n for n, key in enumerate(keys) if n == 0 or key != keys[n - 1]]
        self._starts = np.array(starts, dtype=np.intp)
        self._targets = [keys[n] for n in starts]
        self._kinds = np.array([kind for kind, _ in self._targets])
        self._row_targets = keys
        self._row_kinds = np.array([kind for kind, _ in keys])

    def __len__(self) -> int:
        return len(self._vectors)

    def search(self, vector: Vectors, limit: int | None = 5, kind: HitKind | None = None) -> list[Hit]:
        """Targets (of one kind, or all; the first `limit`, or every one) by their best
        phrasing's cosine to the vector, best first, as cosine x 100."""
        if not len(self._vectors):
            return []
        best = np.maximum.reduceat(self._vectors @ vector, self._starts)
        if kind is not None:
            best = np.where(self._kinds == kind, best, -np.inf)
        top = [i for i in np.argsort(-best, kind="stable")[:limit] if np.isfinite(best[i])]
        return [_hit(self._targets[i], float(best[i])) for i in top]


    def nearest(self, vector: Vectors, count: int, kind: HitKind) -> list[Hit]:
        """The `count` phrasings of one kind nearest the vector, each as a hit on its target."""
        cosines = self._vectors @ vector
        rows = np.flatnonzero(self._row_kinds == kind)
        top = rows[np.argsort(-cosines[rows], kind="stable")[:count]]
        return [_hit(self._row_targets[i], float(cosines[i])) for i in top]


def _hit(key: tuple[HitKind, str], cosine: float) -> Hit:
    kind, target = key
    return Hit(kind, target, round(cosine * 100, 1))


def build_index(phrasings: Sequence[Phrasing], encoder: Encoder, cache_dir: Path | None
                ) -> SemanticIndex:
    """The index, its vectors read from the cache or computed and stored there.

    After an edit only the new or changed phrasings are encoded: the vectors of
    unchanged ones come from the newest earlier cache file of the same model, so
    `/reload` after adding a phrasing takes milliseconds, not the seconds of
    encoding two thousand texts."""
    texts = [p.text for p in phrasings]
    key = cache_key(encoder.key, texts)
    path = cache_dir / f"phrasings-{key}.npz" if cache_dir else None
    vectors = _read(path, len(texts))
    if vectors is None:
        known = _earlier(cache_dir, encoder.key) if cache_dir else {}
        vectors = _encode_new(texts, known, encoder)
        if path is not None:
            _write(path, vectors, texts, encoder.key)
            _prune(path.parent, KEPT_CACHE_FILES)
    return SemanticIndex(phrasings, vectors)


KEPT_CACHE_FILES = 3
"""Cache files kept (the newest): the running knowledge base's and a couple it may go back to."""


def _prune(cache_dir: Path, keep: int) -> None:
    files = sorted(cache_dir.glob("phrasings-*.np[yz]"), key=lambda f: f.stat().st_mtime, reverse=True)
    for old in files[keep:]:
        old.unlink(missing_ok=True)


def _encode_new(texts: Sequence[str], known: dict[bytes, Vectors], encoder: Encoder) -> Vectors:
    """Every text's vector: the known ones as they are, the others encoded."""
    hashes = [_text_hash(t) for t in texts]
    new = [n for n, h in enumerate(hashes) if h not in known]
    encoded = encoder.encode([texts[n] for n in new]) if new else None
    rows = dict(zip(new, encoded, strict=True)) if encoded is not None else {}
    return np.array([rows[n] if n in rows else known[h] for n, h in enumerate(hashes)],
                    dtype=np.float32).reshape(len(texts), -1)


def _earlier(cache_dir: Path, model: str) -> dict[bytes, Vectors]:
    """Text hash -> vector from the newest cache file of this model, if any."""
    files = sorted(cache_dir.glob("phrasings-*.npz"), key=lambda f: f.stat().st_mtime, reverse=True)
    for file in files:
        try:
            with np.load(file, allow_pickle=False) as data:
                if str(data["model"]) != model:
                    continue
                return dict(zip((bytes(h) for h in data["hashes"]), data["vectors"], strict=True))
        except (OSError, ValueError, KeyError):
            continue
    return {}


def _text_hash(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()[:16]


def cache_key(model: str, texts: Sequence[str]) -> str:
    """A short hash of the model and every phrasing text, in order."""
    digest = hashlib.sha256(model.encode())
    for text in texts:
        digest.update(b"\0" + text.encode())
    return digest.hexdigest()[:20]


def default_cache_dir() -> Path:
    """$KPO_BOT_CACHE_DIR, else the XDG cache folder (~/.cache/kpo-bot)."""
    configured = os.environ.get("KPO_BOT_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "kpo-bot"


def _read(path: Path | None, rows: int) -> Vectors | None:
    if path is None or not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            vectors = data["vectors"]
    except (OSError, ValueError, KeyError) as exc:
        _LOG.warning("phrasing vector cache %s is unreadable (%s): computing it again", path, exc)
        return None
    if vectors.shape[0] != rows or vectors.dtype != np.float32:
        return None
    result: Vectors = vectors
    return result


def _write(path: Path, vectors: Vectors, texts: Sequence[str], model: str) -> None:
    """Write atomically (a temporary file renamed), so a crash never leaves half a cache."""
    hashes = np.array([_text_hash(t) for t in texts], dtype="S16")
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as f:
            np.savez(f, vectors=vectors, hashes=hashes, model=np.array(model))
        os.replace(f.name, path)
    except OSError as exc:  # a read-only or full disk: the bot still works, it starts slower
        _LOG.warning("cannot write the phrasing vector cache %s: %s", path, exc)
