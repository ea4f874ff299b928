"""Quiz questions drawn from the knowledge base, never from a list in code.

Three kinds, each made from content an editor already keeps:
- an example task from tasks.yaml: "Payroll processing: BPO or KPO?";
- one side of a comparison dimension from dimensions.yaml:
  "Required skills: “Subject matter experts (e.g. PhDs, MBAs)”. BPO or KPO?";
- the `quiz:` block of an FAQ entry (bot/quizblock.py): multiple choice or true/false.

Only tasks the documents state are asked (not `derived` ones): a quiz checks what
the sources say. Every question is rendered to the Telegram HTML a quiz poll
carries and checked against Telegram's poll limits here, so `kpo-bot kb check`
and the engine refuse a knowledge base that could produce a poll Telegram would
reject, naming the file, entry and field to fix.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from markupsafe import escape

from bot import callbacks
from bot.knowledge import VERDICTS, Dimension, FaqEntry, KnowledgeBase, Problem, Task
from bot.quizblock import QuizItem
from bot.render import Renderer
from bot.tghtml import TelegramHTMLError, parse_html

QuestionKind = Literal["task", "dimension", "faq"]
KINDS: tuple[QuestionKind, ...] = ("faq", "dimension", "task")

# Telegram's limits on a quiz poll (telegram.constants.PollLimit; tests check they agree).
# Lengths count the text after HTML parsing, as Telegram does.
MAX_QUESTION = 300
MIN_OPTIONS = 2
MAX_OPTIONS = 10
"""The Bot API allowed 10 options until 9.1 raised it to 12; 10 suits every server."""
MAX_OPTION = 100
MAX_EXPLANATION = 200
MAX_EXPLANATION_LINE_FEEDS = 2


@dataclass(frozen=True)
class Question:
    """One quiz question, ready for a poll or numbered choices."""

    id: str
    """Stable across restarts while the knowledge base keeps the item: t.<task>, d.<dimension>.<bpo|kpo>,
    f.<faq entry>.<n>."""
    kind: QuestionKind
    text: str
    """Telegram HTML, like the options and the explanation."""
    options: tuple[str, ...]
    correct: int
    explanation: str
    """The fact that makes the answer right, citing its source."""
    topic: str
    """What the question is about, in plain words, for "you mixed up …"."""
    read: str
    """Callback data of the button that opens what to read after missing it."""


@dataclass(frozen=True)
class _Origin:
    """Where a question comes from, for naming it in a problem."""

    file: str
    entry: str
    question_field: str
    explanation_field: str
    prefix: str = ""


class QuestionBank:
    """Every question the knowledge base can produce, checked against Telegram's limits."""

    def __init__(self, kb: KnowledgeBase, renderer: Renderer) -> None:
        self.kb = kb
        self.renderer = renderer
        self.problems: list[Problem] = []
        self.questions: dict[str, Question] = {}
        for question, origin in self._build():
            found = poll_problems(question)
            for where, message in found:
                field = origin.explanation_field if where == "explanation" else origin.question_field
                self.problems.append(Problem(_shown(kb.folder / origin.file), origin.entry, field,
                                             origin.prefix + message))
            if not found:
                self.questions[question.id] = question

    def __len__(self) -> int:
        return len(self.questions)

    def get(self, question_id: str) -> Question | None:
        return self.questions.get(question_id)

    def draw(self, count: int, seed: int) -> tuple[str, ...]:
        """`count` question ids in random order, without repeats, mixing the kinds.

        The same seed draws the same questions in the same order, so a round can
        be replayed in tests. Kinds take turns so that a short round is not all tasks.
        """
        rng = random.Random(seed)
        pools = {kind: [q.id for q in self.questions.values() if q.kind == kind] for kind in KINDS}
        for pool in pools.values():
            rng.shuffle(pool)
        turns = [k for k in KINDS if pools[k]]
        rng.shuffle(turns)
        drawn: list[str] = []
        while len(drawn) < count and any(pools.values()):
            for kind in turns:
                if pools[kind] and len(drawn) < count:
                    drawn.append(pools[kind].pop())
        rng.shuffle(drawn)
        return tuple(drawn)

    # --- making questions ---------------------------------------------------------

    def _build(self) -> Iterator[tuple[Question, _Origin]]:
        kb = self.kb
        for task in kb.tasks.values():
            if not task.derived:
                yield self._task(task), _Origin("tasks.yaml", task.id, "name", "reason")
        for dimension in kb.dimensions.values():
            for side in ("bpo", "kpo"):
                yield self._dimension(dimension, side), _Origin("dimensions.yaml", dimension.id, side,
                                                                "explanation")
        for entry in kb.faq.values():
            for number, item in enumerate(entry.quiz, start=1):
                problem = self._unknown_sources(item)
                origin = _Origin("faq.yaml", entry.id, "quiz", "quiz", f"question {number}: ")
                if problem:
                    self.problems.append(Problem(_shown(kb.folder / "faq.yaml"), entry.id, "quiz",
                                                 origin.prefix + problem))
                    continue
                yield self._faq(entry, number, item), origin

    def _part(self, part: str, **values: object) -> str:
        return self.renderer.render("quiz_poll", part=part, **values)

    def _explanation(self, fact: str, sources: tuple[str, ...]) -> str:
        return self._part("explanation", fact=fact, sources=[self.kb.sources[s] for s in sources])

    def _verdicts(self) -> tuple[str, ...]:
        return tuple(str(escape(v)) for v in VERDICTS)

    def _task(self, task: Task) -> Question:
        read = callbacks.encode("a", task.faq) if task.faq else callbacks.encode("t", task.id)
        return Question(f"t.{task.id}", "task", self._part("task", task=task), self._verdicts(),
                        VERDICTS.index(task.verdict), self._explanation(task.reason, task.sources),
                        task.name, read)

    def _dimension(self, d: Dimension, side: Literal["bpo", "kpo"]) -> Question:
        value = d.bpo if side == "bpo" else d.kpo
        return Question(f"d.{d.id}.{side}", "dimension", self._part("dimension", d=d, value=value),
                        self._verdicts(), VERDICTS.index(side.upper()),
                        self._explanation(d.explanation, d.sources), d.name,
                        callbacks.encode("a", d.faq))

    def _faq(self, entry: FaqEntry, number: int, item: QuizItem) -> Question:
        label = self.renderer.label
        options: tuple[str, ...]
        if item.true_false:
            text = self._part("statement", statement=item.question)
            options = (str(escape(label("quiz_true"))), str(escape(label("quiz_false"))))
            correct = 0 if item.answer else 1
        else:
            text = str(escape(item.question))
            order = list(range(len(item.options)))
            random.Random(f"{entry.id}.{number}").shuffle(order)  # the right one not always first
            options = tuple(str(escape(item.options[i])) for i in order)
            correct = order.index(int(item.answer))
        return Question(f"f.{entry.id}.{number}", "faq", text, options, correct,
                        self._explanation(item.explain, item.sources or entry.sources),
                        item.topic or entry.short, callbacks.encode("a", entry.id))

    def _unknown_sources(self, item: QuizItem) -> str | None:
        unknown = [s for s in item.sources if s not in self.kb.sources]
        return f"unknown source id(s) {', '.join(unknown)} in 'sources'" if unknown else None


def poll_problems(question: Question) -> list[tuple[Literal["question", "explanation"], str]]:
    """What Telegram would refuse in this question's poll, and which part it is in."""
    found: list[tuple[Literal["question", "explanation"], str]] = []
    text = _visible(question.text)
    if text is None or not 1 <= len(text) <= MAX_QUESTION:
        found.append(("question", _length("the question", text, 1, MAX_QUESTION)))
    if not MIN_OPTIONS <= len(question.options) <= MAX_OPTIONS:
        found.append(("question", f"a poll takes {MIN_OPTIONS} to {MAX_OPTIONS} options, "
                                  f"not {len(question.options)}"))
    shown = [_visible(o) for o in question.options]
    for option in shown:
        if option is None or not 1 <= len(option) <= MAX_OPTION:
            found.append(("question", _length(f"option {option!r}", option, 1, MAX_OPTION)))
    if not 0 <= question.correct < len(shown) or shown.count(shown[question.correct]) != 1:
        found.append(("question", "needs exactly one right option"))
    explanation = _visible(question.explanation)
    if explanation is None or len(explanation) > MAX_EXPLANATION:
        found.append(("explanation", _length("the explanation with its source", explanation, 0,
                                             MAX_EXPLANATION) + "; shorten the text it is made from"))
    elif explanation.count("\n") > MAX_EXPLANATION_LINE_FEEDS:
        found.append(("explanation", f"the explanation has more than {MAX_EXPLANATION_LINE_FEEDS} line breaks"))
    return found


def _visible(html: str) -> str | None:
    """The text Telegram shows for this HTML (trimmed), or None if Telegram cannot parse it."""
    try:
        return parse_html(html).strip()
    except TelegramHTMLError:
        return None


def _length(what: str, text: str | None, least: int, most: int) -> str:
    if text is None:
        return f"{what} is not valid Telegram HTML"
    return f"{what} must be {least} to {most} characters in a Telegram poll (is {len(text)})"


def _shown(path: Path) -> str:
    """A knowledge file as problems name it: relative to the working folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
