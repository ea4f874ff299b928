"""Measuring answer accuracy on a labelled question set (tests/data/*.yaml).

Format: a mapping with `questions`, a list of items, each with `q` and exactly one of
`entry` (an FAQ id, or a list of acceptable ids), `verdict` (BPO or KPO, with
`task: listed|unlisted`), or `off_topic: true` (with `near: true` when close to the topic);
newer sets also say how the question is written, `voice: clean|typos|long|hinglish|indirect`,
and the report then gives every figure per voice too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.engine import Engine
from bot.reply import Reply

@dataclass(frozen=True)
class Item:
    """One labelled question."""

    q: str
    entries: tuple[str, ...] = ()
    verdict: str | None = None
    off_topic: bool = False
    voice: str | None = None

    @property
    def expected(self) -> str:
        if self.off_topic:
            return "off-topic (no confident answer)"
        if self.verdict:
            return f"verdict {self.verdict}"
        return "entry " + " or ".join(self.entries)


@dataclass
class Report:
    """Counts per kind of question, and every miss."""

    on_topic: int = 0
    correct: int = 0
    wrong: int = 0
    deferred: int = 0
    off_topic: int = 0
    rejected: int = 0
    tasks: int = 0
    verdicts_right: int = 0
    misses: list[tuple[Item, Reply]] = field(default_factory=list)

    def share(self, part: int, whole: int) -> float:
        return part / whole if whole else 1.0

    def lines(self, misses: bool = True) -> list[str]:
        """The printed summary and, unless told not to (held-out and validation sets), the misses."""
        def pct(part: int, whole: int) -> str:
            return f"{100 * self.share(part, whole):5.1f}%  ({part}/{whole})"

        out = [
            f"on-topic questions: {self.on_topic}",
            f"  answered correctly      {pct(self.correct, self.on_topic)}",
            f"  answered wrongly        {pct(self.wrong, self.on_topic)}",
            f"  deferred to suggestions {pct(self.deferred, self.on_topic)}",
            f"off-topic questions: {self.off_topic}",
            f"  not answered confidently {pct(self.rejected, self.off_topic)}",
            f"task questions: {self.tasks}",
            f"  right verdicts          {pct(self.verdicts_right, self.tasks)}",
        ]
        if self.misses:
            out.append(f"misses: {len(self.misses)}")
        for item, reply in self.misses if misses else ():
            got = reply.kind + (f" {reply.entry}" if reply.entry else "")
            got += f" verdict {reply.verdict}" if reply.verdict else ""
            got += f" (score {reply.score})" if reply.score is not None else ""
            out.append(f"  - {item.q!r}: expected {item.expected}, got {got}")
        return out


VOICES = ("clean", "typos", "long", "hinglish", "indirect")
"""How a question is written: well-formed, sloppy, after context, romanised Hindi, by implication."""


class EvalSetError(ValueError):
    """The question set file is malformed."""


def load_items(path: Path) -> list[Item]:
    """The labelled questions of a set file."""
    return [_item(path, n, raw) for n, raw in enumerate(_listed(path, "questions"), start=1)]


def _listed(path: Path, key: str) -> list[Any]:
    """The list under `key` in a set file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise EvalSetError(f"{path}: cannot be read: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get(key), list):
        raise EvalSetError(f"{path}: must be a mapping with a list under '{key}'")
    items: list[Any] = data[key]
    return items


def _item(path: Path, n: int, raw: Any) -> Item:
    if not isinstance(raw, dict) or not isinstance(raw.get("q"), str):
        raise EvalSetError(f"{path}: question #{n} needs a text 'q'")
    labels = [k for k in ("entry", "verdict", "off_topic") if k in raw]
    if len(labels) != 1:
        raise EvalSetError(f"{path}: question #{n} needs exactly one of entry, verdict, off_topic")
    entry = raw.get("entry")
    entries = tuple(entry) if isinstance(entry, list) else ((entry,) if entry else ())
    voice = raw.get("voice")
    if voice is not None and voice not in VOICES:
        raise EvalSetError(f"{path}: question #{n} has an unknown voice {voice!r}")
    return Item(raw["q"], entries, raw.get("verdict"), bool(raw.get("off_topic")), voice)


def evaluate(engine: Engine, items: Iterable[Item]) -> Report:
    """Run every question through the engine and count outcomes."""
    report = Report()
    for item in items:
        reply = engine.reply(item.q)
        if not _score(report, item, reply):
            report.misses.append((item, reply))
    return report


def by_voice(engine: Engine, items: Iterable[Item]) -> dict[str, Report]:
    """One report per voice (questions without one count as "unmarked"), and "all"."""
    reports: dict[str, Report] = {"all": Report()}
    for item in items:
        reply = engine.reply(item.q)  # asked once, counted in both reports
        for report in (reports["all"], reports.setdefault(item.voice or "unmarked", Report())):
            if not _score(report, item, reply):
                report.misses.append((item, reply))
    return reports


def voice_table(reports: dict[str, Report]) -> list[str]:
    """A Markdown table of the figures per voice."""
    def cell(part: int, whole: int) -> str:
        return f"{100 * part / whole:.0f}% ({part}/{whole})" if whole else "–"

    lines = ["| voice | correct | wrong | deferred | off-topic not answered | verdicts right |",
             "|---|---|---|---|---|---|"]
    order = [v for v in (*VOICES, "unmarked") if v in reports] + ["all"]
    for voice in order:
        r = reports[voice]
        lines.append(f"| {voice} | {cell(r.correct, r.on_topic)} | {cell(r.wrong, r.on_topic)} | "
                     f"{cell(r.deferred, r.on_topic)} | {cell(r.rejected, r.off_topic)} | "
                     f"{cell(r.verdicts_right, r.tasks)} |")
    return lines


def _score(report: Report, item: Item, reply: Reply) -> bool:
    """Count one outcome; True when it is what the label expects."""
    confident = reply.kind == "answer" or (reply.kind == "classification" and reply.verdict is not None)
    if item.off_topic:
        report.off_topic += 1
        ok = not confident
        report.rejected += ok
        return ok
    if item.verdict:
        report.tasks += 1
        ok = reply.verdict == item.verdict
        report.verdicts_right += ok
        return ok
    report.on_topic += 1
    if reply.kind == "answer" and reply.entry in item.entries:
        report.correct += 1
        return True
    if confident:
        report.wrong += 1
    elif reply.kind in ("suggestions", "classification"):
        report.deferred += 1
    return False


# --- conversations -----------------------------------------------------------------

CATEGORIES = ("follow_up", "multi_question", "multi_task", "own_work", "topic_switch")
"""What a conversation of tests/data/conversations/*.yaml tests."""
TURN_SECONDS = 20.0
"""Time between the turns of a scored conversation."""


@dataclass(frozen=True)
class Turn:
    """One user message of a conversation, with what the reply must be (or nothing to score)."""

    user: str
    expect: dict[str, Any] | None


@dataclass(frozen=True)
class Conversation:
    id: str
    category: str
    turns: tuple[Turn, ...]


@dataclass
class ChatReport:
    """Scored turns right per category, and every miss."""

    right: dict[str, int] = field(default_factory=dict)
    scored: dict[str, int] = field(default_factory=dict)
    misses: list[tuple[str, str, dict[str, Any], Reply]] = field(default_factory=list)

    def table(self) -> list[str]:
        def cell(c: str | None) -> str:
            right = sum(self.right.values()) if c is None else self.right.get(c, 0)
            scored = sum(self.scored.values()) if c is None else self.scored.get(c, 0)
            return f"{100 * right / scored:.0f}% ({right}/{scored})" if scored else "–"
        lines = ["| category | scored turns right |", "|---|---|"]
        lines += [f"| {c} | {cell(c)} |" for c in CATEGORIES if c in self.scored]
        return [*lines, f"| all | {cell(None)} |"]


def load_conversations(path: Path) -> list[Conversation]:
    """The conversations of a set file."""
    out = []
    for n, raw in enumerate(_listed(path, "conversations"), start=1):
        if not isinstance(raw, dict) or raw.get("category") not in CATEGORIES or not raw.get("turns"):
            raise EvalSetError(f"{path}: conversation #{n} needs a known category and turns")
        turns = tuple(Turn(str(t["user"]), t.get("expect")) for t in raw["turns"])
        out.append(Conversation(str(raw.get("id", n)), raw["category"], turns))
    return out


def evaluate_conversations(engine: Engine, conversations: Iterable[Conversation]) -> ChatReport:
    """Play each conversation through the engine, as a chat would, and score its turns."""
    report = ChatReport()
    for conversation in conversations:
        context, now = None, 1_800_000_000.0
        for turn in conversation.turns:
            reply = engine.converse(turn.user, context, now)
            context, now = reply.context, now + TURN_SECONDS
            if turn.expect is None:
                continue
            category = conversation.category
            report.scored[category] = report.scored.get(category, 0) + 1
            if turn_right(turn.expect, reply):
                report.right[category] = report.right.get(category, 0) + 1
            else:
                report.misses.append((conversation.id, turn.user, turn.expect, reply))
    return report


def turn_right(expect: dict[str, Any], reply: Reply) -> bool:
    """Whether a reply is what a turn's `expect` asks for."""
    confident = reply.kind in ("answer", "parts") or (reply.kind == "classification" and reply.verdict)
    if "entry" in expect:
        wanted = expect["entry"] if isinstance(expect["entry"], list) else [expect["entry"]]
        return reply.kind == "answer" and reply.entry in wanted
    if "verdict" in expect:
        return bool(reply.verdict == expect["verdict"])
    if "verdicts" in expect:
        return [v for _, v in reply.verdicts] == list(expect["verdicts"])
    if "parts" in expect:
        parts = reply.parts or ((reply,) if reply.kind != "parts" else ())
        return len(parts) == len(expect["parts"]) and all(
            turn_right(e, p) for e, p in zip(expect["parts"], parts, strict=True))
    if "smalltalk" in expect:
        return reply.kind == "smalltalk"
    if "off_topic" in expect:
        return not confident
    return False
