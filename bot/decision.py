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
from collections.abc import Iterable, Mapping, Sequence
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
GATE_FEATURES = (
    "marker", "one_kind", "both_kinds", "task_cosine", "faq_cosine", "task_lead_over_faq",
    "cue_strength", "lexical_faq", "lexical_off_topic", "length", "yes_no",
)
"""What the gate weighs to tell a question about some work ("is X BPO or KPO?") from the rest."""


@dataclass(frozen=True)
class Thresholds:
    """Where the evidence acts. Fitted and chosen on the tuning sets (tests/data/dev*.yaml and
    calibration.yaml) by scripts/train_decision.py, which writes them to bot/model/decision.json;
    the defaults here are that file's values when it was last written."""

    answer: float = 0.4
    """Probability at which the best entry is answered outright."""
    suggest: float = 0.15
    """Probability at which an entry is offered as a "did you mean" button."""
    decline: float = 62.0
    """Cosine (x 100) of an off-topic subject, ahead of every entry, at which it is declined."""
    task: float = 70.0
    """Cosine (x 100) at which a task question is taken to be about a listed task."""
    gate: float = 0.6
    """Probability at which a question is taken to ask for a task's verdict."""
    over_unlisted: float = 0.6
    """Probability of the best entry at which it answers a question the gate took for a task
    question that names no listed task ("is there judgement involved in kpo work?"), unless the
    gate is `sure_gate` sure. Chosen on the tuning sets (dev.yaml to dev10.yaml, calibration.yaml):
    0.4 and 0.6 gave 13 more right answers and 11 fewer wrong ones for one verdict less; 0.8 half that."""
    sure_gate: float = 0.95
    """Gate probability above which a question is a task question whatever the FAQ says (same sets:
    0.8 kept one more verdict but answered 3 fewer questions right)."""
    gate_words: int = 3
    """Fewest words of a question without a task marker that the gate may judge: a word or two
    ("stats", "analysis") names a topic, not a piece of work."""


@dataclass(frozen=True)
class Evidence:
    """Everything the decision weighs about one question."""

    lexical: Sequence[Hit]
    """The lexical ranking of FAQ entries and off-topic subjects, best first."""
    semantic: Sequence[Hit]
    """Every target of every kind by cosine (x 100), best first."""
    task_question: bool
    """Whether the wording asks which kind some work is (a task marker, knowledge/cues.yaml)."""
    kinds_named: int = 0
    """How many of BPO and KPO the question names (0, 1 or 2)."""
    cue_weight: float = 0.0
    """The summed weight of the task cue words in the question (KPO positive, BPO negative)."""
    words: int = 0
    yes_no: bool = False
    """Whether the question opens like a yes/no question ("is ...", "would ...")."""
    compares: bool = False
    """Whether it compares one thing with another ("riskier than"): a question about the kinds."""

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


def gate_features(evidence: Evidence) -> list[float]:
    """The `GATE_FEATURES` of a question, each about 0 to 1."""
    task, faq = evidence.best("task"), evidence.best("faq")
    task_cosine = task.score / 100 if task else 0.0
    faq_cosine = faq.score / 100 if faq else 0.0
    top = evidence.lexical[0] if evidence.lexical else None
    lexical_faq = top.score / 100 if top is not None and top.kind == "faq" else 0.0
    off_topic = top.score / 100 if top is not None and top.kind == "oos" else 0.0
    return [
        float(evidence.task_question), float(evidence.kinds_named == 1), float(evidence.kinds_named == 2),
        task_cosine, faq_cosine, task_cosine - faq_cosine, math.tanh(abs(evidence.cue_weight) / 2),
        lexical_faq, off_topic, math.log1p(evidence.words) / 4, float(evidence.yes_no),
    ]


@dataclass(frozen=True)
class Logistic:
    """A logistic regression: weights over named features, and a bias."""

    names: tuple[str, ...]
    weights: tuple[float, ...]
    bias: float

    def probability(self, values: Sequence[float]) -> float:
        z = self.bias + sum(w * v for w, v in zip(self.weights, values, strict=True))
        return 1 / (1 + math.exp(-max(min(z, 40.0), -40.0)))

    @classmethod
    def from_mapping(cls, data: object, names: tuple[str, ...]) -> Logistic:
        if not isinstance(data, dict) or data.get("features") != list(names):
            raise ValueError(f"{MODEL_FILE.name} was fitted on other features than {names}")
        return cls(names, tuple(float(w) for w in data["weights"]), float(data["bias"]))

    def as_mapping(self) -> dict[str, object]:
        return {"features": list(self.names), "weights": list(self.weights), "bias": self.bias}


@dataclass(frozen=True)
class Lean:
    """A logistic regression over a question's sentence vector: the chance that the work it
    describes is KPO.

    Fitted on the listed tasks' names, aliases and reasons and on the tuning sets' task
    questions, it carries what "routine" and "expert" work look like to the encoder, beyond
    the few listed tasks nearest an unlisted one.
    """

    weights: tuple[float, ...]
    bias: float

    def chance(self, vector: Iterable[float]) -> float:
        """The probability that the work is KPO (0.5: no lean either way)."""
        z = self.bias + sum(w * float(v) for w, v in zip(self.weights, vector, strict=True))
        return 1 / (1 + math.exp(-max(min(z, 40.0), -40.0)))

    @classmethod
    def from_mapping(cls, data: object) -> Lean:
        if not isinstance(data, dict) or not isinstance(data.get("weights"), list):
            raise ValueError(f"{MODEL_FILE.name} has no lean model")
        return cls(tuple(float(w) for w in data["weights"]), float(data["bias"]))

    def as_mapping(self) -> dict[str, object]:
        return {"weights": [round(w, 6) for w in self.weights], "bias": self.bias}


@dataclass(frozen=True)
class Combiner:
    """The calibrated models and the thresholds at which they act."""

    answer: Logistic
    """The probability that a candidate entry answers the question (`FEATURES`)."""
    task: Logistic
    """The probability that the question asks which kind some work is (`GATE_FEATURES`)."""
    thresholds: Thresholds
    lean: Lean | None = None
    """Which kind the work a task question describes leans to; None judges by neighbours and cues."""

    def rank(self, evidence: Evidence) -> list[tuple[str, float]]:
        """Candidate FAQ ids with their probabilities, most probable first."""
        scored = [(entry, self.answer.probability(features(evidence, entry)))
                  for entry in evidence.candidates()]
        return sorted(scored, key=lambda pair: pair[1], reverse=True)

    def asks_task(self, evidence: Evidence) -> float:
        """The probability that the question asks for a task's verdict."""
        if evidence.compares or not evidence.task_question and evidence.words < self.thresholds.gate_words:
            return 0.0
        return self.task.probability(gate_features(evidence))

    @classmethod
    def neutral(cls) -> Combiner:
        """All weights zero: the starting point of the fit."""
        return cls(Logistic(FEATURES, tuple(0.0 for _ in FEATURES), 0.0),
                   Logistic(GATE_FEATURES, tuple(0.0 for _ in GATE_FEATURES), 0.0), Thresholds())

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> Combiner:
        """A combiner from the stored form (see `as_mapping`)."""
        limits = data["thresholds"]
        if not isinstance(limits, dict):
            raise ValueError(f"{MODEL_FILE.name} is malformed")
        lean = Lean.from_mapping(data["lean"]) if "lean" in data else None
        return cls(Logistic.from_mapping(data["answer"], FEATURES),
                   Logistic.from_mapping(data["task"], GATE_FEATURES), Thresholds(**limits), lean)

    def as_mapping(self, trained_on: Sequence[str], lean_on: Sequence[str] = ()) -> dict[str, object]:
        """The stored form, with the sets each part was fitted on."""
        stored: dict[str, object] = {"trained_on": list(trained_on), "answer": self.answer.as_mapping(),
                                     "task": self.task.as_mapping(), "thresholds": self.thresholds.__dict__}
        if self.lean is not None:
            stored["lean"] = {"trained_on": list(lean_on), **self.lean.as_mapping()}
        return stored


@cache
def shipped() -> Combiner:
    """The combiner fitted on the tuning sets (bot/model/decision.json)."""
    return Combiner.from_mapping(json.loads(MODEL_FILE.read_text(encoding="utf-8")))
