"""A quiz round: its state, its rules and its wording, whatever draws the questions.

Telegram draws each question as a quiz poll and `kpo-bot chat` as numbered
choices; both keep a QuizRound and pass it in with each answer, so the rules
(who has answered, when the round moves on, the score) live only here. A round
is an immutable value of strings, numbers and tuples: PTB persistence stores it
in the chat's data, and it carries its own deadline, so a timeout survives a
restart. Scores live in the round only; afterwards a player keeps a `Best`.
"""

from __future__ import annotations

import html
import secrets
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

from markupsafe import Markup

from bot import callbacks
from bot.quiz import Question, QuestionBank
from bot.render import Renderer
from bot.reply import MAX_BUTTONS, Button, Reply

ROUND_SIZE = 5
MAX_ROUND = 20
"""Most questions one round may ask (/quiz 20): a long round is better split."""
QUIZ_SECONDS = 60.0
"""How long a question waits for answers before the round moves on."""
IDLE_LIMIT = 2
"""Questions in a row nobody answers before the round stops: nobody is playing."""
BEST_DAYS = 30.0
"""How long a player's best result is kept after their last round."""


@dataclass(frozen=True)
class Player:
    """Someone answering in a round: a Telegram user, or the person at the terminal."""

    id: int
    name: str


@dataclass(frozen=True)
class Answer:
    """One player's answer to one question of the round."""

    player: int
    question: int
    """Index of the question in the round."""
    option: int
    right: bool


@dataclass(frozen=True)
class QuizRound:
    """Where one chat's round stands."""

    nonce: str
    """Identifies the round; answers and buttons of another round are ignored."""
    questions: tuple[str, ...]
    """Question ids (bot/quiz.py), in the order they are asked."""
    group: bool = False
    """In a group the round waits for every known player (or the timeout), else for the one player."""
    index: int = 0
    """The question being asked; len(questions) once all were asked."""
    players: tuple[Player, ...] = ()
    answers: tuple[Answer, ...] = ()
    deadline: float = 0.0
    """Unix time after which the current question is over unanswered."""
    poll: str | None = None
    """The transport's id of the current question's poll (Telegram's poll id)."""
    silent: int = 0
    """Questions in a row that nobody answered."""

    def __deepcopy__(self, memo: dict[int, object]) -> QuizRound:
        """Itself: a round is immutable, and PTB deep-copies chat data on every persistence run."""
        return self

    @property
    def over(self) -> bool:
        return self.index >= len(self.questions) or self.silent >= IDLE_LIMIT

    @property
    def asked(self) -> int:
        """Questions asked so far, the current one included while it is open."""
        return min(self.index + (0 if self.over else 1), len(self.questions))

    def answer_of(self, player: int, index: int) -> Answer | None:
        return next((a for a in self.answers if a.player == player and a.question == index), None)

    def right(self, player: int) -> int:
        return sum(1 for a in self.answers if a.player == player and a.right)


@dataclass(frozen=True)
class Best:
    """A player's best result, kept between rounds (see BEST_DAYS)."""

    right: int
    total: int
    at: float
    """When it was reached or last confirmed by a round (Unix time)."""

    def beaten_by(self, right: int, total: int) -> bool:
        """Whether `right` out of `total` is better: a higher share, or as high over more questions."""
        return right * self.total > self.right * total or (
            right * self.total == self.right * total and total > self.total)


@dataclass(frozen=True)
class Result:
    """One player's score in a finished round."""

    player: Player
    right: int
    total: int
    wrong: tuple[Question, ...]
    unanswered: tuple[Question, ...]


class QuizFlow:
    """Starts rounds, counts answers, moves rounds on and words their messages."""

    def __init__(self, bank: QuestionBank, renderer: Renderer, seconds: float = QUIZ_SECONDS) -> None:
        self.bank = bank
        self.renderer = renderer
        self.seconds = seconds

    # --- the round's rules ------------------------------------------------------

    def size(self, argument: str | None) -> int | None:
        """The number of questions `/quiz <argument>` asks for; None if it is not one."""
        if argument is None or not argument.strip():
            return min(ROUND_SIZE, len(self.bank))
        text = argument.strip()
        if not (text.isascii() and text.isdigit() and len(text) <= 3) or not 1 <= int(text) <= MAX_ROUND:
            return None
        return min(int(text), len(self.bank))

    def begin(self, count: int, now: float, *, seed: int | None = None, starter: Player | None = None,
              group: bool = False) -> QuizRound:
        """A new round of `count` questions drawn at random (from `seed` when given)."""
        seed = secrets.randbits(64) if seed is None else seed
        return QuizRound(secrets.token_hex(3), self.bank.draw(count, seed), group,
                         players=(starter,) if starter else (), deadline=now + self.seconds)

    def question(self, state: QuizRound) -> Question | None:
        """The question being asked, or None once the round is over."""
        return None if state.over else self.bank.get(state.questions[state.index])

    def answer(self, state: QuizRound, player: Player, option: int) -> QuizRound | None:
        """The round with this answer to the current question counted; None if it does not count
        (the round is over, the player answered already, or there is no such option)."""
        question = self.question(state)
        if question is None or not 0 <= option < len(question.options) \
                or state.answer_of(player.id, state.index) is not None:
            return None
        players = state.players if any(p.id == player.id for p in state.players) else (*state.players, player)
        counted = Answer(player.id, state.index, option, option == question.correct)
        return replace(state, players=players, answers=(*state.answers, counted))

    def all_answered(self, state: QuizRound) -> bool:
        """Whether the current question can close: every known player has answered it
        (in a private chat, the one player)."""
        answered = {a.player for a in state.answers if a.question == state.index}
        if not state.group:
            return bool(answered)
        return bool(answered) and all(p.id in answered for p in state.players)

    def advance(self, state: QuizRound, now: float) -> QuizRound:
        """The round moved on to its next question (skipping any the knowledge base no longer has)."""
        answered = any(a.question == state.index for a in state.answers)
        index = state.index + 1
        while index < len(state.questions) and self.bank.get(state.questions[index]) is None:
            index += 1
        return replace(state, index=index, poll=None, deadline=now + self.seconds,
                       silent=0 if answered else state.silent + 1)

    def sent(self, state: QuizRound, poll: str | None, now: float) -> QuizRound:
        """The round once its current question is on screen: the clock starts now."""
        return replace(state, poll=poll, deadline=now + self.seconds)

    def expired(self, state: QuizRound, now: float) -> bool:
        return now >= state.deadline

    def results(self, state: QuizRound) -> list[Result]:
        """Each player's score, best first."""
        asked = [(i, self.bank.get(q)) for i, q in enumerate(state.questions[:state.asked])]
        out = []
        for player in state.players:
            wrong, unanswered = [], []
            for index, question in asked:
                answer = state.answer_of(player.id, index)
                if question is not None and answer is None:
                    unanswered.append(question)
                elif question is not None and answer is not None and not answer.right:
                    wrong.append(question)
            out.append(Result(player, state.right(player.id), len(asked), tuple(wrong), tuple(unanswered)))
        return sorted(out, key=lambda r: -r.right)

    def best(self, result: Result, before: Best | None, now: float) -> Best:
        """The player's best after this round (the earlier one, kept fresh, unless beaten)."""
        if before is None or before.beaten_by(result.right, result.total):
            return Best(result.right, result.total, now)
        return replace(before, at=now)

    # --- what the round says ----------------------------------------------------

    def usage(self) -> Reply:
        """The note for /quiz with something other than a number of questions."""
        return Reply("help", self.renderer.render("quiz_usage", most=MAX_ROUND, size=ROUND_SIZE))

    def intro(self, state: QuizRound, terminal: bool = False) -> Reply:
        """The message before the first question: how the round works."""
        text = self.renderer.render("quiz_intro", total=len(state.questions), group=state.group,
                                    terminal=terminal, seconds=round(self.seconds))
        return Reply("quiz", text)

    def ask(self, state: QuizRound, before: str = "") -> Reply:
        """The current question as text with numbered choices (the terminal's poll)."""
        question = self.question(state)
        assert question is not None
        text = self.renderer.render("quiz_question", before=Markup(before), number=state.index + 1,
                                    total=len(state.questions), question=Markup(question.text))
        buttons = tuple((Button(html.unescape(option), callbacks.encode("q", state.nonce, str(n))),)
                        for n, option in enumerate(question.options))
        return Reply("quiz", text, buttons)

    def feedback(self, question: Question, option: int) -> str:
        """Right or wrong, and why (Telegram shows the same as the poll's explanation)."""
        return self.renderer.render("quiz_feedback", right=option == question.correct,
                                    answer=Markup(question.options[question.correct]),
                                    explanation=Markup(question.explanation))

    def score_card(self, state: QuizRound, result: Result, before: Best | None, stopped: bool = False,
                   lead: str = "") -> Reply:
        """The end of a private round: the score, what was mixed up, the best so far."""
        missed = (*result.wrong, *result.unanswered)
        text = self.renderer.render(
            "quiz_score", lead=Markup(lead), right=result.right, total=result.total,
            wrong=[_topic(q) for q in result.wrong], unanswered=[_topic(q) for q in result.unanswered],
            best=before, new_best=before is not None and before.beaten_by(result.right, result.total),
            stopped=stopped, idle=state.silent >= IDLE_LIMIT, missed=bool(missed))
        return Reply("quiz", text, self._end_buttons(missed))

    def leaderboard(self, state: QuizRound, lead: str = "") -> Reply:
        """The end of a group round: every player's score, and what most of them missed."""
        results = self.results(state)
        misses = Counter(q.id for r in results for q in (*r.wrong, *r.unanswered))
        missed = [q for qid, _ in misses.most_common() if (q := self.bank.get(qid)) is not None]
        text = self.renderer.render("quiz_leaderboard", lead=Markup(lead), results=results,
                                    total=state.asked, idle=state.silent >= IDLE_LIMIT,
                                    missed=[_topic(q) for q in missed[:MAX_BUTTONS]])
        return Reply("quiz", text, self._end_buttons(missed))

    def finish(self, state: QuizRound, befores: dict[int, Best | None], now: float, stopped: bool = False,
               lead: str = "") -> tuple[Reply, dict[int, Best]]:
        """The round's last message, and each player's best to keep."""
        if stopped and not self.all_answered(state):  # the open question was never answered: not asked
            state = replace(state, questions=state.questions[:state.index])
        results = self.results(state)
        bests = {r.player.id: self.best(r, befores.get(r.player.id), now) for r in results if r.total}
        if state.group or not results:
            return self.leaderboard(state, lead), bests
        return self.score_card(state, results[0], befores.get(results[0].player.id), stopped, lead), bests

    def _end_buttons(self, missed: Sequence[Question]) -> tuple[tuple[Button, ...], ...]:
        label = self.renderer.label
        reads = list(dict.fromkeys((q.read, q.topic) for q in missed))[:MAX_BUTTONS]
        rows = [(Button(label("quiz_read", topic=topic[:1].upper() + topic[1:]), read),) for read, topic in reads]
        return (*rows, (Button(label("quiz_again"), callbacks.encode("m", "quiz")),))

    def is_start(self, data: str | None) -> bool:
        """Whether a button press asks for a new round (the score card's play-again button)."""
        parsed = callbacks.decode(data)
        return parsed is not None and (parsed.kind, parsed.target) == ("m", "quiz")

    def stale(self) -> Reply:
        """The note for an answer to a round that is over."""
        return Reply("stale", "", note=self.renderer.label("quiz_stale"))


def _topic(question: Question) -> str:
    """What a question was about, as it reads inside a sentence ("you mixed up legal research")."""
    name = question.topic
    titled = question.kind != "faq" and len(name) > 1 and name[1].islower()
    return name[0].lower() + name[1:] if titled else name
