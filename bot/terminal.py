"""Showing Telegram-HTML replies in a terminal: bold and italics as ANSI styles, buttons numbered."""

from __future__ import annotations

import contextlib
import html
import os
import re
import tempfile
import time
from collections.abc import Sequence
from dataclasses import replace

from bot import callbacks
from bot.conversation import Context
from bot.dialog import DialogState
from bot.engine import Engine
from bot.quizround import Best, Player, QuizRound
from bot.reply import Button, Reply

_STYLES = {"b": "1", "strong": "1", "i": "3", "em": "3", "u": "4", "ins": "4", "code": "2", "pre": "2"}
_TAG = re.compile(r"<(/?)([a-zA-Z-]+)[^>]*>")


def to_terminal(text: str, *, color: bool) -> str:
    """Telegram HTML as readable terminal text, styled when the terminal supports it."""

    def swap(match: re.Match[str]) -> str:
        closing, name = match.group(1), match.group(2).lower()
        if not color or name not in _STYLES:
            return ""
        return "\x1b[0m" if closing else f"\x1b[{_STYLES[name]}m"

    return html.unescape(_TAG.sub(swap, text))


def buttons_of(reply: Reply) -> list[Button]:
    """The reply's buttons in reading order, as the numbered choices shown to the user."""
    return [button for row in reply.buttons for button in row]


def show(reply: Reply, *, color: bool) -> tuple[str, list[Button]]:
    """The text to print for a reply, and the choices its numbers stand for."""
    choices = buttons_of(reply)
    parts = [to_terminal(reply.text, color=color)] if reply.text else []
    if reply.note:
        parts.append(f"({reply.note})")
    parts.extend(_choice_lines(choices))
    return "\n".join(parts), choices


def _choice_lines(choices: Sequence[Button]) -> list[str]:
    return [f"  [{n}] {b.text}" for n, b in enumerate(choices, start=1)]


PLAYER = Player(0, "you")
"""The one player of a terminal quiz."""


class Session:
    """One terminal chat: its /classify dialog, its conversation context, its quiz round
    and the choices on screen.

    `kpo-bot chat` and `kpo-bot chat --json` both go through `turn`, so a script
    reading JSON sees exactly what a person at the terminal sees.
    """

    def __init__(self, engine: Engine, seed: int | None = None) -> None:
        self.engine = engine
        self.state: DialogState | None = None
        self.context: Context | None = None
        self.choices: list[Button] = []
        self.round: QuizRound | None = None
        self.best: Best | None = None
        """The best quiz result of this session; nothing is kept after /quit."""
        self.seed = seed
        """Draws the quiz questions (None: at random); each round takes the next seed."""

    def opening(self) -> Reply:
        """The greeting shown when the chat starts; its buttons become the choices."""
        reply = self.engine.start()
        self.choices = buttons_of(reply)
        return reply

    def turn(self, text: str, now: float | None = None) -> Reply:
        """The reply to one typed line: a question, a number for a choice, or a /command."""
        now = time.time() if now is None else now
        self.state, reply = self._step(text.strip(), now)
        reply = self.engine.with_card(reply, self.context, now)
        if reply.context is not None:
            self.context = reply.context
        if reply.picture is not None:
            reply = self._save_picture(reply)
        # A note (stale press, vote), the picture or a hint mid-dialog leaves the last choices in force.
        new = buttons_of(reply)
        if new or (reply.kind not in ("stale", "feedback", "picture") and self.state is None):
            self.choices = new
        return reply

    def _save_picture(self, reply: Reply) -> Reply:
        """A terminal cannot show a photo: the picture goes to a file, and the reply says where."""
        assert reply.picture is not None
        path: str | None = None
        error = ""
        try:
            handle, path = tempfile.mkstemp(prefix="kpo-vs-bpo-", suffix=".png")
            with os.fdopen(handle, "wb") as out:
                out.write(reply.picture.png())
        except OSError as exc:
            if path is not None:
                with contextlib.suppress(OSError):
                    os.unlink(path)
            path, error = None, exc.strerror or type(exc).__name__
        # The caption is for Telegram; the picture itself names its sources.
        return replace(reply, text=self.engine.renderer.render("picture_saved", path=path, error=error))

    def _step(self, text: str, now: float) -> tuple[DialogState | None, Reply]:
        engine, state = self.engine, self.state
        quiz = self._quiz(text, now)
        if quiz is not None:
            return self.state, quiz
        choice = _choice_number(text)
        if choice is not None and 1 <= choice <= len(self.choices) and self.choices[choice - 1].data:
            return engine.step_press(self.choices[choice - 1].data, state, now)
        if choice is not None:
            return state, Reply("stale", "", note=f"There is no choice {text} on screen; type a question.")
        if text in ("/classify", "/cancel", "/start classify"):
            if text == "/cancel":
                self.context = None
            return engine.step_command(text.split()[-1].lstrip("/"), state, now)
        if text.startswith("/start"):
            return engine.step_start(text.split()[1] if " " in text else None, state, now)
        if text.startswith("/"):
            return state, engine.command(text, terminal=True)
        return engine.step_text(text, state, now, self.context)


    # --- the quiz: the engine's round, drawn as numbered choices ---------------------

    def _quiz(self, text: str, now: float) -> Reply | None:
        """The reply when the line belongs to a quiz (starting, answering, stopping one), else None."""
        words = text.split()
        choice = _choice_number(text)
        data = self.choices[choice - 1].data if choice is not None and 1 <= choice <= len(self.choices) else None
        if data is None and self.round is not None:  # "bpo" or "true" typed: the option it names
            data = _labelled(text, self.choices)
            choice = choice if data is None else 0
        if words[:1] == ["/quiz"] or text == "/start quiz" or self.engine.quiz.is_start(data):
            return self._begin(" ".join(words[1:]) if words[:1] == ["/quiz"] else None, now)
        parsed = callbacks.decode(data)
        if parsed is not None and parsed.kind == "q":
            return self._answer(parsed.target, parsed.arg, now)
        if self.round is None:
            return None
        if text == "/cancel":
            return self._end(now, stopped=True)
        if text.startswith("/"):  # another command (/classify, /compare) leaves the round for it
            self._end(now, stopped=True)
            return None
        if choice is None:
            hint = self.engine.renderer.render("quiz_hint")
            return self.engine.quiz.ask(self.round, before=hint)
        return None

    def _begin(self, size: str | None, now: float) -> Reply:
        quiz = self.engine.quiz
        count = quiz.size(size)
        if count is None:
            return quiz.usage()
        seed, self.seed = self.seed, None if self.seed is None else self.seed + 1
        self.round = quiz.begin(count, now, seed=seed, starter=PLAYER)
        self.state = None  # a round replaces a /classify dialog under way
        return quiz.ask(self.round, before=quiz.intro(self.round, terminal=True).text)

    def _answer(self, nonce: str, option: str | None, now: float) -> Reply:
        quiz, state = self.engine.quiz, self.round
        question = quiz.question(state) if state is not None and state.nonce == nonce else None
        valid = option is not None and option.isdigit() and len(option) <= 2
        answered = quiz.answer(state, PLAYER, int(option)) if state and question and valid and option else None
        if question is None or answered is None or option is None:
            return quiz.stale()
        feedback = quiz.feedback(question, int(option))
        self.round = quiz.advance(answered, now)
        if self.round.over:
            return self._end(now, lead=feedback)
        return quiz.ask(self.round, before=feedback)

    def _end(self, now: float, stopped: bool = False, lead: str = "") -> Reply:
        assert self.round is not None
        reply, bests = self.engine.quiz.finish(self.round, {PLAYER.id: self.best}, now, stopped, lead)
        self.best = bests.get(PLAYER.id, self.best)
        self.round = None
        return reply


def _labelled(text: str, choices: Sequence[Button]) -> str | None:
    """The data of the one choice whose label is the typed text (any case, no punctuation)."""
    said = re.sub(r"[^\w\s]", "", text).strip().lower()
    found = [b.data for b in choices if b.data and re.sub(r"<[^>]+>|[^\w\s]", "", html.unescape(b.text))
             .strip().lower() == said]
    return found[0] if len(found) == 1 else None


def _choice_number(text: str) -> int | None:
    """A typed choice number: ASCII digits only, short ("²" and 5,000 digits are not numbers)."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 3 else None
