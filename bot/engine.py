"""The transport-independent engine: text in, Reply out; button data in, Reply out.

Telegram, `kpo-bot chat` and `kpo-bot ask` all call this, so they answer alike.
It never imports telegram; the adapters never score or word anything themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from rapidfuzz import fuzz, process

from bot import callbacks
from bot.cards import CardPage, Cards
from bot.classify import Classifier, Verdict
from bot.dialog import DialogFlow, DialogState
from bot.knowledge import FaqEntry, KnowledgeBase, Task, load
from bot.matching import QUESTION_SCORER, Hit, Index, Weights, build_documents
from bot.normalize import Normalizer, Query, stem
from bot.render import Renderer
from bot.reply import Button, Reply

ANSWER_AT = 55.0
"""Best score at which the bot answers without asking (chosen on tests/data/calibration.yaml)."""
MARGIN = 2.0
"""How far the best entry must lead the next one to answer confidently."""
SUGGEST_AT = 40.0
"""Best score at which "did you mean" suggestions are offered instead of the fallback."""
OVERRIDE_AT = 70.0
"""FAQ score at which a task question that says much more than the task gets the FAQ answer."""
OTHER_WORDS = 2
"""Topic words beyond the task at which a question asks more than the task's verdict."""
SMALLTALK_AT = 88.0
SMALLTALK_MAX_WORDS = 6
MAX_BUTTONS = 3
MAX_CARDS_FAQ = 20
DIALOG_TIMEOUT = 15 * 60.0
"""Seconds of inactivity after which a /classify dialog ends."""


class Engine:
    """Answers questions and button presses from one knowledge base and one set of templates."""

    def __init__(self, kb: KnowledgeBase, renderer: Renderer | None = None,
                 weights: Weights | None = None, dialog_timeout: float = DIALOG_TIMEOUT) -> None:
        self.kb = kb
        self.renderer = renderer or Renderer()
        self.normalizer = Normalizer(kb.lexicon)
        self.normalizer.learn(_vocabulary(kb))
        self.classifier = Classifier(kb, self.normalizer)
        self.index = Index(self._question_documents(), QUESTION_SCORER, weights or Weights())
        self.cards = Cards(kb, self.renderer, self.normalizer,
                           lambda q: self.search(q, MAX_CARDS_FAQ), self.classifier.search_tasks)
        self.dialog = DialogFlow(kb, self.renderer, self.classifier, self.normalizer, dialog_timeout)
        self._smalltalk = {p.lower(): s.id for s in kb.smalltalk.values()
                           for p in (" ".join(self.normalizer.tokens(x)) for x in s.phrasings)}
        self._featured = tuple(e for e in kb.faq.values() if e.featured)
        self._answer_card = lru_cache(maxsize=1024)(self._render_answer)
        """An answer card's text and buttons are the same for every asker: made once per entry."""
        self._button_rows = lru_cache(maxsize=1024)(self._make_entry_buttons)
        self._menu_buttons = lru_cache(maxsize=64)(self._make_menu_buttons)

    def _question_documents(self) -> list:
        kb = self.kb
        faq = ((e.id, (e.question, *e.phrasings, *self._dimension_names(e.id))) for e in kb.faq.values())
        topics = ((o.id, o.phrasings) for o in kb.out_of_scope.values())
        return (build_documents(self.normalizer, "faq", faq)
                + build_documents(self.normalizer, "oos", topics))

    def _dimension_names(self, faq_id: str) -> Iterable[str]:
        for dim in self.kb.dimensions.values():
            if dim.faq == faq_id:
                yield from (dim.name, *dim.aliases)

    # --- one user's turn, dialog included ----------------------------------------

    def step_text(self, text: str, state: DialogState | None, now: float
                  ) -> tuple[DialogState | None, Reply]:
        """A typed message, inside a /classify dialog or not."""
        if state is not None and not self.dialog.expired(state, now):
            return self.dialog.on_text(state, text, now)
        return None, self.reply(text)

    def step_press(self, data: str | None, state: DialogState | None, now: float
                   ) -> tuple[DialogState | None, Reply]:
        """A button press, inside a /classify dialog or not."""
        parsed = callbacks.decode(data)
        if parsed is not None and parsed.kind == "c":
            if state is None or state.nonce != parsed.target or parsed.arg is None:
                return state, self.dialog.on_press(None, "", now)[1]
            return self.dialog.on_press(state, parsed.arg, now)
        if parsed is not None and (parsed.kind, parsed.target) == ("m", "classify"):
            return self.dialog.start(now)
        return state, self.press(data)

    def step_start(self, param: str | None, state: DialogState | None, now: float
                   ) -> tuple[DialogState | None, Reply]:
        """/start, optionally with a deep-link parameter that opens a topic."""
        kind, _, target = (param or "").partition("_")
        if kind == "classify" and not target:
            return self.dialog.start(now)
        if kind == "compare":
            card = self.cards.dimension(target, edit=False) if target else None
            return state, card or self.comparison()  # an unknown dimension: the whole table
        if kind == "faq" and target in self.kb.faq:
            return state, self.answer(self.kb.faq[target])
        if kind == "task" and target in self.kb.tasks:
            return state, self.press(callbacks.encode("t", target))
        if kind == "help" and not target:
            return state, self.help()
        return state, self.start()

    def step_command(self, command: str, state: DialogState | None, now: float
                     ) -> tuple[DialogState | None, Reply]:
        """/classify and /cancel, which start and end a dialog."""
        if command == "classify":
            return self.dialog.start(now)
        if state is not None and not self.dialog.expired(state, now):
            return None, replace(self.dialog.cancel(), edit=False)
        return None, Reply("help", self.renderer.render("nothing_to_cancel"))

    # --- text -------------------------------------------------------------------

    def reply(self, text: str) -> Reply:
        """The reply to a user's text message."""
        query = self.normalizer.query(text or "")
        if not query.tokens:
            return self._fallback(text, "empty")
        if _other_language(query, text):
            return self._fallback(text, "language")
        smalltalk = self._smalltalk_id(query)
        if smalltalk is not None:
            return self._smalltalk_reply(smalltalk)
        task_question = self.classifier.is_task_question(query)
        hits = self.search(query)
        confident = self._confident(hits)
        found = self.classifier.named_task(query) if task_question or confident is None else None
        own = self._own_entry(query, found[0], confident) if found and task_question else None
        if own is not None:
            return own
        if found is not None and self._asks_verdict(query, found[0], task_question, confident):
            return self._classification(text, Verdict.listed(*found))
        off_topic = bool(hits) and hits[0].kind == "oos" and hits[0].score >= SUGGEST_AT
        if task_question and found is None and confident is None and not off_topic:
            return self._classification(text, self.classifier.judge_by_cues(query), hits)
        return self._decide(text, hits, confident)

    def _asks_verdict(self, query: Query, task: Task, task_question: bool, confident: Hit | None
                      ) -> bool:
        """Whether a question naming a listed task wants that task's verdict.

        Asked as a task question ("is payroll BPO or KPO?"), it does, unless it says
        much more and an FAQ entry fits it closely ("why is a call centre the
        classic BPO example?"). Otherwise it does only when it says little beyond
        the task ("payroll processing?") and no FAQ entry answers it.
        """
        others = len(self.classifier.other_words(query, task))
        if not task_question:
            return confident is None and others < OTHER_WORDS
        if confident is None or confident.score < OVERRIDE_AT:
            return True
        return others < OTHER_WORDS

    def _own_entry(self, query: Query, task: Task, confident: Hit | None) -> Reply | None:
        """The task's own FAQ answer, when it fits a task question better than the verdict.

        "Can a KPO do R&D?" and "is a call centre BPO?" name one kind and ask what
        the task's own entry is about; that entry fits them closely, and its card
        opens with the verdict. "R&D: BPO or KPO?" and "which type is R&D?" name
        both kinds or none: they get the verdict card.
        """
        if (confident is None or confident.target != task.faq or confident.score < OVERRIDE_AT
                or len(self.classifier.kinds_named(query)) != 1):
            return None
        return self.answer(self.kb.faq[confident.target], confident.score, task)

    def search(self, query: Query, limit: int = 6) -> list[Hit]:
        """Ranked FAQ entries and out-of-scope topics for a normalised query."""
        keyterms = frozenset(query.content) & self.normalizer.keyterms
        return self.index.search(query, keyterms, limit=limit)

    def _confident(self, hits: Sequence[Hit]) -> Hit | None:
        """The top FAQ hit when it is sure enough to answer without asking."""
        if not hits or hits[0].kind != "faq" or hits[0].score < ANSWER_AT:
            return None
        runner_up = next((h.score for h in hits[1:] if h.kind == "faq"), 0.0)
        return hits[0] if hits[0].score - runner_up >= MARGIN else None

    def _decide(self, text: str, hits: Sequence[Hit], confident: Hit | None) -> Reply:
        faq_hits = [h for h in hits if h.kind == "faq"]
        top = hits[0] if hits else None
        if top is not None and top.kind == "oos" and top.score >= SUGGEST_AT:
            if top.score < ANSWER_AT:  # off topic, but not clearly which topic: do not guess one
                return self._fallback(text, "unknown")
            return self._fallback(text, "topic", topic=self.kb.out_of_scope[top.target].topic)
        if confident is not None:
            return self.answer(self.kb.faq[confident.target], confident.score)
        suggestions = [h for h in faq_hits if h.score >= SUGGEST_AT][:MAX_BUTTONS]
        if suggestions:
            return self._suggestions(text, suggestions)
        return self._fallback(text, "unknown")

    def _smalltalk_id(self, query: Query) -> str | None:
        if len(query.tokens) > SMALLTALK_MAX_WORDS:
            return None
        found = process.extractOne(query.text, self._smalltalk.keys(), scorer=fuzz.ratio,
                                   processor=None, score_cutoff=SMALLTALK_AT)
        return self._smalltalk[found[0]] if found else None

    # --- replies ----------------------------------------------------------------

    def answer(self, entry: FaqEntry, score: float | None = None, task: Task | None = None) -> Reply:
        """The answer card for an FAQ entry, with follow-up buttons.

        With a task (the entry is about it), the card opens with the task's verdict.
        """
        text, buttons = self._answer_card(entry, task)
        return Reply("answer", text, buttons, entry=entry.id, score=score,
                     verdict=task.verdict if task else None)

    def _render_answer(self, entry: FaqEntry, task: Task | None
                       ) -> tuple[str, tuple[tuple[Button, ...], ...]]:
        text = self.renderer.render("answer", entry=entry, task=task,
                                    sources=self._sources(entry.sources))
        return text, self._entry_buttons("a", entry.related) + (self._feedback_row(entry.id),)

    def _feedback_row(self, entry_id: str) -> tuple[Button, ...]:
        label = self.renderer.label
        return (Button(label("feedback_up"), callbacks.encode("f", entry_id, "up")),
                Button(label("feedback_down"), callbacks.encode("f", entry_id, "down")))

    def feedback_note(self, recorded: bool) -> str:
        """The popup after a 👍/👎 press: thanks, or that this answer was rated already."""
        return self.renderer.label("feedback_thanks" if recorded else "feedback_again")

    def _classification(self, text: str, verdict: Verdict, hits: Sequence[Hit] = ()) -> Reply:
        """A task's verdict; when there is none, the closest questions as suggestions."""
        task = verdict.task
        rendered = self.renderer.render(
            "classification", question=text, v=verdict, task=task,
            sources=self._sources(task.sources) if task else [],
        )
        close = [h.target for h in hits if h.kind == "faq" and h.score >= SUGGEST_AT]
        if verdict.verdict is None and close:
            buttons = self._entry_buttons("s", close)
        else:
            buttons = self._entry_buttons("a", self.kb.cues.follow_up)
        return Reply("classification", rendered, buttons, entry=task.id if task else None,
                     score=verdict.score if task else None, verdict=verdict.verdict)

    def _suggestions(self, text: str, hits: Sequence[Hit]) -> Reply:
        entries = [self.kb.faq[h.target] for h in hits]
        rendered = self.renderer.render("suggestions", question=text, entries=entries)
        buttons = tuple((Button(e.short, callbacks.encode("s", e.id)),) for e in entries)
        return Reply("suggestions", rendered, buttons, score=hits[0].score)

    def _fallback(self, text: str, reason: str, topic: str | None = None) -> Reply:
        rendered = self.renderer.render("fallback", question=text, reason=reason, topic=topic,
                                        examples=self.featured())
        buttons = self._example_buttons() + self._menu_buttons("classify", "compare")
        return Reply("fallback", rendered, buttons)

    def _smalltalk_reply(self, smalltalk_id: str) -> Reply:
        rendered = self.renderer.render("smalltalk", reply=self.kb.smalltalk[smalltalk_id].reply)
        return Reply("smalltalk", rendered, self._example_buttons())

    def start(self) -> Reply:
        """The /start greeting: what the bot does, with example questions."""
        text = self.renderer.render("start", examples=self.featured(), counts=self.kb.counts())
        buttons = self._example_buttons() + self._menu_buttons("classify", "compare")
        return Reply("start", text, buttons)

    def comparison(self) -> Reply:
        """The /compare overview: the whole comparison, a button per dimension."""
        return self.cards.overview()

    def inline(self, query: str, offset: str = "") -> CardPage:
        """Inline-mode cards for a query, one page."""
        return self.cards.page(query[:256], offset)

    def privacy(self, logging: bool, days: float) -> Reply:
        """What the bot stores about users: /privacy."""
        return Reply("help", self.renderer.render("privacy", logging=logging, days=round(days)))

    def help(self) -> Reply:
        """The /help text."""
        return Reply("help", self.renderer.render("help", examples=self.featured()))

    def non_text(self) -> Reply:
        """The polite note for stickers, photos and other non-text messages."""
        return Reply("fallback", self.renderer.render("non_text"))

    def featured(self) -> list[FaqEntry]:
        """Example questions offered on /start and the fallback."""
        return list(self._featured)

    def commands(self) -> list[tuple[str, str]]:
        """The command menu: (command, description)."""
        names = ("start", "classify", "compare", "help", "cancel", "privacy")
        return [(name, self.renderer.label(f"command_{name}")) for name in names]

    # --- buttons ----------------------------------------------------------------

    def press(self, data: str | None) -> Reply:
        """The reply to a button press; stale or forged data gets a short note."""
        parsed = callbacks.decode(data)
        if parsed is None:
            return self.stale()
        if parsed.kind in ("a", "s") and parsed.target in self.kb.faq:
            return self.answer(self.kb.faq[parsed.target])
        if parsed.kind == "m" and parsed.target == "compare":
            return self.comparison()
        if parsed.kind == "o" and parsed.target == "compare":
            return self.cards.overview(edit=True)
        if parsed.kind == "d":
            return self.cards.dimension(parsed.target) or self.stale()
        if parsed.kind == "m" and parsed.target == "ask":
            return Reply("help", self.renderer.render("ask_prompt", examples=self.featured()))
        if parsed.kind == "f" and parsed.target in self.kb.faq and parsed.arg in ("up", "down"):
            return Reply("feedback", "", entry=parsed.target, note=self.feedback_note(True),
                         score=1.0 if parsed.arg == "up" else -1.0,
                         vote="up" if parsed.arg == "up" else "down")
        if parsed.kind == "t" and parsed.target in self.kb.tasks:
            task = self.kb.tasks[parsed.target]
            return self._classification(task.name, Verdict.listed(task, 100.0))
        return self.stale()

    def stale(self) -> Reply:
        """The note for a button the bot no longer understands."""
        return Reply("stale", "", note=self.renderer.label("stale_button"))

    # --- helpers ----------------------------------------------------------------

    def _example_buttons(self) -> tuple[tuple[Button, ...], ...]:
        """The featured example questions, one button a row."""
        return self._entry_buttons("a", [e.id for e in self._featured])

    def _entry_buttons(self, kind: str, ids: Iterable[str]) -> tuple[tuple[Button, ...], ...]:
        return self._button_rows(kind, tuple(ids))

    def _make_entry_buttons(self, kind: str, ids: tuple[str, ...]) -> tuple[tuple[Button, ...], ...]:
        rows = [(Button(self.kb.faq[i].short, callbacks.encode(kind, i)),)
                for i in ids if i in self.kb.faq]
        return tuple(rows[:MAX_BUTTONS])

    def _make_menu_buttons(self, *items: str) -> tuple[tuple[Button, ...], ...]:
        """Buttons for menu actions (classify, compare, ask), one row (cached as _menu_buttons)."""
        return (tuple(Button(self.renderer.label(f"menu_{i}"), callbacks.encode("m", i)) for i in items),)

    def _sources(self, ids: Iterable[str]) -> list:
        return [self.kb.sources[i] for i in ids]


def _vocabulary(kb: KnowledgeBase) -> Iterable[str]:
    """Every text users might echo: the words typos are corrected towards."""
    for e in kb.faq.values():
        yield e.question
        yield from e.phrasings
    for d in kb.dimensions.values():
        yield from (d.name, *d.aliases)
    for t in kb.tasks.values():
        yield from (t.name, *t.aliases)
    for o in kb.out_of_scope.values():
        yield from o.phrasings
    for s in kb.smalltalk.values():
        yield from s.phrasings
    yield from kb.cues.weights
    yield from kb.cues.task_markers


def _other_language(query: Query, text: str) -> bool:
    """Text in another language: mostly a non-Latin script (Devanagari, Cyrillic, CJK...),
    or several common words of another language and fewer English ones."""
    letters = [c for c in text[:500] if c.isalpha()]
    other_script = sum(1 for c in letters if ord(c) > 0x24F)  # beyond Latin Extended-B
    if letters and other_script / len(letters) >= 0.4:
        return True
    english = sum(1 for t in query.tokens if t in _ENGLISH_HINTS)
    return query.foreign >= 2 and query.foreign > english


_ENGLISH_HINTS = frozenset(stem(w) for w in  # stemmed, as query tokens are ("does" -> "doe")
                           "the is are what which who how does do and or of to in for a an between "
                           "difference".split())


def build_engine(knowledge: Path | str | None = None, renderer: Renderer | None = None,
                 dialog_timeout: float = DIALOG_TIMEOUT) -> Engine:
    """An engine over a knowledge folder (default: the shipped or configured one)."""
    return Engine(load(knowledge), renderer, dialog_timeout=dialog_timeout)
