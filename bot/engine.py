"""The transport-independent engine: text in, Reply out; button data in, Reply out.

Telegram, `kpo-bot chat` and `kpo-bot ask` all call this, so they answer alike.
It never imports telegram; the adapters never score or word anything themselves.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from rapidfuzz import fuzz, process

from bot import callbacks
from bot.cards import CardPage, Cards
from bot.classify import Classifier, Verdict, compares
from bot.decision import Combiner, Evidence, shipped
from bot.dialog import DialogFlow, DialogState
from bot.encoder import Encoder, Vectors, default_encoder
from bot.chatflow import ChatFlow, outright
from bot.conversation import CONTEXT_MINUTES, Context, card_words
from bot.focus import POINTS_BACK, asked_part
from bot.parts import task_words
from bot.knowledge import FaqEntry, KnowledgeBase, KnowledgeError, Source, Task, load
from bot.matching import QUESTION_SCORER, Document, Hit, Index, Weights, build_documents
from bot.normalize import Normalizer, Query, stem
from bot.quiz import QuestionBank
from bot.quizround import BEST_DAYS, QUIZ_SECONDS, QuizFlow
from bot.render import Renderer
from bot.reply import MAX_BUTTONS, Button, Reply
from bot.semantic import Phrasing, SemanticIndex, build_index, default_cache_dir
from bot.tuning import (
    ALONE_WORDS,
    ANSWER_AT,
    MARGIN,
    LEAN_MIN_WORDS,
    NEIGHBOURS,
    OTHER_WORDS,
    OVERRIDE_AT,
    SMALLTALK_AT,
    SMALLTALK_MAX_WORDS,
    SUGGEST_AT,
)

MAX_CARDS_FAQ = 20
DIALOG_TIMEOUT = 15 * 60.0
"""Seconds of inactivity after which a /classify dialog ends."""


class Engine:
    """Answers questions and button presses from one knowledge base and one set of templates."""

    def __init__(self, kb: KnowledgeBase, renderer: Renderer | None = None,
                 weights: Weights | None = None, dialog_timeout: float = DIALOG_TIMEOUT,
                 encoder: Encoder | None = None, semantic: bool = True,
                 cache_dir: Path | None = None, combiner: Combiner | None = None,
                 context_minutes: float = CONTEXT_MINUTES, quiz_seconds: float = QUIZ_SECONDS) -> None:
        self.kb = kb
        self.context_minutes = context_minutes
        self.combiner = combiner or shipped()
        self.renderer = renderer or Renderer()
        self.normalizer = Normalizer(kb.lexicon)
        self.normalizer.learn(_vocabulary(kb))
        self.classifier = Classifier(kb, self.normalizer)
        self.index = Index(self._question_documents(), QUESTION_SCORER, weights or Weights())
        self.cards = Cards(kb, self.renderer, self.normalizer,
                           lambda q: self.search(q, MAX_CARDS_FAQ), self.classifier.search_tasks)
        self.dialog = DialogFlow(kb, self.renderer, self.classifier, self.normalizer, dialog_timeout)
        bank = QuestionBank(kb, self.renderer)
        if bank.problems:  # a poll Telegram would refuse: fail at start-up or /reload, not mid-round
            raise KnowledgeError(bank.problems)
        self.quiz = QuizFlow(bank, self.renderer, quiz_seconds)
        plain = {" ".join(self.normalizer.tokens(x)): s.id for s in kb.smalltalk.values() for x in s.phrasings}
        self._smalltalk = plain | {" ".join(self.normalizer.query(x).tokens): s.id
                                   for s in kb.smalltalk.values() for x in s.phrasings}
        """Each phrasing as written and as a message reads it ("thanks bhai": "thank friend")."""
        self._smalltalk_words: dict[str, set[str]] = {}
        """A word of a small-talk phrasing as written -> the small-talk entries using it."""
        for phrasing, owner in plain.items():
            for word in phrasing.split():
                self._smalltalk_words.setdefault(word, set()).add(owner)
        self._emoji = {s.id: frozenset("".join(s.emoji)) for s in kb.smalltalk.values() if s.emoji}
        """The emoji that say a small-talk entry on their own (🙏: thanks)."""
        self._featured = tuple(e for e in kb.faq.values() if e.featured)
        self._answer_card = lru_cache(maxsize=1024)(self._render_answer)
        """An answer card's text and buttons are the same for every asker: made once per entry."""
        self._button_rows = lru_cache(maxsize=1024)(self._make_entry_buttons)
        self._menu_buttons = lru_cache(maxsize=64)(self._make_menu_buttons)
        self._vector = lru_cache(maxsize=64)(self._encode)
        """A text's sentence vector, kept for the few texts one message is read as (a long message's
        asked part is checked for a decline, then read; a verdict reads the question again)."""
        self.encoder: Encoder | None = None
        self.semantic: SemanticIndex | None = None
        if semantic:
            self.encoder = encoder or default_encoder()
            self.semantic = build_index(self._semantic_phrasings(), self.encoder,
                                        cache_dir or default_cache_dir())
        self.chat = ChatFlow(self)

    def _semantic_phrasings(self) -> list[Phrasing]:
        """Every text that stands for an FAQ entry, an off-topic subject or a task."""
        kb = self.kb
        out = [Phrasing("faq", e.id, t) for e in kb.faq.values()
               for t in (e.question, *e.phrasings, *self._dimension_names(e.id))]
        out += [Phrasing("oos", o.id, t) for o in kb.out_of_scope.values() for t in o.phrasings]
        out += [Phrasing("task", t.id, a) for t in kb.tasks.values()
                for a in (t.name, *t.aliases, t.reason)]
        return out

    def _question_documents(self) -> list[Document]:
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

    def step_text(self, text: str, state: DialogState | None, now: float,
                  context: Context | None = None) -> tuple[DialogState | None, Reply]:
        """A typed message, inside a /classify dialog or not, read with the chat's context."""
        if state is not None and not self.dialog.expired(state, now):
            return self.dialog.on_text(state, text, now)
        return None, self.chat.converse(text, context, now)

    def converse(self, text: str, context: Context | None, now: float) -> Reply:
        """The reply to a chat message, read with the chat's last exchange (see ChatFlow)."""
        return self.chat.converse(text, context, now)

    def unlisted(self, query: Query, whole: Vectors | None = None) -> Verdict:
        """A verdict on work the knowledge base does not list, from its nearest tasks, the lean
        model's reading of the whole question (its vector `whole`, if already encoded) and cues."""
        if self.semantic is None or self.encoder is None:
            return self.classifier.judge_by_cues(query)
        words = self.classifier.work_words(query)
        work_text = words or query.english
        work = self._vector(work_text)
        lean = self.combiner.lean
        chance = None
        if lean is not None and len(self.normalizer.query(words).content) >= LEAN_MIN_WORDS:
            if whole is None:
                whole = self._vector(query.english)
            chance = lean.chance(whole)  # "is that kpo or bpo?" describes no work to lean on
        return self.classifier.judge_by_cues(query, self.semantic.nearest(work, NEIGHBOURS, "task"), chance)

    def verdict_buttons(self, kinds: Sequence[str | None]) -> tuple[tuple[Button, ...], ...]:
        """After verdicts: examples of the kinds given, then the general follow-ups."""
        examples = self.kb.chat.examples
        given = [examples[k] for k in dict.fromkeys(kinds) if k is not None and k in examples]
        others = [i for i in self.kb.cues.follow_up if i not in examples.values()]
        return self.entry_buttons("a", [*given, *others])

    def with_card(self, reply: Reply, context: Context | None, now: float) -> Reply:
        """A /compare card remembered in the context, so that typed "next" or "back" press it."""
        if reply.kind != "comparison" or not reply.buttons:
            return reply
        card = card_words([(b.text, b.data) for row in reply.buttons for b in row])
        return replace(reply, context=replace(context or Context(at=now), at=now, card=card))

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
            felt = self._emoji_smalltalk(text or "")
            return self._smalltalk_reply(felt) if felt else self._fallback(text, "empty")
        if _other_language(query, text):
            return self._fallback(text, "language")
        smalltalk = self.smalltalk_id(query)
        if smalltalk is not None:
            return self._smalltalk_reply(smalltalk)
        part = asked_part(text)
        if part is None:
            return self._understand(text, query)
        return self._long(text, query, part)

    def _long(self, text: str, query: Query, part: str) -> Reply:
        """A long message: its asked part answered alone, unless only the whole is understood.

        "...so should that go to a BPO or KPO?" refers back to the context for its
        task: the part alone gives no verdict, the whole message does.
        """
        asked = self.normalizer.query(part)
        alone = not POINTS_BACK.search(part) and len(asked.content) >= ALONE_WORDS
        topic = self._declined(asked) if alone else None
        if topic is not None:  # "...I know KPO pays better, but what exact salary in rupees?"
            return self._decline(text, topic)
        whole = self._understand(text, query)
        if outright(whole) and whole.kind != "classification":
            return whole
        if not outright(whole) and self._only_asks_kind(asked):
            described = self._judge(self.normalizer.query(text.replace(part, " ")))
            if described.verdict is not None:  # "...I'd want someone experienced to work it out. BPO or KPO?"
                return self.classification(text, described)
        focused = self._understand(text, asked)
        on_its_own = part.rstrip().endswith("?") and len(part.split()) > 3 and not POINTS_BACK.search(part) \
            and not self.classifier.is_task_question(asked)
        if outright(whole) and not (focused.kind == "answer" and on_its_own):
            return whole  # the context named the work: "...we print labels. so, bpo or kpo?"
        return whole if focused.kind == "fallback" else focused

    def _declined(self, query: Query) -> str | None:
        """The near-topic subject a question asks about outright, if it is one (see `_understand`)."""
        if self.semantic is None or self.encoder is None or not query.tokens:
            return None
        evidence = self.evidence(query, self._vector(query.english))
        if self.combiner.asks_task(evidence) >= self.combiner.thresholds.gate:
            return None  # "would my work be classed as BPO or KPO?" asks about the work described
        top = evidence.lexical[0] if evidence.lexical else None
        if top is not None and top.kind == "oos" and top.score >= ANSWER_AT:
            return top.target if self.kb.out_of_scope[top.target].topic is not None else None
        ranked = self.combiner.rank(evidence)
        oos = self._off_topic(evidence, ranked[0][1] if ranked else 0.0)
        return oos if oos is not None and self.kb.out_of_scope[oos].topic is not None else None

    def _off_topic(self, evidence: Evidence, chance: float) -> str | None:
        """The off-topic subject the semantic evidence puts ahead of every entry, surely enough to
        decline, when no entry is likely enough (`chance`) to answer."""
        oos, limits = evidence.best("oos"), self.combiner.thresholds
        if chance < limits.answer and oos is not None and oos.score >= limits.decline \
                and evidence.semantic[0] is oos:
            return oos.target
        return None

    def _encode(self, text: str) -> Vectors:
        assert self.encoder is not None
        vector: Vectors = self.encoder.encode([text])[0]
        return vector

    def _only_asks_kind(self, query: Query) -> bool:
        """Whether a question asks which kind and names no work of its own ("BPO or KPO?")."""
        words = self.classifier.work_words(query)
        return self.classifier.is_task_question(query) and not self.normalizer.query(words).content

    def _judge(self, query: Query) -> Verdict:
        """The verdict on described work: a listed task's, or one judged like an unlisted task."""
        found = self.classifier.find_task(query)
        return Verdict.listed(*found) if found is not None else self.unlisted(query)

    def _understand(self, text: str, query: Query) -> Reply:
        """The reply the lexical and semantic evidence decide together."""
        if self.semantic is None or self.encoder is None:
            return self._lexical(text, query, self.search(query),
                                 self.classifier.is_task_question(query))
        vector = self._vector(query.english)
        evidence = self.evidence(query, vector)
        hits = list(evidence.lexical)
        lexical = self._lexical(text, query, hits, evidence.task_question)
        if _listed_verdict(lexical):
            return self._own_by_meaning(query, lexical, evidence) or lexical
        if hits and hits[0].kind == "oos" and hits[0].score >= ANSWER_AT:
            return lexical  # declined with a named subject: the semantic evidence cannot do better
        limits = self.combiner.thresholds
        ranked = self.combiner.rank(evidence)
        best, chance = ranked[0] if ranked else (None, 0.0)
        task = evidence.best("task")
        off_topic = self._off_topic(evidence, chance)
        if off_topic is not None:
            return self._decline(text, off_topic)
        asks_task = self.combiner.asks_task(evidence)
        if asks_task >= limits.gate:
            if task is not None and task.score >= limits.task:
                return self.classification(text, Verdict.listed(self.kb.tasks[task.target], task.score))
            if not (best is not None and chance >= limits.over_unlisted and asks_task < limits.sure_gate):
                return self.classification(text, self.unlisted(query, vector), hits)
            # "is there judgement involved in kpo work?" reads like a task question, but names no
            # listed task and an FAQ entry fits it surely: the entry answers it.
        if best is not None and chance >= limits.answer:
            return self.answer(self.kb.faq[best], round(chance * 100, 1))
        close = [e for e, _ in ranked] if chance >= limits.suggest else []
        if not close and lexical.kind == "answer" and lexical.entry is not None:
            close = [lexical.entry]  # the lexical match alone is too unsure to answer: offer it
        if close:
            entries = [self.kb.faq[e] for e in close[:MAX_BUTTONS]]
            return self.suggestions_of(text, entries, round(chance * 100, 1))
        if lexical.kind == "suggestions" or (lexical.kind == "classification" and lexical.verdict is None):
            return self._fallback(text, "unknown")
        return lexical

    def evidence(self, query: Query, vector: Vectors) -> Evidence:
        """What the decision weighs about a question, given its sentence vector."""
        assert self.semantic is not None
        words = query.english.split()
        return Evidence(
            self.search(query), self.semantic.search(vector, None),
            self.classifier.is_task_question(query), len(self.classifier.kinds_named(query)),
            self.classifier.cue_weight(query), len(words),
            bool(words) and words[0].lower() in _YES_NO, compares(query.raw))

    def _lexical(self, text: str, query: Query, hits: list[Hit], task_question: bool) -> Reply:
        """The lexical matcher's reply, from its ranking and whether the text asks a task's kind."""
        confident = self._confident(hits)
        found = self.classifier.named_task(query) if task_question or confident is None else None
        own = self._own_entry(query, found[0], confident) if found and task_question else None
        if own is not None:
            return own
        if found is not None and self._asks_verdict(query, found[0], task_question, confident):
            return self.classification(text, Verdict.listed(*found))
        off_topic = bool(hits) and hits[0].kind == "oos" and hits[0].score >= SUGGEST_AT
        if task_question and found is None and confident is None and not off_topic:
            verdict = self.classifier.judge_by_cues(query)
            return self.classification(text, verdict, hits)
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

    def _own_by_meaning(self, query: Query, verdict: Reply, evidence: Evidence) -> Reply | None:
        """The listed task's own FAQ answer when the question means it surely, as `_own_entry`
        does by wording: "why are call centres always given as the bpo example?"."""
        task = self.kb.tasks.get(verdict.entry or "")
        if task is None or task.faq is None or len(self.classifier.kinds_named(query)) != 1:
            return None
        ranked = self.combiner.rank(evidence)
        if not ranked or ranked[0][0] != task.faq or ranked[0][1] < self.combiner.thresholds.answer:
            return None
        return self.answer(self.kb.faq[task.faq], round(ranked[0][1] * 100, 1), task)

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
            return self._decline(text, top.target)
        if confident is not None:
            return self.answer(self.kb.faq[confident.target], confident.score)
        suggestions = [h for h in faq_hits if h.score >= SUGGEST_AT][:MAX_BUTTONS]
        if suggestions:
            return self._suggestions(text, suggestions)
        return self._fallback(text, "unknown")

    def _emoji_smalltalk(self, text: str) -> str | None:
        """The small-talk entry a message of emoji only says ("👍🏽👍" is "👍": ok)."""
        said = set(_EMOJI_NOISE.sub("", text))
        return next((owner for owner, emoji in self._emoji.items() if said and said <= emoji), None)

    def smalltalk_id(self, query: Query) -> str | None:
        """Greetings, thanks and the like: a close phrasing, or a message made only of
        their words ("ok thanks bro"), the entry sharing most of them."""
        if len(query.tokens) > SMALLTALK_MAX_WORDS:
            return None
        found = process.extractOne(query.text, self._smalltalk.keys(), scorer=fuzz.ratio,
                                   processor=None, score_cutoff=SMALLTALK_AT)
        if found is not None:
            return self._smalltalk[found[0]]
        words = set(query.tokens) - _FILLERS  # "so?" alone is no thanks
        if not words or not words <= self._smalltalk_words.keys():
            return None
        shared = Counter(owner for word in words for owner in self._smalltalk_words.get(word, ()))
        return shared.most_common(1)[0][0] if shared else None

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
                                    sources=self.sources_of(entry.sources))
        return text, self.entry_buttons("a", entry.related) + (self._feedback_row(entry.id),)

    def _feedback_row(self, entry_id: str) -> tuple[Button, ...]:
        label = self.renderer.label
        return (Button(label("feedback_up"), callbacks.encode("f", entry_id, "up")),
                Button(label("feedback_down"), callbacks.encode("f", entry_id, "down")))

    def feedback_note(self, recorded: bool) -> str:
        """The popup after a 👍/👎 press: thanks, or that this answer was rated already."""
        return self.renderer.label("feedback_thanks" if recorded else "feedback_again")

    def classification(self, text: str, verdict: Verdict, hits: Sequence[Hit] = ()) -> Reply:
        """A task's verdict; when there is none, the closest questions as suggestions."""
        task = verdict.task
        rendered = self.renderer.render(
            "classification", question=task_words(text), v=verdict, task=task,
            sources=self.sources_of(task.sources) if task else [],
        )
        close = [h.target for h in hits if h.kind == "faq" and h.score >= SUGGEST_AT]
        if verdict.verdict is None and close:
            buttons = self.entry_buttons("s", close) + self._menu_buttons("classify")
        elif verdict.verdict is None:  # "can't tell": the dialog asks what the words did not say
            buttons = self._menu_buttons("classify")
        else:
            buttons = self.verdict_buttons([verdict.verdict])
        return Reply("classification", rendered, buttons, entry=task.id if task else None,
                     score=verdict.score if task else None, verdict=verdict.verdict,
                     verdicts=((task.name if task else task_words(text) or text, verdict.verdict),))

    def _suggestions(self, text: str, hits: Sequence[Hit]) -> Reply:
        return self.suggestions_of(text, [self.kb.faq[h.target] for h in hits], hits[0].score)

    def suggestions_of(self, text: str, entries: Sequence[FaqEntry], score: float) -> Reply:
        rendered = self.renderer.render("suggestions", question=text, entries=entries)
        buttons = tuple((Button(e.short, callbacks.encode("s", e.id)),) for e in entries)
        return Reply("suggestions", rendered, buttons, score=score)

    def _decline(self, text: str, topic_id: str) -> Reply:
        """An off-topic subject named, with what the sources do say nearby, if anything."""
        topic = self.kb.out_of_scope[topic_id]
        instead = [self.kb.faq[i] for i in topic.instead]
        if topic.topic is None:
            return self._fallback(text, "unknown")
        if not instead:
            return self._fallback(text, "topic", topic=topic.topic)
        rendered = self.renderer.render("decline", topic=topic.topic, instead=instead)
        return Reply("fallback", rendered, self.entry_buttons("a", topic.instead))

    def _fallback(self, text: str, reason: str, topic: str | None = None) -> Reply:
        if reason == "unknown" and self.classifier.kinds_named(self.normalizer.query(text)):
            reason = "unclear"  # it names KPO or BPO: "I only know about KPO and BPO" would not fit
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

    def privacy(self, logging: bool, days: float, terminal: bool = False) -> Reply:
        """What the bot stores about users: /privacy (in the terminal chat: nothing after /quit)."""
        return Reply("help", self.renderer.render("privacy", logging=logging, days=round(days),
                                                  terminal=terminal,
                                                  minutes=round(self.context_minutes),
                                                  best_days=round(BEST_DAYS)))

    def help(self) -> Reply:
        """The /help text, with every command."""
        return Reply("help", self.renderer.render("help", examples=self.featured(),
                                                  commands=self.commands()))

    def command(self, text: str, terminal: bool = False) -> Reply:
        """A /command typed as text: /help, /compare, /privacy, or a note listing the commands."""
        name = text.split()[0].lstrip("/").split("@")[0].lower() if text.split() else ""
        if name == "help":
            return self.help()
        if name == "compare":
            first = self.cards.dimension(next(iter(self.kb.dimensions)), edit=False)
            return first if terminal and first is not None else self.comparison()
        if name == "privacy":
            return self.privacy(False, 0, terminal=terminal)
        return self.unknown_command(text)

    def unknown_command(self, text: str) -> Reply:
        """ "I don't know that command", with the ones there are."""
        rendered = self.renderer.render("unknown_command", command=text.split()[0] if text.split() else "",
                                        commands=self.commands())
        return Reply("help", rendered)

    def non_text(self) -> Reply:
        """The polite note for stickers, photos and other non-text messages."""
        return Reply("fallback", self.renderer.render("non_text"))

    def featured(self) -> list[FaqEntry]:
        """Example questions offered on /start and the fallback."""
        return list(self._featured)

    def profile(self) -> tuple[str, str]:
        """The bot's description ("What can this bot do?") and short description, plain text."""
        return self.renderer.label("bot_description"), self.renderer.label("bot_short_description")

    def commands(self) -> list[tuple[str, str]]:
        """The command menu: (command, description)."""
        names = ("start", "classify", "compare", "quiz", "help", "cancel", "privacy")
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
        if parsed.kind == "p" and parsed.target == "compare" and parsed.arg is None:
            return self.cards.picture()
        if parsed.kind == "d":
            return self.cards.dimension(parsed.target) or self.stale()
        if parsed.kind == "m" and parsed.target == "ask":
            return Reply("help", self.renderer.render("ask_prompt", examples=self.featured()))
        if parsed.kind == "f" and parsed.target in self.kb.faq and parsed.arg in ("up", "down"):
            return Reply("feedback", "", entry=parsed.target, note=self.feedback_note(True),
                         vote="up" if parsed.arg == "up" else "down")
        if parsed.kind == "t" and parsed.target in self.kb.tasks:
            task = self.kb.tasks[parsed.target]
            return self.classification(task.name, Verdict.listed(task, 100.0))
        return self.stale()

    def stale(self) -> Reply:
        """The note for a button the bot no longer understands."""
        return Reply("stale", "", note=self.renderer.label("stale_button"))

    # --- helpers ----------------------------------------------------------------

    def _example_buttons(self) -> tuple[tuple[Button, ...], ...]:
        """The featured example questions, one button a row."""
        return self.entry_buttons("a", [e.id for e in self._featured])

    def entry_buttons(self, kind: str, ids: Iterable[str]) -> tuple[tuple[Button, ...], ...]:
        return self._button_rows(kind, tuple(ids))

    def _make_entry_buttons(self, kind: str, ids: tuple[str, ...]) -> tuple[tuple[Button, ...], ...]:
        rows = [(Button(self.kb.faq[i].short, callbacks.encode(kind, i)),)
                for i in ids if i in self.kb.faq]
        return tuple(rows[:MAX_BUTTONS])

    def _make_menu_buttons(self, *items: str) -> tuple[tuple[Button, ...], ...]:
        """Buttons for menu actions (classify, compare, ask), one row (cached as _menu_buttons)."""
        return (tuple(Button(self.renderer.label(f"menu_{i}"), callbacks.encode("m", i)) for i in items),)

    def sources_of(self, ids: Iterable[str]) -> list[Source]:
        return [self.kb.sources[i] for i in ids]


def _listed_verdict(reply: Reply) -> bool:
    """Whether a reply gives a listed task's verdict (on its card, or opening its own entry)."""
    return reply.entry is not None and reply.verdict is not None


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


_EMOJI_NOISE = re.compile("[\\s\ufe0f\U0001f3fb-\U0001f3ff]")
"""Spaces, the emoji variation selector and skin tones: none changes what an emoji says."""
_FILLERS = frozenset(stem(w) for w in
                     "bro bhai brother friend sir madam ji po yaar man dude so very really much a lot the it "
                     "this superb awesome".split())
"""Words small talk carries that say nothing of their own ("ok thanks bro")."""

_YES_NO = frozenset("is are was were does do did would should can could will shall".split())
"""First words of a yes/no question ("is payroll BPO?")."""

_ENGLISH_HINTS = frozenset(stem(w) for w in  # stemmed, as query tokens are ("does" -> "doe")
                           "the is are what which who how does do and or of to in for a an between "
                           "difference".split())


def build_engine(knowledge: Path | str | None = None, renderer: Renderer | None = None,
                 dialog_timeout: float = DIALOG_TIMEOUT, context_minutes: float = CONTEXT_MINUTES,
                 quiz_seconds: float = QUIZ_SECONDS) -> Engine:
    """An engine over a knowledge folder (default: the shipped or configured one)."""
    return Engine(load(knowledge), renderer, dialog_timeout=dialog_timeout,
                  context_minutes=context_minutes, quiz_seconds=quiz_seconds)
