"""The /classify dialog: a few button questions that end in a BPO, KPO or "in between" verdict.

Steps, transitions and scoring live here, independent of any transport: the
Telegram adapter and `kpo-bot chat` keep a DialogState per user and pass it in
with each message or button press. States are immutable and small, so PTB
persistence can store them, and they carry their own deadline, so the
inactivity timeout survives a restart. Questions, options and weights come
from knowledge/dialog.yaml.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace

from markupsafe import escape
from rapidfuzz import fuzz, process
from rapidfuzz.utils import default_process

from bot import callbacks
from bot.classify import Classifier
from bot.knowledge import Dialog, KnowledgeBase, Task
from bot.normalize import Normalizer
from bot.render import Renderer
from bot.reply import Button, Reply
from bot.tuning import TYPED_OPTION_MATCH

IN_BETWEEN = "in between"


@dataclass(frozen=True)
class DialogState:
    """Where one user's dialog stands."""

    nonce: str
    """Identifies this run of the dialog; buttons of another run are stale."""
    step: int
    """0: describe the task; 1..n: question n."""
    answers: tuple[str | None, ...]
    deadline: float
    """Unix time after which the dialog has timed out."""
    prior: str | None = None
    """Id of the example task the user's description matched."""
    description: str | None = None
    version: str = ""
    """The dialog definition this state belongs to (dialog_version); a state of another
    version, or one saved before versions existed, ends cleanly instead of misreading steps."""

    def __deepcopy__(self, memo: dict[int, object]) -> DialogState:
        """Itself: a state is immutable (strings, numbers, tuples). PTB deep-copies every
        changed user's data on each persistence run, and copying states field by field
        was most of that run's time on the event loop."""
        return self


@dataclass(frozen=True)
class Reason:
    """One answer, in plain words, and which way it leaned."""

    side: str
    """BPO, KPO, or 'neither'."""
    text: str


@dataclass(frozen=True)
class Outcome:
    """The dialog's verdict."""

    verdict: str
    """BPO, KPO or 'in between'."""
    lean: float
    """-1 (all BPO) to 1 (all KPO)."""
    confidence: int
    """How one-sided the answers were, as a percentage (50 means evenly split)."""
    reasons: tuple[Reason, ...]


def score(dialog: Dialog, answers: Sequence[str | None], prior_verdict: str | None = None) -> Outcome:
    """The verdict for a set of answers (option ids, None for unanswered) and an optional prior."""
    total = 0.0
    reach = 0.0
    reasons: list[Reason] = []
    for question, answer in zip(dialog.questions, answers, strict=False):
        reach += max(abs(o.weight) for o in question.options)
        option = question.option(answer) if answer else None
        if option is None:
            continue
        total += option.weight
        side = "KPO" if option.weight > 0 else "BPO" if option.weight < 0 else "neither"
        reasons.append(Reason(side, option.reason))
    if prior_verdict in ("BPO", "KPO"):
        reach += dialog.prior_weight
        total += dialog.prior_weight if prior_verdict == "KPO" else -dialog.prior_weight
    lean = total / reach if reach else 0.0
    if abs(lean) < dialog.in_between:
        verdict = IN_BETWEEN
    else:
        verdict = "KPO" if lean > 0 else "BPO"
    return Outcome(verdict, lean, round(50 + 50 * abs(lean)), tuple(reasons))


def dialog_version(dialog: Dialog) -> str:
    """A short fingerprint of the dialog's questions, options and weights."""
    return hashlib.sha256(repr(dialog).encode("utf-8")).hexdigest()[:12]


def new_nonce() -> str:
    """A short random id for a dialog run (fits callback data)."""
    return secrets.token_hex(3)


def action_data(state: DialogState, action: str) -> str:
    """Callback data for a dialog button: c:<nonce>:<action>."""
    return callbacks.encode("c", state.nonce, action)


def similar_tasks(kb: KnowledgeBase, verdict: str, prior: str | None, limit: int = 3) -> list[Task]:
    """Example tasks to show with a verdict: the matched one first, then others of that kind."""
    tasks = list(kb.tasks.values())
    if verdict == IN_BETWEEN:
        picks = [next(t for t in tasks if t.verdict == v) for v in ("BPO", "KPO")]
    else:
        picks = [t for t in tasks if t.verdict == verdict]
    matched = kb.tasks.get(prior) if prior is not None else None
    if matched is not None and matched in picks:
        picks.remove(matched)
        picks.insert(0, matched)
    return picks[:limit]


def answered(state: DialogState, index: int, option: str) -> DialogState:
    """The state after answering question `index` (1-based) with `option`."""
    answers = list(state.answers)
    answers[index - 1] = option
    return replace(state, step=index + 1, answers=tuple(answers))


class DialogFlow:
    """Moves one user's dialog on by a message or a button press, and words each step."""

    def __init__(self, kb: KnowledgeBase, renderer: Renderer, classifier: Classifier,
                 normalizer: Normalizer, timeout: float) -> None:
        self.kb = kb
        self.dialog = kb.dialog
        self.renderer = renderer
        self.classifier = classifier
        self.normalizer = normalizer
        self.timeout = timeout
        self.version = dialog_version(kb.dialog)

    @property
    def total(self) -> int:
        """How many questions the dialog asks."""
        return len(self.dialog.questions)

    def start(self, now: float) -> tuple[DialogState, Reply]:
        """A new dialog, asking for a description of the task first."""
        state = DialogState(new_nonce(), 0, (None,) * self.total, now + self.timeout,
                            version=self.version)
        return state, self._describe(state)

    def expired(self, state: DialogState, now: float) -> bool:
        """Whether the user left the dialog alone for longer than the timeout, or it
        belongs to another version of the dialog (changed by /reload or a restart)."""
        return now > state.deadline or not self.current(state)

    def current(self, state: DialogState) -> bool:
        """Whether the state belongs to this version of the dialog."""
        return (getattr(state, "version", "") == self.version and 0 <= state.step <= self.total
                and len(state.answers) == self.total)

    def timed_out(self) -> Reply:
        """The note shown when a dialog times out."""
        minutes = round(self.timeout / 60)
        return Reply("dialog", self.renderer.render("dialog_timeout", minutes=minutes), edit=True)

    def cancel(self) -> Reply:
        """The note shown when the user cancels."""
        return Reply("dialog", self.renderer.render("dialog_cancelled"), self._menu(), edit=True)

    def on_text(self, state: DialogState, text: str, now: float) -> tuple[DialogState | None, Reply]:
        """Typed text: the task description on the first step, else a hint to use the buttons."""
        if not self.current(state):
            return None, self._changed()
        state = replace(state, deadline=now + self.timeout)
        if state.step != 0:
            option = self._typed_option(state, text)
            if option is not None:
                moved, reply = self._answer(state, f"{state.step}_{option}")
                return moved, replace(reply, edit=False)  # typed: a new message, below the text
            hint = self.renderer.render("dialog_hint", index=state.step, total=self.total)
            question = self._question(state)  # typed text: the question again, with its buttons
            return state, replace(question, text=f"{hint}\n\n{question.text}", edit=False)
        if default_process(text) == default_process(self.renderer.label("dialog_skip")):
            return self.on_press(state, "skip", now)
        found = self.classifier.find_task(self.normalizer.query(text))
        prior = found[0] if found else None
        state = replace(state, step=1, prior=prior.id if prior else None, description=text[:200])
        return state, replace(self._question(state, prior=prior, described=True), edit=False)

    def _typed_option(self, state: DialogState, text: str) -> str | None:
        """The current question's option a typed text names ("not sure", "experts"), if clear."""
        question = self.dialog.questions[state.step - 1]
        labels = {o.id: o.label for o in question.options}
        found = process.extractOne(text, labels, scorer=fuzz.WRatio, processor=default_process,
                                   score_cutoff=TYPED_OPTION_MATCH)
        return found[2] if found else None

    def on_press(self, state: DialogState | None, action: str, now: float
                 ) -> tuple[DialogState | None, Reply]:
        """A dialog button: skip, back, cancel, or an answer '<question>_<option>'."""
        if state is None:
            return None, self._note("dialog_stale")
        if not self.current(state):
            return None, self._changed()
        if self.expired(state, now):
            return None, self.timed_out()
        state = replace(state, deadline=now + self.timeout)
        if action == "cancel":
            return None, self.cancel()
        if action == "skip" and state.step == 0:
            state = replace(state, step=1)
            return state, self._question(state)
        if action.startswith("back"):  # back_<step>: a repeated press finds the step moved on
            if action != f"back_{state.step}" or state.step < 1:
                return state, self._note("dialog_answered")
            state = replace(state, step=state.step - 1)
            return state, self._question(state) if state.step else self._describe(state, edit=True)
        return self._answer(state, action)

    def _answer(self, state: DialogState, action: str) -> tuple[DialogState | None, Reply]:
        index, _, option = action.partition("_")
        if not (index.isascii() and index.isdigit()) or not 1 <= state.step <= self.total:
            return state, self._note("dialog_answered")
        if int(index) > state.step:  # the saved state is behind the message (kill -9): resume at it
            return state, self._question(state)
        if int(index) != state.step:
            return state, self._note("dialog_answered")
        if self.dialog.questions[state.step - 1].option(option) is None:
            return state, self._note("dialog_answered")
        state = answered(state, int(index), option)
        if state.step > self.total:
            return None, self._result(state)
        return state, self._question(state)

    def _describe(self, state: DialogState, edit: bool = False) -> Reply:
        text = self.renderer.render("dialog_describe", total=self.total)
        buttons = ((self._control(state, "skip"), self._control(state, "cancel")),)
        return Reply("dialog", text, buttons, edit=edit)

    def _question(self, state: DialogState, prior: Task | None = None,
                  described: bool = False) -> Reply:
        question = self.dialog.questions[state.step - 1]
        chosen = state.answers[state.step - 1]
        text = self.renderer.render("dialog_question", question=question, index=state.step,
                                    total=self.total, prior=prior, described=described)
        rows: list[tuple[Button, ...]] = [
            (Button(("✓ " if o.id == chosen else "") + o.label, action_data(state, f"{state.step}_{o.id}")),)
            for o in question.options]
        rows.append((self._control(state, "back"), self._control(state, "cancel")))
        return Reply("dialog", text, tuple(rows), edit=True)

    def _control(self, state: DialogState, action: str) -> Button:
        """A Skip, Back or Cancel button of this dialog run."""
        data = action_data(state, f"back_{state.step}" if action == "back" else action)
        return Button(self.renderer.label(f"dialog_{action}"), data)

    def _result(self, state: DialogState) -> Reply:
        prior = self.kb.tasks.get(state.prior) if state.prior else None
        outcome = score(self.dialog, state.answers, prior.verdict if prior else None)
        text = self.renderer.render(
            "dialog_result", outcome=outcome, prior=prior, description=state.description,
            examples=similar_tasks(self.kb, outcome.verdict, state.prior))
        verdict = outcome.verdict if outcome.verdict != IN_BETWEEN else None
        return Reply("dialog", text, self._menu(), verdict=verdict, edit=True)

    def _menu(self) -> tuple[tuple[Button, ...], ...]:
        label = self.renderer.label
        return ((Button(label("dialog_again"), callbacks.encode("m", "classify")),),
                (Button(label("dialog_compare"), callbacks.encode("m", "compare")),),
                (Button(label("dialog_ask"), callbacks.encode("m", "ask")),))

    def _changed(self) -> Reply:
        """The dialog changed while this run was under way: it ends, with a note."""
        return Reply("stale", str(escape(self.renderer.label("dialog_changed"))),
                     note=self.renderer.label("dialog_changed"))

    def _note(self, key: str) -> Reply:
        return Reply("stale", "", note=self.renderer.label(key))
