"""One decision from lexical and semantic evidence: answer, suggest, decline or give a verdict.

Neither signal is enough alone. The lexical matcher (token index and
rapidfuzz) is precise on wordings close to the knowledge base's phrasings but
defers most others and is misled by long messages; the sentence encoder
understands paraphrases, romanised Hindi put into English and descriptions,
but alone it answers wrongly too often and takes near-topic questions for real
ones. So each FAQ entry that either ranks near the top is scored by a logistic
regression over both kinds of evidence (`FEATURES`), whose weights
scripts/train_decision.py fits on the tuning sets and stores in
bot/model/decision.json; the bot answers the best entry when its probability
is high, offers "did you mean" when it is middling, and otherwise declines.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from bot.matching import Hit, HitKind

MODEL_FILE = Path(__file__).resolve().parent / "model" / "decision.json"
CANDIDATES = 4
"""Entries taken from the top of each ranking (lexical and semantic) to be scored."""

FEATURES = (
    "cosine", "cosine_lead", "lexical", "lexical_lead", "first_in_both", "first_semantically",
    "first_lexically", "off_topic_lexical", "off_topic_lead", "task_lead", "task_question",
)
"""What the combiner weighs for one candidate entry; see `features`."""


@dataclass(frozen=True)
class Thresholds:
    """Where the evidence acts. Fitted and chosen on the tuning sets (tests/data/dev*.yaml and
    calibration.yaml) by scripts/train_decision.py, which writes them to bot/model/decision.json;
    the defaults here are that file's values when it was last written."""

    answer: float = 0.5
    """Probability at which the best entry is answered outright."""
    suggest: float = 0.15
    """Probability at which an entry is offered as a "did you mean" button."""
    decline: float = 66.0
    """Cosine (x 100) of an off-topic subject, ahead of every entry, at which it is declined."""
    task: float = 66.0
    """Cosine (x 100) at which a task question is taken to be about a listed task."""


@dataclass(frozen=True)
class Evidence:
    """Everything the decision weighs about one question."""

    lexical: Sequence[Hit]
    """The lexical ranking of FAQ entries and off-topic subjects, best first."""
    semantic: Sequence[Hit]
    """Every target of every kind by cosine (x 100), best first."""
    task_question: bool
    """Whether the wording asks which kind some work is."""

    def best(self, kind: HitKind) -> Hit | None:
        """The best semantic hit of one kind."""
        return next((h for h in self.semantic if h.kind == kind), None)

    def candidates(self) -> list[str]:
        """FAQ ids near the top of either ranking, semantic first."""
        semantic = [h.target for h in self.semantic if h.kind == "faq"][:CANDIDATES]
        lexical = [h.target for h in self.lexical if h.kind == "faq"][:CANDIDATES]
        return list(dict.fromkeys([*semantic, *lexical]))


def features(evidence: Evidence, entry: str) -> list[float]:
    """The `FEATURES` of one candidate entry, each about 0 to 1."""
    cosines = {h.target: h.score / 100 for h in evidence.semantic if h.kind == "faq"}
    lexical = {h.target: h.score / 100 for h in evidence.lexical if h.kind == "faq"}
    cosine = cosines.get(entry, 0.0)
    other_cosine = max((v for k, v in cosines.items() if k != entry), default=0.0)
    score = lexical.get(entry, 0.0)
    other_score = max((v for k, v in lexical.items() if k != entry), default=0.0)
    first_semantic = next((h.target for h in evidence.semantic if h.kind == "faq"), None) == entry
    first_lexical = next(iter(lexical), None) == entry
    top = evidence.lexical[0] if evidence.lexical else None
    off_topic = top.score / 100 if top is not None and top.kind == "oos" else 0.0
    oos, task = evidence.best("oos"), evidence.best("task")
    return [
        cosine, cosine - other_cosine, score, score - other_score,
        float(first_semantic and first_lexical), float(first_semantic), float(first_lexical),
        off_topic, (oos.score / 100 - cosine) if oos else -1.0,
        (task.score / 100 - cosine) if task else -1.0, float(evidence.task_question),
    ]


@dataclass(frozen=True)
class Combiner:
    """A logistic regression over `FEATURES`: the probability that an entry answers the question."""

    weights: tuple[float, ...]
    bias: float
    thresholds: Thresholds

    def probability(self, values: Sequence[float]) -> float:
        z = self.bias + sum(w * v for w, v in zip(self.weights, values, strict=True))
        return 1 / (1 + math.exp(-max(min(z, 40.0), -40.0)))

    def rank(self, evidence: Evidence) -> list[tuple[str, float]]:
        """Candidate FAQ ids with their probabilities, most probable first."""
        scored = [(entry, self.probability(features(evidence, entry))) for entry in evidence.candidates()]
        return sorted(scored, key=lambda pair: pair[1], reverse=True)

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> Combiner:
        """A combiner from the stored form (see `as_mapping`)."""
        names = data["features"]
        if names != list(FEATURES):
            raise ValueError(f"{MODEL_FILE.name} was fitted on other features: {names}")
        weights = data["weights"]
        limits = data["thresholds"]
        if not isinstance(weights, list) or not isinstance(limits, dict):
            raise ValueError(f"{MODEL_FILE.name} is malformed")
        return cls(tuple(float(w) for w in weights), float(str(data["bias"])), Thresholds(**limits))

    def as_mapping(self, trained_on: Sequence[str]) -> dict[str, object]:
        """The stored form, with the sets it was fitted on."""
        return {"trained_on": list(trained_on), "features": list(FEATURES),
                "weights": list(self.weights), "bias": self.bias,
                "thresholds": self.thresholds.__dict__}


@cache
def shipped() -> Combiner:
    """The combiner fitted on the tuning sets (bot/model/decision.json)."""
    return Combiner.from_mapping(json.loads(MODEL_FILE.read_text(encoding="utf-8")))
