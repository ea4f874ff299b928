"""Fuzzy search over the knowledge base: candidates from a token index, scores from rapidfuzz.

Each searchable kind (FAQ entry, out-of-scope topic, example task) is a list of
documents that know how they score against a query. A token index picks the
documents that share a word with the query before rapidfuzz scores them, so the
cost follows the words a question shares with the knowledge base, not its size.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

from rapidfuzz import fuzz, process

from bot.normalize import Normalizer, Query

Scorer = Callable[..., float]
HitKind = Literal["faq", "oos", "task"]
"""What a hit points at: an FAQ entry, an out-of-scope subject, or an example task."""


@dataclass(frozen=True)
class Document:
    """One phrasing of one target (an FAQ entry, a topic, a task), already normalised."""

    kind: HitKind
    target: str
    content: str
    keyterms: frozenset[str]


@dataclass(frozen=True)
class Hit:
    """A target's best score for a query."""

    kind: HitKind
    target: str
    score: float


@dataclass(frozen=True)
class Weights:
    """How a phrasing's score is made; chosen by measuring on tests/data/dev.yaml."""

    lexical: float = 0.75
    """Share of the score from IDF-weighted word overlap (the rest is rapidfuzz's score)."""
    missing_keyterm: float = 14.0
    """A phrasing names KPO and the question only BPO (or the reverse): different questions."""
    extra_keyterm: float = 10.0
    """The question names a key term the phrasing lacks."""
    profile: float = 0.3
    """Share of a target's score from its profile: how much of the question its phrasings
    hold between them (see `Index._with_profiles`); the rest is its best phrasing's score.
    Chosen on tests/data/dev3.yaml and calibration.yaml."""
    unknown_word: float = 15.0
    """Taken off in proportion to the question's words found nowhere in the knowledge base."""
    candidates: int = 30
    """How many index candidates rapidfuzz scores."""


class Index:
    """Documents of one or more kinds, with a token index and a rapidfuzz scorer.

    Everything that does not depend on the query is computed here, once: each
    document's token postings, IDF weights and IDF mass, and the parallel lists
    the scoring loop reads. After construction an Index is never changed, so one
    Index may serve many threads at once.
    """

    def __init__(self, docs: Iterable[Document], scorer: Scorer, weights: Weights) -> None:
        self.docs = list(docs)
        self.scorer = scorer
        self.weights = weights
        postings: dict[str, list[int]] = defaultdict(list)
        for i, doc in enumerate(self.docs):
            for token in set(doc.content.split()):
                postings[token].append(i)
        total = max(len(self.docs), 1)
        self._postings = {t: tuple(ids) for t, ids in postings.items()}
        """Token -> ids of the documents holding it, ascending."""
        self._idf = {t: math.log(1 + total / len(ids)) for t, ids in postings.items()}
        self._unknown_idf = math.log(1 + total)
        idf = self._idf
        order = self._order
        self._mass = [_total(idf[t] for t in sorted(set(doc.content.split()), key=order))
                      for doc in self.docs]
        self._contents = [doc.content for doc in self.docs]
        keys: dict[tuple[HitKind, str], tuple[HitKind, str]] = {}
        self._keys = [keys.setdefault((doc.kind, doc.target), (doc.kind, doc.target)) for doc in self.docs]
        self._keyterms = [doc.keyterms for doc in self.docs]
        self._arrays = _numpy_postings(self._postings) if len(self.docs) >= NUMPY_MIN_DOCS else None
        vocabulary: dict[tuple[HitKind, str], set[str]] = defaultdict(set)
        for key, content in zip(self._keys, self._contents, strict=True):
            vocabulary[key].update(content.split())
        self._vocabulary = {key: frozenset(words) for key, words in vocabulary.items()}
        """Every word any phrasing of a target holds."""
        holders = Counter(word for words in self._vocabulary.values() for word in words)
        targets = max(len(self._vocabulary), 1)
        self._target_idf = {w: math.log(1 + targets / n) for w, n in holders.items()}
        self._unknown_target_idf = math.log(1 + targets)

    def overlap(self, query: Query) -> dict[int, float]:
        """IDF mass each document shares with the query (documents sharing nothing are absent)."""
        tokens = self._query_tokens(query)
        return self._overlap(tokens) if tokens else {}

    def search(self, query: Query, keyterms: frozenset[str], limit: int = 5) -> list[Hit]:
        """The best targets for a query, one hit per target, best first.

        Candidates are the documents sharing the most IDF mass with the query
        (ties: lower document id first); rapidfuzz scores only those.
        """
        tokens = self._query_tokens(query)
        if not tokens:
            return []
        ids, shared = self._candidates(tokens)
        unknown_tokens = len(set(query.content)) - len(tokens)
        asked = _total([*(self._idf[t] for t in tokens), *[self._unknown_idf] * unknown_tokens])
        contents = self._contents
        fuzzy = process.extract(query.content_text, [contents[i] for i in ids],
                                scorer=self.scorer, processor=None, limit=None)
        weights = self.weights
        fuzzy_share, lexical_share = 1 - weights.lexical, weights.lexical * 100
        unknown = weights.unknown_word * len(query.unknown) / max(len(query.content), 1)
        mass, keys, doc_terms = self._mass, self._keys, self._keyterms
        penalties: dict[frozenset[str], float] = {}
        best: dict[tuple[HitKind, str], float] = {}
        for _, score, at in fuzzy:
            i, common = ids[at], shared[at]
            recall, precision = common / asked, common / mass[i]
            # F1, the harmonic mean: high only when question and phrasing cover each other.
            lexical = 2 * recall * precision / (recall + precision) if recall + precision else 0.0
            final = fuzzy_share * score + lexical_share * lexical
            terms = doc_terms[i]
            penalty = penalties.get(terms)
            if penalty is None:
                penalty = penalties[terms] = self._keyterm_penalty(keyterms, terms)
            final -= unknown + penalty
            key = keys[i]
            if final > best.get(key, -1.0):
                best[key] = final
        if weights.profile and len(tokens) + unknown_tokens > 1:  # one word cannot be mixed
            best = self._with_profiles(query, best)
        ranked = sorted(best.items(), key=lambda kv: kv[1], reverse=True)[:limit]
        return [Hit(kind, target, round(max(score, 0.0), 1)) for (kind, target), score in ranked]

    def _with_profiles(self, query: Query, best: dict[tuple[HitKind, str], float]
                       ) -> dict[tuple[HitKind, str], float]:
        """Each target's best phrasing score blended with its profile.

        A profile is the share of the question's words, weighted by how few targets
        use them, that the target's phrasings hold between them. People mix the
        words of several phrasings ("why is the call centre the textbook example");
        no one phrasing holds them all, but the target's phrasings do.
        """
        idf, unknown = self._target_idf, self._unknown_target_idf
        weighted = [(w, idf.get(w, unknown)) for w in dict.fromkeys(query.content)]
        share = self.weights.profile
        scale = share * 100 / _total(weight for _, weight in weighted)
        vocabulary = self._vocabulary
        blended: dict[tuple[HitKind, str], float] = {}
        for key, score in best.items():
            held = vocabulary[key]
            covered = 0.0
            for word, weight in weighted:
                if word in held:
                    covered += weight
            blended[key] = (1 - share) * score + scale * covered
        return blended

    def _order(self, token: str) -> tuple[int, str]:
        """The one order every sum of IDF weights follows: longest posting list first, then by token.

        Floating-point sums depend on their order. With one fixed order the sums, and
        so the scores and rankings, are the same in every process whatever the string
        hash seed, and a question holding exactly a phrasing's words shares exactly
        its mass (recall and precision exactly 1).
        """
        return -len(self._postings[token]), token

    def _query_tokens(self, query: Query) -> list[str]:
        """The query's distinct indexed tokens, in the order of `_order`."""
        postings = self._postings
        known = [t for t in dict.fromkeys(query.content) if t in postings]
        known.sort(key=self._order)
        return known

    def _candidates(self, tokens: list[str]) -> tuple[list[int], list[float]]:
        """The ids of the documents sharing most with the query, and what each shares."""
        limit = self.weights.candidates
        work = sum(len(self._postings[t]) for t in tokens)
        if self._arrays is not None and work > NUMPY_MIN_WORK:
            return self._candidates_numpy(tokens, limit)
        shared = self._overlap(tokens)
        # Sorting the ids first makes the stable sort break ties by id.
        ids = sorted(sorted(shared), key=shared.__getitem__, reverse=True)[:limit]
        return ids, [shared[i] for i in ids]

    def _overlap(self, tokens: list[str]) -> dict[int, float]:
        """Shared IDF mass per document, accumulated in the order of `tokens`."""
        postings, idf = self._postings, self._idf
        shared = dict.fromkeys(postings[tokens[0]], idf[tokens[0]])
        get = shared.get
        for token in tokens[1:]:
            weight = idf[token]
            for i in postings[token]:
                shared[i] = get(i, 0.0) + weight
        return shared

    def _candidates_numpy(self, tokens: list[str], limit: int) -> tuple[list[int], list[float]]:
        """As the pure-Python path, with the accumulation and selection done by numpy.

        A document's overlap depends only on which query words it holds, so each
        document gets a bit mask of them and each mask's overlap is summed once,
        in the Python path's order from 0.0: the floats, the chosen candidates and
        their order are exactly those of the Python path.
        """
        assert self._arrays is not None  # only called when the numpy postings exist
        np, arrays = self._arrays
        weights = [self._idf[t] for t in tokens]
        bits = len(tokens)
        if bits > MAX_MASK_WORDS:  # a long message of many words: add the weights up directly
            scores = np.zeros(len(self.docs))
            for token, weight in zip(tokens, weights, strict=True):
                scores[arrays[token]] += weight
            ids = np.flatnonzero(scores)
            return _best_by_value(np, ids, scores[ids], limit)
        if bits == 1:  # every holder scores the same: the lowest ids win
            ids = arrays[tokens[0]][:limit].tolist()
            return ids, [0.0 + weights[0]] * len(ids)
        codes = np.zeros(len(self.docs), dtype=np.int64)
        for bit, token in enumerate(tokens):
            codes[arrays[token]] |= 1 << bit
        # Common words touch most documents, so look first only at the documents
        # holding the rarest words (the last bits): when at least `limit` of them
        # score more than a document holding none of those words can, the best
        # candidates are all among them.
        for held in range(1, bits):
            if sum(len(arrays[t]) for t in tokens[bits - held:]) > len(self.docs) // 4:
                return _Levels(np, codes, weights).best(limit)
            others = 0.0
            for weight in weights[: bits - held]:  # in the order documents' sums use
                others += weight
            ids = arrays[tokens[-1]] if held == 1 else np.flatnonzero(codes >= 1 << (bits - held))
            levels = _Levels(np, codes[ids], weights)
            if levels.count_above(others) >= limit:
                return levels.best(limit, ids)
        # Outside those documents, every one holds only the commonest word and scores
        # the same: its first ids are enough.
        ids = np.union1d(ids, arrays[tokens[0]][: limit + len(ids)])
        return _Levels(np, codes[ids], weights).best(limit, ids)

    def _keyterm_penalty(self, asked: frozenset[str], phrased: frozenset[str]) -> float:
        if not phrased:
            return 0.0
        return (self.weights.missing_keyterm * len(phrased - asked)
                + self.weights.extra_keyterm * len(asked - phrased))


NUMPY_MIN_DOCS = 5000
"""Indexes with fewer documents never use numpy (nor import it): Python is as fast there."""
NUMPY_MIN_WORK = 4000
"""Posting entries a query must touch before numpy accumulates its overlaps."""
MAX_MASK_BITS = 16
"""Queries with more distinct indexed words skip the per-mask counting (2**bits counters)."""
MAX_MASK_WORDS = 62
"""Queries with more distinct indexed words than an int64 mask holds are summed directly."""


def _total(weights: Iterable[float]) -> float:
    """Weights added one by one from 0.0, as the overlaps are (sum() may compensate rounding)."""
    total = 0.0
    for weight in weights:
        total += weight
    return total


def _mask_scores(np: Any, masks: Any, weights: list[float]) -> Any:
    """The overlap of each mask of query words, summed in the order of `weights` from 0.0."""
    scores = np.zeros(len(masks))
    for bit, weight in enumerate(weights):
        scores += np.where(masks & (1 << bit), weight, 0.0)
    return scores


class _Levels:
    """Documents grouped by the query words they hold (a bit mask), each group scored once."""

    def __init__(self, np: Any, masks: Any, weights: list[float]) -> None:
        self.np, self.masks, self.bits = np, masks, len(weights)
        if self.bits <= MAX_MASK_BITS:
            counts = np.bincount(masks, minlength=1 << self.bits)
            present = np.flatnonzero(counts)
            counts = counts[present]
        else:
            present, counts = np.unique(masks, return_counts=True)
        if present[0] == 0:  # documents sharing nothing
            present, counts = present[1:], counts[1:]
        self.present, self.counts = present, counts
        self.scores = _mask_scores(np, present, weights)

    def count_above(self, floor: float) -> int:
        """How many documents score more than `floor`."""
        return int(self.counts[self.scores > floor].sum())

    def best(self, limit: int, ids: Any = None) -> tuple[list[int], list[float]]:
        """The `limit` best documents (their `ids`, or positions), best first, ties by id."""
        np = self.np
        order = np.argsort(-self.scores, kind="stable")
        reached = np.searchsorted(np.cumsum(self.counts[order]), limit)
        kth = self.scores[order[min(reached, len(order) - 1)]]
        if self.bits <= MAX_MASK_BITS:
            by_mask = np.zeros(1 << self.bits)
            by_mask[self.present] = self.scores
            values = by_mask[self.masks]
        else:
            at = np.minimum(np.searchsorted(self.present, self.masks), len(self.present) - 1)
            values = np.where(self.masks == 0, 0.0, self.scores[at])
        above = np.flatnonzero(values > kth)
        tied = np.flatnonzero(values == kth)[: limit - len(above)]  # the lowest ids
        chosen = np.concatenate([above, tied])
        chosen.sort()
        values = values[chosen]
        if ids is not None:
            chosen = ids[chosen]
        order = np.argsort(-values, kind="stable")
        return chosen[order].tolist(), values[order].tolist()


def _best_by_value(np: Any, ids: Any, values: Any, limit: int) -> tuple[list[int], list[float]]:
    """The `limit` best of ascending `ids` by value, ties by id, as Python lists."""
    if len(ids) > limit:
        kth = np.partition(values, len(values) - limit)[len(values) - limit]
        above = np.flatnonzero(values > kth)
        tied = np.flatnonzero(values == kth)[: limit - len(above)]  # the lowest ids
        keep = np.concatenate([above, tied])
        keep.sort()
        ids, values = ids[keep], values[keep]
    order = np.argsort(-values, kind="stable")
    return ids[order].tolist(), values[order].tolist()


def _numpy_postings(postings: dict[str, tuple[int, ...]]) -> tuple[Any, dict[str, Any]] | None:
    """numpy and each token's postings as an int32 array; None without numpy."""
    try:
        import numpy as np
    except ImportError:  # pragma: no cover - numpy is a dependency; the Python path still works
        return None
    return np, {t: np.array(ids, dtype=np.int32) for t, ids in postings.items()}


def build_documents(normalizer: Normalizer, kind: HitKind,
                    targets: Iterable[tuple[str, Iterable[str]]]) -> list[Document]:
    """Normalised documents for (target id, phrasings) pairs of one kind."""
    docs: list[Document] = []
    shared_terms: dict[frozenset[str], frozenset[str]] = {}  # one object per set: less memory
    for target, phrasings in targets:
        seen: set[str] = set()
        for phrasing in phrasings:
            content = normalizer.content(phrasing)
            if content and content not in seen:
                seen.add(content)
                terms = frozenset(content.split()) & normalizer.keyterms
                docs.append(Document(kind, target, content, shared_terms.setdefault(terms, terms)))
    return docs


QUESTION_SCORER: Scorer = fuzz.WRatio
TASK_SCORER: Scorer = fuzz.token_set_ratio
