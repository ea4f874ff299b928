"""Task verdicts: is the work a user wants to outsource BPO or KPO?

A task the knowledge base lists gets that task's verdict and reason. Any other
task is judged from cue words in knowledge/cues.yaml (rules and volume lean to
BPO, judgement and expertise to KPO), and the reply says how sure it is.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from bot.knowledge import VERDICTS, KnowledgeBase, Task
from bot.knowledge import Verdict as Kind
from bot.matching import TASK_SCORER, Hit, Index, Weights, build_documents
from bot.normalize import Normalizer, Query
from bot.tuning import (
    CUE_SCALE,
    EITHER_GAP,
    LEAN_ALONE_WORDS,
    LEAN_WEIGHT,
    NEAR_ENOUGH,
    SURE_LEAN,
    TASK_MATCH,
    VERDICT_FLOOR,
)


_TASK_WEIGHTS = Weights(lexical=0.0, profile=0.0, missing_keyterm=0, extra_keyterm=0, candidates=40)


Confidence = Literal["high", "medium", "low", "none"]


@dataclass(frozen=True)
class Verdict:
    """The outcome of judging a task."""

    verdict: Kind | None
    task: Task | None
    confidence: Confidence
    """'high' (a listed task), 'medium' or 'low' (judged from cue words), 'none' (cannot tell)."""
    score: float
    kpo_cues: tuple[str, ...] = ()
    bpo_cues: tuple[str, ...] = ()
    like: tuple[Task, ...] = ()
    """The listed tasks nearest in meaning to an unlisted one, nearest first."""

    @classmethod
    def listed(cls, task: Task, score: float) -> Verdict:
        """The verdict of an example task the knowledge base lists."""
        return cls(task.verdict, task, "high", score)


class Classifier:
    """Recognises task questions and gives their verdict."""

    def __init__(self, kb: KnowledgeBase, normalizer: Normalizer) -> None:
        self.kb = kb
        kinds = [t for v in VERDICTS for t in normalizer.tokens(v)]
        self._markers = [_marker_pattern([normalizer.tokens(part) for part in m.rstrip("$").split("*")],
                                         kinds, anchored=m.endswith("$"))
                         for m in kb.cues.task_markers]
        self._marker_words = frozenset(t for m in kb.cues.task_markers
                                       for t in normalizer.tokens(m.replace("*", " ").rstrip("$")))
        self._normalizer = normalizer
        self._references = frozenset(t for r in kb.cues.task_references for t in normalizer.tokens(r))
        self._kinds = frozenset(kinds)
        self._or = normalizer.tokens("or")[0]
        self._tag_words = self._kinds | {self._or}
        self._task_words = {t.id: frozenset(w for a in (t.name, *t.aliases) for w in normalizer.tokens(a))
                            for t in kb.tasks.values()}
        self._cues = {tuple(normalizer.tokens(w)): (w, weight) for w, weight in kb.cues.weights.items()}
        """Normalised cue words -> the words as cues.yaml writes them (shown to users), and weight."""
        docs = build_documents(normalizer, "task",
                               ((t.id, (t.name, *t.aliases)) for t in kb.tasks.values()))
        self._tasks = Index(docs, TASK_SCORER, _TASK_WEIGHTS)

    def is_task_question(self, query: Query) -> bool:
        """Whether the user asks which kind of outsourcing some task is.

        A question naming both kinds without "or" between them asks about both
        ("is MS Office enough for BPO, and for KPO?"), not which one a task is; nor
        does one that compares ("is the work at a phone-support shop simpler than
        at a research shop?").
        """
        if compares(query.raw):
            return False
        if self.kinds_named(query) == self._kinds:
            return self._either(query.tokens)
        text = f" {query.text} "
        topic = frozenset(query.content) | self._references
        return (any(_names_task(marker, text, topic) for marker in self._markers)
                or self._kind_tag(query.raw))

    def _either(self, tokens: tuple[str, ...]) -> bool:
        """Whether BPO and KPO stand as alternatives: side by side ("invoice processing bpo kpo?")
        or with "or" between them a few words apart ("a bpo firm or a kpo firm")."""
        at = [i for i, t in enumerate(tokens) if t in self._kinds]
        for first, second in zip(at, at[1:]):
            between = tokens[first + 1:second]
            if tokens[first] != tokens[second] and (
                    not between or (self._or in between and len(between) <= EITHER_GAP)):
                return True
        return False

    def kinds_named(self, query: Query) -> frozenset[str]:
        """Which of "BPO" and "KPO" the question says (both: "is payroll BPO or KPO?")."""
        return self._kinds.intersection(query.tokens)

    def _kind_tag(self, text: str) -> bool:
        """Whether the text ends in a separate "BPO?", "KPO?" or "BPO or KPO?" after a task.

        "prior art search for a patent application, kpo?" names its task before
        the tag, however many words that takes.
        """
        head, _, tail = _TAG_SPLIT.sub("\0", text.strip()).rpartition("\0")
        words = self._normalizer.tokens(tail)
        return bool(head.strip()) and bool(words) and set(words) <= self._tag_words

    def search_tasks(self, query: Query, limit: int = 10) -> list[Hit]:
        """Listed tasks ranked by how fully the question names them."""
        return self._tasks.search(query, frozenset(), limit=limit)

    def find_task(self, query: Query) -> tuple[Task, float] | None:
        """The listed task the question names, if any."""
        hits = self.search_tasks(query, limit=1)
        if hits and hits[0].score >= TASK_MATCH:
            return self.kb.tasks[hits[0].target], hits[0].score
        return None

    def named_task(self, query: Query) -> tuple[Task, float] | None:
        """The one listed task a question is about; None for none, or for tasks of both kinds.

        "Can we send customer service to a BPO and market research to a KPO?" names
        two tasks to contrast the kinds; it asks for no one task's verdict.
        """
        hits = [h for h in self.search_tasks(query, limit=3) if h.score >= TASK_MATCH]
        if not hits or len({self.kb.tasks[h.target].verdict for h in hits}) > 1:
            return None
        return self.kb.tasks[hits[0].target], hits[0].score

    def other_words(self, query: Query, task: Task) -> tuple[str, ...]:
        """The question's topic words beyond the task, BPO/KPO and the asking-which wording.

        Few or none: the question is about the task itself ("payroll - bpo or kpo?").
        Several: it asks something else about it ("why is the call centre the classic
        BPO example?"), which an FAQ entry may answer better than a verdict.
        """
        skip = self._task_words[task.id] | self._normalizer.keyterms | self._marker_words
        return tuple(t for t in dict.fromkeys(query.content) if t not in skip)

    def judge(self, query: Query) -> Verdict:
        """A listed task's verdict, else one judged from cue words."""
        found = self.find_task(query)
        if found is not None:
            return Verdict.listed(*found)
        return self.judge_by_cues(query)

    def judge_by_cues(self, query: Query, neighbours: Sequence[Hit] = (), kpo_chance: float | None = None
                      ) -> Verdict:
        """Weigh the cue words in the question and, when given, its nearest task phrasings.

        The neighbours are the listed tasks' names, aliases and reasons nearest in
        meaning (semantic hits, one per phrasing); each votes for its task's kind
        with its cosine. `kpo_chance` is the lean model's reading of the whole
        question (bot/decision.py, `Lean`). Without neighbours the cue words alone
        decide, against `min_weight`.
        """
        total, cues = self._cue_words(query)
        kpo, bpo = cues
        near = bool(neighbours) and neighbours[0].score >= NEAR_ENOUGH
        described = kpo_chance is not None and len(query.content) >= LEAN_ALONE_WORDS
        if not near and not described:
            return self._by_cues_alone(total, cues)
        lean = math.tanh(total / CUE_SCALE)
        if near:
            weights = [max(h.score, 0.0) for h in neighbours]
            lean += sum(w * self._sign(h.target) for w, h in zip(weights, neighbours, strict=True)) / (
                sum(weights) or 1.0)
        if kpo_chance is not None and not near:  # near tasks judge better than the model: it reads topics
            lean += LEAN_WEIGHT * (2 * kpo_chance - 1)
        if abs(lean) < VERDICT_FLOOR:
            return Verdict(None, None, "none", abs(lean), *cues)
        verdict: Kind = "KPO" if lean > 0 else "BPO"
        like = tuple(dict.fromkeys(self.kb.tasks[h.target] for h in neighbours
                                   if near and self.kb.tasks[h.target].verdict == verdict))[:2]
        sure = abs(lean) >= SURE_LEAN and not (kpo and bpo) and (total > 0) == (lean > 0) and total != 0
        return Verdict(verdict, None, "medium" if sure else "low", abs(lean), *cues, like)

    def work_words(self, query: Query) -> str:
        """The question without BPO, KPO and the asking-which wording: the work it describes,
        for finding the nearest listed tasks ("is blorping the fnords bpo or kpo?" describes
        "blorping the fnords", which is near nothing)."""
        skip = self._kinds | self._marker_words
        words = [w for w in query.english.split()
                 if not (tokens := self._normalizer.tokens(w)) or tokens[0] not in skip]
        return " ".join(words)

    def cue_weight(self, query: Query) -> float:
        """The summed weight of the cue words in the question (KPO positive, BPO negative)."""
        return self._cue_words(query)[0]

    def _cue_words(self, query: Query) -> tuple[float, tuple[tuple[str, ...], tuple[str, ...]]]:
        """The cues' summed weight, and the KPO and BPO cue words found, as cues.yaml writes them."""
        kpo: list[str] = []
        bpo: list[str] = []
        total = 0.0
        for words, (shown, weight) in self._cues.items():
            if _contains(query.tokens, words):
                total += weight
                (kpo if weight > 0 else bpo).append(shown)
        return total, (tuple(kpo), tuple(bpo))

    def _sign(self, task_id: str) -> float:
        return 1.0 if self.kb.tasks[task_id].verdict == "KPO" else -1.0

    def _by_cues_alone(self, total: float, cues: tuple[tuple[str, ...], tuple[str, ...]]) -> Verdict:
        floor = self.kb.cues.min_weight
        if abs(total) < floor:
            return Verdict(None, None, "none", abs(total), *cues)
        confidence: Confidence = "medium" if abs(total) >= 2 * floor and not all(cues) else "low"
        return Verdict("KPO" if total > 0 else "BPO", None, confidence, abs(total), *cues)


_THAN = re.compile(r"\bthan\b(?!\s+(?:that|this|it)\b)", re.IGNORECASE)


def compares(text: str) -> bool:
    """Whether a question compares one thing with another ("riskier than", not "nothing more than that").
    On the tuning sets 109 questions about the kinds said "than", and one task question ("nothing
    more than that")."""
    return _THAN.search(text) is not None


_TAG_SPLIT = re.compile(r"\s[-\u2013\u2014]\s|[,:;]\s*")
"""Where a tag may follow a task: a comma, colon or semicolon, or a dash between spaces."""


def _names_task(marker: re.Pattern[str], text: str, topic: frozenset[str]) -> bool:
    """Whether a marker occurs in the text with a task where it expects one.

    The slot must hold a topic word or a word referring back to a task ("payroll,
    is that bpo?"). In "is every bpo a call centre" the slot of "is * bpo" holds
    only "every": the question asks about BPO, and names no task there.
    """
    start = 0
    while (found := marker.search(text, start)) is not None:
        if found.lastindex is None or not topic.isdisjoint(found.group(1).split()):
            return True
        start = found.start() + 1
    return False


def _marker_pattern(pieces: list[list[str]], kinds: list[str], anchored: bool = False
                    ) -> re.Pattern[str]:
    """A marker (its normalised pieces around each '*') as a pattern over space-joined tokens.

    Each '*' stands for one to six words: the task the user names, which is never
    "bpo" or "kpo" themselves ("is bpo work low-tech compared to kpo" compares the
    two kinds; it names no task). A marker
    ending in '$' must be the whole question ("* bpo$" for "invoice scanning - bpo?"),
    so that longer questions merely ending in "bpo" are not taken for task questions.
    """
    word = "(?!(?:" + "|".join(map(re.escape, kinds)) + r") )\S+"
    slot = rf"((?:{word} ){{0,5}}{word})"
    words: list[str] = []
    for n, piece in enumerate(pieces):
        if n:
            words.append(slot)
        words.extend(re.escape(t) for t in piece)
    if anchored:
        return re.compile("^ " + " ".join(words) + " $")
    return re.compile(" " + " ".join(words) + " ")


def _contains(tokens: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    """Whether `phrase` occurs in `tokens` as consecutive words."""
    n = len(phrase)
    if n == 0:
        return False
    if n == 1:
        return phrase[0] in tokens
    return any(tokens[i:i + n] == phrase for i in range(len(tokens) - n + 1))
