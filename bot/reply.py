"""What the bot says, whatever the transport: a Reply with its text and buttons."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from bot.conversation import Context
    from bot.picture import Picture

MAX_BUTTONS = 3
"""Most rows of answer buttons under a reply: more is a wall, not a choice."""

Vote = Literal["up", "down"]
ReplyKind = Literal["answer", "classification", "suggestions", "fallback", "smalltalk", "start", "help",
                    "comparison", "dialog", "feedback", "stale", "parts", "picture", "quiz"]
"""What a reply is; "stale" is a note for a button press, with no message; "parts" answers
several questions of one message; "picture" is a photo, its text the caption; "quiz" belongs
to a quiz round."""


@dataclass(frozen=True)
class Button:
    """An inline button: a callback payload, or a link."""

    text: str
    data: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class Reply:
    """What the bot says, whatever the transport."""

    kind: ReplyKind
    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    entry: str | None = None
    score: float | None = None
    verdict: str | None = None
    note: str | None = None
    """A short popup note for a button press (answerCallbackQuery)."""
    edit: bool = False
    """Replace the message the pressed button sits on, instead of sending a new one."""
    vote: Vote | None = None
    """A feedback press: which way the user voted."""
    verdicts: tuple[tuple[str, str | None], ...] = ()
    """Each task a message named, in the user's words, with its verdict (None: can't tell)."""
    parts: tuple[Reply, ...] = ()
    """The reply to each question of a message that asked several."""
    asked: tuple[str, ...] = ()
    """Those questions, as the user wrote them."""
    context: Context | None = None
    """What this exchange was about, for reading the chat's next message with it."""
    picture: Picture | None = None
    """The photo a "picture" reply sends, its text being the caption."""

    def as_json(self, question: str) -> dict[str, object]:
        """The `kpo-bot ask --json` record of this reply."""
        return {
            "question": question,
            "kind": self.kind,
            "entry": self.entry,
            "score": self.score,
            "verdict": self.verdict,
            "text": self.text,
            "note": self.note,
            "buttons": [[{"text": b.text, "callback_data": b.data} for b in row] for row in self.buttons],
            "verdicts": [{"task": task, "verdict": verdict} for task, verdict in self.verdicts],
            "parts": [{"kind": p.kind, "entry": p.entry, "verdict": p.verdict} for p in self.parts],
        }
