"""The `quiz:` block of an FAQ entry: a few quiz questions drawn from the entry's answer.

An editor writes them in knowledge/faq.yaml, in one of two shapes:

    quiz:
      - question: One article calls KPO a subset of BPO. What does the other call them?
        options: [Basically the same, Complete opposites, Unrelated trades]
        answer: Basically the same          # must be exactly one of the options
        explain: The 2015 article calls them basically the same, then lists the differences.
      - statement: Both articles call KPO a subset of BPO.
        answer: false                       # a true/false question: true or false
        explain: Only the Brainpower Outsourcing article does.

`sources` (ids from sources.yaml; default: the entry's) and `topic` (how the
score card names the question when it is missed; default: the entry's short
title) are optional. This module only reads and checks the block's shape, so
the knowledge loader can name the entry and field of any mistake; the limits
Telegram puts on a poll are checked on the finished questions (bot/quiz.py),
since they depend on the wording the templates add.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

MAX_ITEMS = 5
"""Quiz questions one entry may hold: a few facts of its answer, not a question list."""
FIELDS = frozenset({"question", "statement", "options", "answer", "explain", "sources", "topic"})


@dataclass(frozen=True)
class QuizItem:
    """One quiz question as the editor wrote it (plain text; rendered and escaped later)."""

    question: str
    """The question, or for a true/false item the statement."""
    options: tuple[str, ...]
    """The choices; empty for a true/false item."""
    answer: int | bool
    """The index of the right option, or for a true/false item whether the statement is true."""
    explain: str
    sources: tuple[str, ...] = ()
    topic: str | None = None

    @property
    def true_false(self) -> bool:
        return not self.options


def problem(value: Any) -> str | None:
    """What is wrong with a `quiz:` block, or None; each mistake names the item and its field."""
    if not isinstance(value, list) or not value:
        return "must be a list of quiz questions (each with question or statement, answer and explain)"
    if len(value) > MAX_ITEMS:
        return f"has {len(value)} questions; at most {MAX_ITEMS} per entry"
    found = [f"question {n}: {p}" for n, item in enumerate(value, start=1) if (p := _item_problem(item))]
    return "; ".join(found) or None


def parse(value: Any) -> tuple[QuizItem, ...]:
    """The items of a block `problem` accepts (None or a missing block: no items)."""
    if value is None:
        return ()
    return tuple(_item(raw) for raw in value)


def _item(raw: dict[str, Any]) -> QuizItem:
    sources = tuple(raw.get("sources", ()))
    topic = raw["topic"].strip() if "topic" in raw else None
    if "statement" in raw:
        return QuizItem(raw["statement"].strip(), (), bool(raw["answer"]), raw["explain"].strip(),
                        sources, topic)
    options = tuple(o.strip() for o in raw["options"])
    return QuizItem(raw["question"].strip(), options, options.index(raw["answer"].strip()),
                    raw["explain"].strip(), sources, topic)


def _item_problem(item: Any) -> str | None:
    if not isinstance(item, dict):
        return "must be a mapping with question or statement, answer and explain"
    unknown = sorted(set(item) - FIELDS)
    if unknown:
        return f"unknown field(s): {', '.join(map(str, unknown))}"
    if ("question" in item) == ("statement" in item):
        return "needs either 'question' (with options) or 'statement' (true or false), not both"
    for key, check in _CHECKS.items():
        if key in item and (message := check(item[key])):
            return f"'{key}' {message}"
    if "explain" not in item:
        return "'explain' is missing: say in a sentence why the answer is right"
    if "statement" in item:
        return _statement_problem(item)
    return _choice_problem(item)


def _statement_problem(item: dict[str, Any]) -> str | None:
    if "options" in item:
        return "a statement is answered true or false; drop 'options' or write a 'question'"
    if not isinstance(item.get("answer"), bool):
        return "'answer' of a statement must be true or false"
    return None


def _choice_problem(item: dict[str, Any]) -> str | None:
    options = item.get("options")
    if not isinstance(options, list) or len(options) < 2:
        return "'options' must list at least 2 choices"
    if not all(isinstance(o, str) and o.strip() for o in options):
        return "'options' must all be non-empty texts (put quotes around yes, no, true, false)"
    stripped = [o.strip() for o in options]
    if len(set(stripped)) != len(stripped):
        return "'options' has the same choice twice"
    answer = item.get("answer")
    if not isinstance(answer, str) or stripped.count(answer.strip()) != 1:
        return f"'answer' must be exactly one of the options, not {answer!r}"
    return None


def _text(value: Any) -> str | None:
    return None if isinstance(value, str) and value.strip() else "must be non-empty text"


def _ids(value: Any) -> str | None:
    ok = isinstance(value, list) and value and all(isinstance(v, str) and v for v in value)
    return None if ok else "must be a list of source ids"


_CHECKS: dict[str, Callable[[Any], str | None]] = {
    "question": _text, "statement": _text, "explain": _text, "topic": _text, "sources": _ids,
}
