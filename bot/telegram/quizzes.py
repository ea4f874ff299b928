"""/quiz on Telegram: the engine's round, drawn as quiz polls.

The rules and the wording are the engine's (bot/quizround.py); this module
sends each question as a non-anonymous quiz poll, reads the poll_answer
updates such polls deliver, and moves the round on: in a private chat as soon
as the player answers, in a group once every known player has answered, and
anywhere when the question's time is up (a JobQueue job, scheduled again on
start-up from the deadline the stored round carries).
"""

from __future__ import annotations

import logging
import time
from typing import cast

from telegram import Chat, Message, Poll, Update, User
from telegram.constants import PollLimit
from telegram.error import BadRequest, Forbidden
from telegram.ext import ContextTypes

from bot.engine import Engine
from bot.quizround import Player, QuizRound
from bot.telegram import dialogs, handlers, quizstate
from bot.telegram.context import ENGINE_KEY, App, engine_of

_LOG = logging.getLogger(__name__)
IGNORED = handlers.IGNORED


async def quiz(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """Start a round of quiz polls in this chat (/quiz, or /quiz 10 for ten questions)."""
    return await _begin(update, context, " ".join(context.args or ()) or None)


async def start_quiz(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """Start a round from the deep link of the inline quiz card (/start quiz)."""
    return await _begin(update, context, None)


async def play_again(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """Start a new round from the score card's play-again button."""
    query = update.callback_query
    if query is None:
        return IGNORED
    if not engine_of(context).quiz.is_start(query.data):  # PTB lets a press without data past any pattern
        return await handlers.button(update, context)
    if not isinstance(query.message, Message):  # an inline message: no chat to play in
        await query.answer(engine_of(context).stale().note)
        return "stale"
    await query.answer()
    return await _start(context, query.message, query.message.chat, query.from_user, None)


async def _begin(update: Update, context: ContextTypes.DEFAULT_TYPE, size: str | None) -> str:
    message, chat, user = update.effective_message, update.effective_chat, update.effective_user
    if message is None or chat is None or user is None:
        return IGNORED
    return await _start(context, message, chat, user, size)


async def _start(context: ContextTypes.DEFAULT_TYPE, message: Message, chat: Chat, user: User,
                 size: str | None) -> str:
    app, flow, now = context.application, engine_of(context).quiz, time.time()
    count = flow.size(size)
    if count is None:
        await message.reply_text(flow.usage().text, do_quote=False)
        return "help"
    group = chat.type != Chat.PRIVATE
    if group and quizstate.round_of(app.chat_data.get(chat.id)) is not None:
        # In a group a second /quiz (or an old play-again button) must not end the others' round.
        await message.reply_text(engine_of(context).renderer.render("quiz_running"), do_quote=False)
        return "quiz-running"
    state = flow.begin(count, now, starter=Player(user.id, user.first_name), group=group)
    quizstate.keep_round(app, chat.id, state)  # a private chat's earlier round ends here
    await message.reply_text(flow.intro(state).text, do_quote=False)
    await _ask(app, chat.id, state)
    return "quiz"


async def poll_answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """Count a player's answer; the next question once everyone known has answered."""
    answer, app = update.poll_answer, context.application
    if answer is None or answer.user is None or not answer.option_ids:
        return IGNORED
    chat_id = quizstate.chat_of_poll(app, answer.poll_id)
    state = quizstate.round_of(app.chat_data.get(chat_id)) if chat_id is not None else None
    if chat_id is None or state is None or state.poll != answer.poll_id:
        return "stale"  # a poll of a round that is over, or that has moved on
    flow = engine_of(context).quiz
    counted = flow.answer(state, Player(answer.user.id, answer.user.first_name), answer.option_ids[0])
    if counted is None:
        return "stale"
    quizstate.keep_round(app, chat_id, counted)
    if flow.all_answered(counted):
        await _move_on(app, chat_id, counted)
    return "quiz"


async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """Stop the quiz round of a private chat; cancel the dialog under way, if any."""
    chat = update.effective_chat
    state = quizstate.round_of(context.chat_data) if chat is not None and chat.type == Chat.PRIVATE else None
    if chat is None or state is None:
        return await handlers.cancel(update, context)
    await _finish(context.application, chat.id, state, stopped=True)
    if dialogs.state_of(context.user_data, chat.id) is not None:
        return await handlers.cancel(update, context)
    return "quiz-stopped"


def restore(app: App) -> int:
    """Index the open polls of stored rounds and schedule their timeouts; how many rounds were found."""
    count = 0
    for chat_id, chat_data in app.chat_data.items():
        state = quizstate.round_of(chat_data)
        if state is not None:
            quizstate.keep_round(app, chat_id, state)
            _schedule_timeout(app, chat_id, state)
            count += 1
    return count


# --- moving the round on ------------------------------------------------------------


async def _ask(app: App, chat_id: int, state: QuizRound) -> None:
    """Send the round's current question as a quiz poll, and start its clock."""
    flow = _engine(app).quiz
    question = flow.question(state)
    if question is None:
        await _finish(app, chat_id, state)
        return
    try:
        sent = await app.bot.send_poll(
            chat_id, question.text, list(question.options), type=Poll.QUIZ, is_anonymous=False,
            correct_option_ids=[question.correct], explanation=question.explanation,
            open_period=open_period(flow.seconds))
    except (BadRequest, Forbidden) as exc:  # the bot was removed, or Telegram refused the poll
        _LOG.info("quiz round in chat %s ended: the poll could not be sent (%s)", chat_id, exc)
        quizstate.keep_round(app, chat_id, None)
        return
    current = quizstate.round_of(app.chat_data.get(chat_id))
    if current is None or (current.nonce, current.index) != (state.nonce, state.index):
        return  # the round was replaced or stopped while the poll was on its way
    started = flow.sent(current, sent.poll.id if sent.poll else None, time.time())
    quizstate.keep_round(app, chat_id, started)
    _schedule_timeout(app, chat_id, started)


async def _move_on(app: App, chat_id: int, state: QuizRound) -> None:
    """The next question, or the end of the round."""
    state = _engine(app).quiz.advance(state, time.time())
    quizstate.keep_round(app, chat_id, state)  # before any await: a late answer to the old poll is stale
    if state.over:
        await _finish(app, chat_id, state)
    else:
        await _ask(app, chat_id, state)


async def _finish(app: App, chat_id: int, state: QuizRound, stopped: bool = False) -> None:
    """Send the score card or leaderboard, keep each player's best, forget the round."""
    now = time.time()
    befores = {p.id: quizstate.best_of(app.user_data.get(p.id), now) for p in state.players}
    reply, bests = _engine(app).quiz.finish(state, befores, now, stopped)
    for user_id, best in bests.items():
        quizstate.keep_best(app, user_id, best)
    quizstate.keep_round(app, chat_id, None)
    _cancel_timeout(app, chat_id)
    try:
        await app.bot.send_message(chat_id, reply.text, reply_markup=handlers.markup(reply))
    except (BadRequest, Forbidden) as exc:
        _LOG.info("could not send the quiz result in chat %s: %s", chat_id, exc)


def open_period(seconds: float) -> int:
    """A question's time as a poll's open_period, within what Telegram accepts."""
    return int(min(max(round(seconds), PollLimit.MIN_OPEN_PERIOD), PollLimit.MAX_OPEN_PERIOD))


def _engine(app: App) -> Engine:
    return cast(Engine, app.bot_data[ENGINE_KEY])


# --- timeouts -----------------------------------------------------------------------


def _job_name(chat_id: int) -> str:
    return f"quiz-timeout:{chat_id}"


def _cancel_timeout(app: App, chat_id: int) -> None:
    if app.job_queue is not None:
        for job in app.job_queue.get_jobs_by_name(_job_name(chat_id)):
            job.schedule_removal()


def _schedule_timeout(app: App, chat_id: int, state: QuizRound) -> None:
    _cancel_timeout(app, chat_id)
    if app.job_queue is None:
        return
    delay = max(state.deadline - time.time(), 0.0) + 0.05
    app.job_queue.run_once(_time_out, delay, data=(state.nonce, state.index), name=_job_name(chat_id),
                           chat_id=chat_id)


async def _time_out(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Move a round on when its question's time is up."""
    job, app = context.job, context.application
    if job is None or job.chat_id is None:
        return
    state = quizstate.round_of(app.chat_data.get(job.chat_id))
    if state is None or (state.nonce, state.index) != job.data:
        return
    if not engine_of(context).quiz.expired(state, time.time()):
        _schedule_timeout(app, job.chat_id, state)
        return
    await _move_on(app, job.chat_id, state)
