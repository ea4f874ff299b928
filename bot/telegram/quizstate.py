"""Where the Telegram adapter keeps quiz data, and for how long.

- A chat's round (bot.quizround.QuizRound) in that chat's chat_data, which the
  state file persists, so a round goes on after a restart; it is deleted when
  the round ends, and a chat without a round is not kept at all.
- Which chat each open poll belongs to, in bot_data (not persisted): poll_answer
  updates carry the poll's id and the voter, not the chat. Rebuilt from the
  stored rounds on start-up.
- A user's best result (bot.quizround.Best) in their user_data, the only thing
  kept after a round; it is deleted BEST_DAYS after their last round.
"""

from __future__ import annotations

from typing import Any

from bot.quizround import BEST_DAYS, Best, QuizRound
from bot.telegram.context import App

ROUND_KEY = "quiz"
"""chat_data key of the chat's round."""
BEST_KEY = "quiz_best"
"""user_data key of the user's best result."""
POLLS_KEY = "quiz_polls"
"""bot_data key of the open polls: poll id -> chat id."""


def round_of(chat_data: dict[Any, Any] | None) -> QuizRound | None:
    """The chat's round, if one is under way (a stored value of another shape counts as none)."""
    stored = chat_data.get(ROUND_KEY) if chat_data else None
    return stored if isinstance(stored, QuizRound) else None


def keep_round(app: App, chat_id: int, state: QuizRound | None) -> None:
    """Store the chat's round as it now stands (None: the round is over), with its open poll."""
    polls = polls_of(app)
    previous = round_of(app.chat_data.get(chat_id))
    if previous is not None and previous.poll is not None:
        polls.pop(previous.poll, None)
    if state is None:
        app.chat_data.get(chat_id, {}).pop(ROUND_KEY, None)
        forget_idle_chat(app, chat_id)
        return
    app.chat_data[chat_id][ROUND_KEY] = state
    if state.poll is not None:
        polls[state.poll] = chat_id
    app.mark_data_for_update_persistence(chat_ids=chat_id)


def chat_of_poll(app: App, poll_id: str) -> int | None:
    """The chat whose round asked this poll, while it is the round's open question."""
    return polls_of(app).get(poll_id)


def polls_of(app: App) -> dict[str, int]:
    polls: dict[str, int] = app.bot_data.setdefault(POLLS_KEY, {})
    return polls


def forget_idle_chat(app: App, chat_id: int) -> None:
    """Drop the chat's data, in memory and in the state file, unless a round is under way."""
    if round_of(app.chat_data.get(chat_id)) is None:
        app.drop_chat_data(chat_id)


def best_of(user_data: dict[Any, Any] | None, now: float) -> Best | None:
    """The user's best result, unless it has expired."""
    stored = user_data.get(BEST_KEY) if user_data else None
    if not isinstance(stored, Best) or now - stored.at > BEST_DAYS * 86400:
        return None
    return stored


def keep_best(app: App, user_id: int, best: Best) -> None:
    """Store the user's best result (their user_data is kept while it is fresh)."""
    app.user_data[user_id][BEST_KEY] = best
    app.mark_data_for_update_persistence(user_ids=user_id)


def holds_best(user_data: dict[Any, Any] | None, now: float) -> bool:
    """Whether the user has a best result still worth keeping; an expired one is deleted."""
    if user_data is None or BEST_KEY not in user_data:
        return False
    if best_of(user_data, now) is None:
        user_data.pop(BEST_KEY, None)
        return False
    return True
