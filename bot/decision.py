"""One decision from lexical and semantic evidence: answer, suggest, decline or give a verdict.

Neither signal is enough alone. The lexical matcher (token index and
rapidfuzz) is precise on wordings close to the knowledge base's phrasings but
defers most other wordings; the sentence encoder understands paraphrases,
romanised Hindi put into English and descriptions, but alone it answers wrongly
too often and takes near-topic questions for real ones. So the lexical outcome
stands when it is confident, and the semantic evidence decides when it is not:
alone when it is decisive, together with the lexical ranking when the two agree,
and as "did you mean" buttons when it is split.

Every threshold is in `Thresholds`, with the set it was chosen on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from bot.matching import Hit


@dataclass(frozen=True)
class Thresholds:
    """Cosines (x 100) at which semantic evidence acts; chosen on tests/data/dev5.yaml."""

    answer: float = 70.0
    """An FAQ entry's cosine at which it is answered on semantic evidence alone..."""
    margin: float = 4.0
    """...when it leads the next target by this much."""
    agree: float = 55.0
    """Cosine at which an entry the lexical ranking also puts first (or suggests) is answered."""
    decline: float = 66.0
    """An off-topic subject's cosine at which the question is declined with that subject."""
    task: float = 62.0
    """A listed task's cosine at which a task question is taken to be about it."""
    suggest: float = 45.0
    """Cosine at which an entry is offered as a "did you mean" button."""


class Outcome(Enum):
    """What the semantic evidence says to do."""

    ANSWER = "answer"
    DECLINE = "decline"
    TASK = "task"
    SUGGEST = "suggest"
    NOTHING = "nothing"


@dataclass(frozen=True)
class Decision:
    """The outcome and the target it concerns (an FAQ entry, a topic, a task)."""

    outcome: Outcome
    target: str | None = None
    score: float = 0.0
    suggestions: tuple[str, ...] = ()


def decide(semantic: Sequence[Hit], lexical: Sequence[Hit], task_question: bool,
           limits: Thresholds = Thresholds()) -> Decision:
    """What to do when the lexical matcher alone is not confident.

    `semantic` holds targets of every kind ranked by cosine; `lexical`, the
    lexical ranking of FAQ entries and off-topic subjects.
    """
    if not semantic:
        return Decision(Outcome.NOTHING)
    top = semantic[0]
    runner_up = semantic[1].score if len(semantic) > 1 else 0.0
    lexical_faq = [h.target for h in lexical if h.kind == "faq"][:3]
    if top.kind == "oos" and top.score >= limits.decline:
        return Decision(Outcome.DECLINE, top.target, top.score)
    if top.kind == "task" and task_question and top.score >= limits.task:
        return Decision(Outcome.TASK, top.target, top.score)
    faq = [h for h in semantic if h.kind == "faq"]
    if faq and faq[0] is top:
        decisive = top.score >= limits.answer and top.score - runner_up >= limits.margin
        agreed = top.score >= limits.agree and lexical_faq[:1] == [top.target]
        if decisive or agreed:
            return Decision(Outcome.ANSWER, top.target, top.score)
    close = [h.target for h in faq if h.score >= limits.suggest]
    merged = tuple(dict.fromkeys([*close[:2], *lexical_faq]))[:3]
    if merged:
        return Decision(Outcome.SUGGEST, merged[0], top.score, merged)
    return Decision(Outcome.NOTHING)
