"""A chat, not single questions: follow-ups read with the last exchange, and messages
that ask several things at once.

The engine answers one question; this flow decides what a chat message asks
before the engine answers it: a follow-up of the last exchange ("why?", "and for
BPO?", "and bookkeeping?", "so what do we need?"), several tasks or questions in
one message, or a new question. It keeps no state of its own: each message comes
with the chat's `Context`, and each reply carries the next one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Literal

from markupsafe import Markup

from bot.classify import Verdict
from bot.conversation import Context, FollowUp, FollowUps, pointed_item, pressed
from bot.focus import POINTS_BACK, without_opener
from bot.knowledge import VERDICTS, FaqEntry, Task
from bot.normalize import Query
from bot.parts import split, tidy
from bot.reply import MAX_BUTTONS, Button, Reply, ReplyKind
from bot.tghtml import MAX_MESSAGE_LENGTH
from bot.tuning import DESCRIBED_WORDS, NEXT_TASK_WORDS, FOLLOW_UP_WORDS

if TYPE_CHECKING:
    from bot.engine import Engine



class ChatFlow:
    """What each chat message asks, given the chat's last exchange; the engine answers it."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.follow_ups = FollowUps(engine.kb.chat, engine.normalizer)
        self._entry_kinds = {
            e.id: k for e in engine.kb.faq.values()
            if (k := _one_kind(engine.classifier.kinds_named(engine.normalizer.query(e.question))))}
        """The one kind an FAQ entry's question is about (what_is_kpo: KPO), if it names one."""
        self._about_kind = frozenset(t for w in _ABOUT_KIND.split() for t in engine.normalizer.tokens(w))
        self._dimension_of = {d.faq: d for d in engine.kb.dimensions.values()}
        """The comparison-table row that explains an FAQ entry (pay: the pay row), for "why?"."""

    def converse(self, text: str, context: Context | None, now: float) -> Reply:
        """The reply to a chat message, read with the chat's last exchange while it is fresh.

        The reply carries the new context for the adapter to keep.
        """
        live = context if context is not None and not context.expired(now, self.engine.context_minutes) else None
        reply = self._turn(self._without_courtesy(without_opener(tidy(text))), live)
        return replace(reply, context=self._next_context(reply, text, live, now))

    def _without_courtesy(self, text: str) -> str:
        """ "Thank you. Could you please explain the reason?": the thanks before an ask is no reply's
        subject; the ask is."""
        back = _BACK_TO_TOPIC.match(text)
        if back is not None and text[back.end():].strip():
            text = text[back.end():].strip()  # "ok back to topic, what is KPO then?"
        found = _FIRST_SENTENCE.match(text)
        if found is None or not text[found.end():].strip():
            return text
        said = self.engine.normalizer.query(found.group(1))
        return text[found.end():].strip() if self.engine.smalltalk_id(said) is not None else text

    def _turn(self, text: str, live: Context | None) -> Reply:
        query = self.engine.normalizer.query(text)
        data = pressed(text, live.card) if live is not None else None
        if data is not None:  # "next" typed under a /compare card: as if its button were pressed
            return replace(self.engine.press(data), edit=False)
        if live is not None:
            answered = self._in_context(text, query, live)
            if answered is not None:
                return answered
        reply = self._several(text, query) or self._described_then_asked(text, live) or self.engine.reply(text)
        short = self.engine.kb.faq.get(reply.entry or "") if reply.kind == "answer" and _BRIEF.search(text) else None
        if short is not None and short.simple is not None:  # "what is bpo in one line", "kpo 2 marks"
            return self._simpler(short)
        judged = reply.kind == "classification"
        if (reply.kind in _NOT_WORK and _ABOUT_ME.match(text) or (judged or reply.kind == "answer")
                and _WHO_WE_ARE.match(text)) \
                and not _asks(text):  # "we're a 5 person accounting firm": who they are, not the work
            described = self._described_verdict((text,)) if _NEED.search(text) and not _WHO_WE_ARE.match(text) \
                else None
            if described is not None and described.verdict is not None and described.confidence in _SURE:
                return self.engine.classification(text, described)  # "we need someone to review contracts"
            return Reply("help", self.engine.renderer.render("own_work_prompt"))
        return reply

    def _in_context(self, text: str, query: Query, live: Context) -> Reply | None:
        """The reply to a message that only makes sense with the last exchange, if it is one."""
        follow = self.follow_ups.find(query)
        bare = _SELF_TAIL.sub("", text)
        if follow is None and bare != text and bare.strip():  # "explain simpler pls, im not from finance"
            follow = self.follow_ups.find(self.engine.normalizer.query(bare))
        if self.engine.smalltalk_id(query) is not None and not (follow and follow.intent in _OVER_SMALLTALK):
            return None  # "thanks", "ok", "hello": small talk, whatever came before ("how so?" is no thanks)
        item = pointed_item(text, len(live.items))
        if item is None and not live.asked:
            item = self._item_by_words(text, query, live.items)
        if item is not None:
            pointed = live.items[item]
            if not live.asked:
                return self._judge_words(pointed)
            reply = self.engine.reply(pointed)
            entry = self.engine.kb.faq.get(reply.entry or "") if reply.kind == "answer" else None
            if entry is not None and follow is not None and follow.intent == "simpler":
                return self._simpler(entry)
            return reply
        if follow is None and (live.said or live.verdict or live.items) and self._bare_kind_question(query):
            follow = FollowUp("decide")
        if follow is None and live.said and self._asks_kind_of_it(text, query):
            follow = FollowUp("decide")  # "what would you call this kind of work?"
        bare_so = len(text) <= FOLLOW_UP_CHARS and _SO.fullmatch(text) is not None
        if follow is None and live.said and live.verdict is None and bare_so:
            follow = FollowUp("decide")  # "ok so?" after a description of one's work
        if follow is not None:
            return self._follow_up(follow, live, text)
        return self._next_task(text, query) if live.verdict is not None and live.entry is None else None

    def _item_by_words(self, text: str, query: Query, items: Sequence[str]) -> int | None:
        """The one listed task a short "why?" names by a word of it ("how so for the reporting one")."""
        if len(items) < 2 or len(text.split()) > FOLLOW_UP_WORDS + 3 or not _WHY_WHICH.search(text):
            return None
        said = {t[:5] for t in query.content if len(t) >= 4}
        sharing = [n for n, item in enumerate(items)
                   if said & {t[:5] for t in self.engine.normalizer.query(item).content if len(t) >= 4}]
        return sharing[0] if len(sharing) == 1 else None

    def _next_task(self, text: str, query: Query) -> Reply | None:
        """ "so equity research comes in which", "and data analytics, same thing?" after a verdict:
        a short message naming another listed task asks for its verdict too."""
        if len(query.content) > NEXT_TASK_WORDS or _DEFINING.match(text):
            return None
        found = self.engine.classifier.find_task(query)
        named = self._named_in_full(query, found[0]) if found else None
        if found is None or named is None or not self.follow_ups.neutral(set(query.content) - named):
            return None  # "do they earn more than call centre ppl" asks about pay, not a verdict
        return self.engine.classification(found[0].name, Verdict.listed(*found))

    def _named_in_full(self, query: Query, task: Task) -> set[str] | None:
        """The words of the task's name or alias the message holds in full (not "risky" for
        risk analysis, nor "diagnosis" for remote medical reporting and diagnosis)."""
        said = set(query.content)
        names = [set(self.engine.normalizer.content(words).split()) for words in (task.name, *task.aliases)]
        return next((n for n in names if n <= said), None)

    def _is_task_name(self, words: str) -> bool:
        """Whether the words are a listed task's name or alias and nothing more."""
        query = self.engine.normalizer.query(words)
        found = self.engine.classifier.find_task(query)
        return found is not None and self._named_in_full(query, found[0]) == set(query.content)

    def _finds_task(self, words: str) -> bool:
        return self.engine.classifier.find_task(self.engine.normalizer.query(words)) is not None

    def _described_then_asked(self, text: str, live: Context | None) -> Reply | None:
        """ "we want scans read remotely by specialists. so what do we need?": the work
        described, then the decide follow-up, in one message."""
        found = _LAST_SENTENCE.search(text)
        if found is None or not text[:found.start()].strip():
            return None
        follow = self.follow_ups.find(self.engine.normalizer.query(found.group(1)))
        if follow is None or follow.intent != "decide":
            return None
        described = text[:found.start()].strip(" .!,")
        if _WHO_WE_ARE.match(described):  # "i own a restaurant. what should i outsource?": no work named yet
            return Reply("help", self.engine.renderer.render("own_work_prompt"))
        heard = (live or Context(at=0.0)).heard(described, 0.0)
        return self._decide_work(replace(heard, items=(), verdict=None, task=None), found.group(1))

    def _asks_kind_of_it(self, text: str, query: Query) -> bool:
        """ "If we hand that off, would it count as KPO or BPO?", "what kind would that be?": asks
        the kind of the work described before, pointing back at it, and says nothing new."""
        if not (_KIND_ASK.search(text) and POINTS_BACK.search(text)):
            return False
        new = {w for w in query.content if w not in self._about_kind and not self.follow_ups.neutral({w})
               and not self.follow_ups.decides({w})}
        return len(new) <= FOLLOW_UP_WORDS // 3 and not _DEFINING.match(text)

    def _bare_kind_question(self, query: Query) -> bool:
        """ "bpo or kpo?", "which one do we need": asks which kind, names no work of its own."""
        kinds = len(self.engine.classifier.kinds_named(query))
        pointing = POINTS_BACK.search(query.raw) is not None
        if not (self.engine.classifier.is_task_question(query) or kinds == 2 or kinds == 1 and pointing):
            return False
        work = set(self.engine.normalizer.query(self.engine.classifier.work_words(query)).content)
        if not work:  # "which kind of outsourcing is that, the routine process kind or the expert kind?"
            return True
        return len(query.tokens) <= FOLLOW_UP_WORDS + 1 and self.follow_ups.decides(work)

    def _several(self, text: str, query: Query) -> Reply | None:
        """The reply to a message that names several tasks or asks several questions."""
        parts = split(text)
        if query.hinglish and parts is None:
            parts = split(query.english)  # the tasks of "payroll aur data entry kaunsa hai" in English
        if parts is None:
            return None
        if parts.kind == "questions":
            return self._questions(text, parts.items)
        if parts.kind == "list" and not self._mostly_tasks(parts.items):
            return None
        return self._tasks(text, parts.items)

    def _mostly_tasks(self, items: Sequence[str]) -> bool:
        """Whether at least half of a plain list names listed tasks ("payroll, data entry")."""
        named = sum(self.engine.classifier.find_task(self.engine.normalizer.query(i)) is not None for i in items)
        return 2 * named >= len(items)

    def _follow_up(self, follow: FollowUp, ctx: Context, text: str) -> Reply | None:
        """The reply to a follow-up, or None when the context does not give it a meaning."""
        entry = self.engine.kb.faq.get(ctx.entry) if ctx.entry else None
        if follow.intent in ("reason", "simpler"):
            if ctx.items and not ctx.asked:  # "why?" after a list of verdicts: their reasons again
                return self._tasks(" ".join(ctx.items), ctx.items)
            task = self.engine.kb.tasks.get(ctx.task or "")
            if entry is None and follow.intent == "reason" and task is not None:
                return self._task_reason(task)
            if entry is None:  # "how so?" after a verdict; "ok so?" after a description of one's work
                return self._verdict_again(ctx) or (self._decide_work(ctx) if ctx.said else None)
            if follow.intent == "simpler" and entry.simple is not None:
                return self._simpler(entry)
            if follow.intent == "reason" and ctx.task is None:
                reason = self._reason(entry)
                if reason is not None:
                    return reason
            return self.engine.answer(entry, task=self.engine.kb.tasks.get(ctx.task or ""))
        if follow.intent == "example":
            named = self.engine.classifier.kinds_named(self.engine.normalizer.query(text))
            kind = _one_kind(named) or ctx.verdict or ctx.kind
            if kind is not None and not named and _OTHER.search(text):  # "example of the other kind?"
                kind = "BPO" if kind == "KPO" else "KPO"
            return self._examples(kind)
        if follow.intent == "other_kind":
            return self._other_kind(ctx, text)
        if follow.intent == "decide":
            return self._decide_work(ctx, text)
        # One verdict before, or a list of them and a question ("what about market research?"), not
        # a remark ("also i spend lot of time on reviews"), which belongs to the work described.
        judged = ctx.verdict is not None or bool(ctx.items) and not ctx.asked and "?" in text
        if judged and not _QUESTION.match(follow.rest):  # "and bookkeeping?"
            query = self.engine.normalizer.query(follow.rest)
            several = self._several(follow.rest, query)
            if several is not None:
                return several
            if ctx.entry is None or self.engine.classifier.find_task(query) is not None:
                return self._judge_words(follow.rest)
        return None

    def _decide_work(self, ctx: Context, ask: str = "") -> Reply | None:
        """ "So what do we need?" after the user described their work over a few messages."""
        if ctx.items and not ctx.said:
            return self._tasks(" ".join(ctx.items), ctx.items)
        if len(ctx.said) >= 2 and _EACH.search(ask):  # "which type for each?": one verdict per message
            work = [s for s in ctx.said if not _WHO_WE_ARE.match(s) and self._verdict_of(s)]
            each = self._tasks(" ".join(work), work)
            if each is not None:
                return each
        if ctx.verdict is not None and not ctx.said:
            return self._verdict_again(ctx)
        for said in reversed(ctx.said):
            parts = split(said)
            if parts is not None and parts.kind != "questions":
                several = self._tasks(said, parts.items)
                if several is not None:
                    return several
        described = self._judge_described(ctx.said) if ctx.said else None
        if (described is None or described.verdict is None) and ctx.items and not ctx.asked:
            return self._tasks(" ".join(ctx.items), ctx.items)  # the tasks already judged, not a vague remark
        return described or self._verdict_again(ctx)

    def _judge_described(self, said: Sequence[str]) -> Reply | None:
        """A verdict on work described over several messages (see `_described_verdict`)."""
        verdict = self._described_verdict(said)
        return self.engine.classification(" ".join(said), verdict) if verdict is not None else None

    def _described_verdict(self, said: Sequence[str]) -> Verdict | None:
        """The verdict on the whole description when that is fairly sure; else on the latest
        sentence that is (people set the scene first, "I manage operations at an ed-tech
        company", and then say the work); else the whole's guess."""
        verdict = self._verdict_of(" ".join(said))
        if verdict is None or verdict.confidence not in _SURE:
            sentences = [s for text in said for s in _SENTENCE_BREAK.split(text)
                         if s.strip() and not _WHO_WE_ARE.match(s)]
            sure = [v for v in map(self._verdict_of, sentences)
                    if v is not None and v.verdict is not None and v.confidence in _SURE]
            verdict = sure[-1] if sure else verdict
        return verdict

    def _verdict_again(self, ctx: Context) -> Reply | None:
        if ctx.task is not None and ctx.task in self.engine.kb.tasks:
            task = self.engine.kb.tasks[ctx.task]
            return self.engine.classification(task.name, Verdict.listed(task, 100.0))
        if ctx.work:
            return self._judge_words(ctx.work)
        return None

    def _reason(self, entry: FaqEntry) -> Reply | None:
        """ "why?" after an answer the comparison table explains: that dimension's reasoning."""
        dimension = self._dimension_of.get(entry.id)
        if dimension is None:
            return None
        text = self.engine.renderer.render("reason", entry=entry, d=dimension,
                                           sources=self.engine.sources_of(dimension.sources))
        return Reply("answer", text, self.engine.entry_buttons("a", (entry.id, *entry.related)), entry=entry.id)

    def _task_reason(self, task: Task) -> Reply:
        """ "why?" after a listed task's verdict: its reason, and the comparison row behind every verdict."""
        faq = self.engine.kb.chat.task_reason
        dimension = self._dimension_of.get(faq) if faq else None
        if dimension is None:
            return self.engine.classification(task.name, Verdict.listed(task, 100.0))
        sources = self.engine.sources_of(dict.fromkeys((*task.sources, *dimension.sources)))
        text = self.engine.renderer.render("task_reason", task=task, d=dimension, sources=sources)
        return Reply("classification", text, self.engine.verdict_buttons([task.verdict]), entry=task.id,
                     verdict=task.verdict, verdicts=((task.name, task.verdict),))

    def _simpler(self, entry: FaqEntry) -> Reply:
        """The entry in plain words when it has them, else the entry again."""
        if entry.simple is None:
            return self.engine.answer(entry)
        text = self.engine.renderer.render("simpler", entry=entry, sources=self.engine.sources_of(entry.sources))
        return Reply("answer", text, self.engine.entry_buttons("a", (entry.id, *entry.related)), entry=entry.id)

    def _examples(self, kind: str | None) -> Reply:
        """Examples of one kind, or of both side by side."""
        examples = self.engine.kb.chat.examples
        if kind is not None and kind in examples:
            return self.engine.answer(self.engine.kb.faq[examples[kind]])
        return self._merged("", [(e.question, self.engine.answer(e))
                                 for e in (self.engine.kb.faq[examples[k]] for k in VERDICTS)])

    def _other_kind(self, ctx: Context, text: str) -> Reply | None:
        """ "and for BPO?": the same question for the other kind (or the kind the message names)."""
        named = self.engine.classifier.kinds_named(self.engine.normalizer.query(text))
        current = ctx.kind or ctx.verdict
        if len(named) == 1:
            target = next(iter(named)).upper()
        elif current is not None:
            target = "BPO" if current == "KPO" else "KPO"
        else:  # "the other one?" after an entry on both kinds ("the main goal of bpo?"): it holds both
            both = self.engine.kb.faq.get(ctx.entry or "")
            return self.engine.answer(both) if both is not None else None
        entry = self.engine.kb.faq.get(ctx.entry) if ctx.entry else None
        if entry is None:
            return self._examples(target) if ctx.verdict else None
        if entry.counterpart is not None and self._entry_kinds.get(entry.counterpart) == target:
            return self.engine.answer(self.engine.kb.faq[entry.counterpart])
        return self.engine.answer(entry)

    def _judge_words(self, words: str) -> Reply | None:
        """A verdict on work described in the user's words; None when they name nothing."""
        verdict = self._verdict_of(words)
        return self.engine.classification(words, verdict) if verdict is not None else None

    def _verdict_of(self, words: str) -> Verdict | None:
        """A listed task's verdict, or one judged from the nearest tasks and cue words."""
        query = self.engine.normalizer.query(words)
        if not query.content:
            return None
        found = self.engine.classifier.find_task(query)
        if found is None:
            return self.engine.unlisted(query)
        listed = Verdict.listed(*found)
        if len(self.engine.classifier.other_words(query, found[0])) < DESCRIBED_WORDS:
            return listed
        judged = self.engine.unlisted(query)  # "experts to find out why people cancel subscriptions"
        return judged if judged.verdict not in (None, listed.verdict) else listed

    def _tasks(self, text: str, items: Sequence[str]) -> Reply | None:
        """A verdict and a one-line reason for each task a message names, in its order."""
        judged = [(item, self._verdict_of(item)) for item in self._task_items(items)]
        rows = [(item, v) for item, v in judged if v is not None]
        if len(rows) < len(judged) or sum(v.verdict is not None for _, v in rows) < 2:
            return None  # not a list of tasks: at most one item names work the bot can judge
        rendered = self.engine.renderer.render("task_list", rows=rows)
        kinds = [v.verdict for _, v in rows if v.verdict]
        verdict = kinds[0] if len(set(kinds)) == 1 and len(kinds) == len(rows) else None
        return Reply("classification", rendered, self.engine.verdict_buttons(kinds), verdict=verdict,
                     verdicts=tuple((item, v.verdict) for item, v in rows))

    def _task_items(self, items: Sequence[str]) -> list[str]:
        """Items split once more at "and" where both halves name listed tasks
        ("patent filing and data entry"), not where they name one ("regulatory and compliance")."""
        out: list[str] = []
        for item in items:
            halves = re.split(r"\s+(?:and|or|&|aur)\s+", item, maxsplit=1, flags=re.IGNORECASE)
            whole = len(halves) == 2 and self._is_task_name(item)  # "supply chain and network optimisation"
            split_here = len(halves) == 2 and not whole and all(self._finds_task(h) for h in halves)
            out.extend(halves if split_here else [item])
        return out

    def _questions(self, text: str, questions: Sequence[str]) -> Reply | None:
        """Each question of a message that asks several, answered in one reply."""
        replies: list[tuple[str, Reply]] = []
        named: frozenset[str] = frozenset()
        carried = _carry_kinds(questions, self.engine.classifier.kinds_named, self.engine.normalizer.query)
        for asked, question in zip(questions, carried, strict=True):
            if _CONFIRM.match(question):
                continue  # "My friend says it's BPO ... Is he right?" asks about the rest, not on its own
            own = self.engine.classifier.kinds_named(self.engine.normalizer.query(question))
            item = _AND_WHAT.sub("", question).strip(" ?")
            after_verdict = bool(replies) and replies[-1][1].kind == "classification"
            reply = self._judge_words(item) if after_verdict and self._is_task_name(item) else None
            reply = reply or self.engine.reply(question)  # "is data entry bpo? and patent filing?"
            if replies and not own and not outright(reply):  # "what does bpo stand for and whats an example"
                about = next(iter(named)).upper() if len(named) == 1 else "BPO or KPO"
                retried = self.engine.reply(f"{question} ({about})")
                reply = retried if outright(retried) else reply
            if not outright(reply) and asked != question:  # "are they the same?" not understood: say so in
                reply = self.engine.reply(asked)            # the user's words, not "are BPO the same?"
            named = own or named
            replies.append((question, reply))
        understood = [(q, r) for q, r in replies if r.kind != "fallback"]
        if len(understood) >= 2:
            replies = understood  # "I'm a B.Com student from Pune." is context, not a question
        if len({(r.kind, r.entry, r.verdict) for _, r in replies}) == 1:
            return replies[0][1]  # "is lpo a thing? legal process outsourcing?" asks one thing twice
        if sum(outright(r) for _, r in replies) < 2:
            return None  # at most one part understood: the message is better read whole
        return self._merged(text, replies)

    def _merged(self, text: str, replies: Sequence[tuple[str, Reply]]) -> Reply:
        """Several replies as one message within Telegram's limit, their buttons merged."""
        texts = fit([r.text for _, r in replies], MAX_MESSAGE_LENGTH - 200)
        rendered = self.engine.renderer.render("parts", parts=[  # each text is already rendered, escaped HTML
            (question, Markup(part)) for (question, _), part in zip(replies, texts, strict=True)])
        rows: list[tuple[Button, ...]] = []
        for _, reply in replies:
            for row in reply.buttons[:1]:
                if row not in rows and all(b.data and b.data.startswith("a:") for b in row):
                    rows.append(row)
        return Reply("parts", rendered, tuple(rows[:MAX_BUTTONS]),
                     verdicts=tuple(v for _, r in replies for v in r.verdicts),
                     parts=tuple(r for _, r in replies), asked=tuple(q for q, _ in replies))

    def _next_context(self, reply: Reply, text: str, live: Context | None, now: float) -> Context:
        heard = (live or Context(at=now)).heard(text, now)
        # "thanks!" and "what is offshoring?" describe no work of the user's: not kept in `said`.
        if reply.kind == "smalltalk" or reply.kind in _NOT_WORK and _asks(text) or not any(c.isalpha() for c in text):
            heard = replace(heard, said=live.said if live is not None else ())  # nor do "😂" and "🤔"
        if reply.kind == "comparison":
            return self.engine.with_card(reply, heard, now).context or heard
        heard = replace(heard, card=())
        if reply.kind in ("smalltalk", "fallback"):
            return heard  # "thanks!", "whats the weather in delhi?" and remarks not understood keep the topic
        last = reply.parts[-1] if reply.parts else reply
        topic = replace(heard, entry=None, task=None, verdict=None, work=None, kind=None, items=(),
                        asked=False)
        answered = last.kind == "answer" and (text.rstrip().endswith("?") or _QUESTION.match(text) is not None)
        # A description of one's work is kept for "so what do we need?"; a question answered is not.
        # A verdict on one described message keeps the description, for "which type for each?".
        judged = last.kind == "classification" and len(last.verdicts) == 1 and len(topic.said) > 1
        settled = replace(topic, said=()) if not judged and (last.verdict is not None or len(last.verdicts) > 1
                                                             or answered) else topic
        if reply.parts:  # "and for bpo?" after several answers asks about the last one
            about = last.entry if last.kind == "answer" else None
            return replace(settled, items=reply.asked, asked=True, entry=about,
                           kind=self._entry_kinds.get(about or ""))
        if len(last.verdicts) > 1:
            return replace(settled, items=tuple(words for words, _ in last.verdicts))
        if last.kind == "answer" and last.entry is not None:
            task = next((t for t in self.engine.kb.tasks.values() if t.faq == last.entry), None)
            kind = self._entry_kinds.get(last.entry) or _kind(task.verdict if task else None)
            return replace(settled, entry=last.entry, kind=kind,  # legal_process is about KPO work
                           verdict=_kind(last.verdict), task=task.id if task and last.verdict else None)
        if last.kind == "classification" and last.verdict is not None:
            listed = last.entry if last.entry in self.engine.kb.tasks else None
            work = None if listed else (last.verdicts[-1][0] if last.verdicts else text)
            return replace(settled, task=listed, verdict=_kind(last.verdict), work=work,
                           kind=_kind(last.verdict))
        return topic


_NOT_WORK: frozenset[ReplyKind] = frozenset({"fallback", "suggestions", "help"})
"""Replies after which the user's question is not kept as a description of their work."""
FOLLOW_UP_CHARS = 40
"""Longer than this, a message is no bare "ok so?"."""
_SO = re.compile(r"\W*(?:(?:ok|okay|so|then|toh|and|hmm|well|now|yes|yeah|right|fine|alright)\W*)+", re.IGNORECASE)
"""Nothing but "ok so?" and the like: after a description of one's work, asks for a verdict."""
_OVER_SMALLTALK = frozenset({"reason", "simpler", "example", "other_kind"})
"""Follow-ups that win over small talk sharing their words ("how so?" is no "how are you")."""


def _kind(verdict: str | None) -> Literal["BPO", "KPO"] | None:
    return "BPO" if verdict == "BPO" else "KPO" if verdict == "KPO" else None


def _one_kind(kinds: frozenset[str]) -> Literal["BPO", "KPO"] | None:
    """ "KPO" for {"kpo"}, "BPO" for {"bpo"}, None for both or neither."""
    return _kind(next(iter(kinds)).upper()) if len(kinds) == 1 else None


def _carry_kinds(questions: Sequence[str], kinds: Callable[[Query], frozenset[str]],
                 query: Callable[[str], Query]) -> list[str]:
    """Later questions with "it" standing for the kind an earlier one named, "them" for both
    when both were named: "explain bpo. and is kpo part of it?" asks whether KPO is part of BPO;
    "1. define bpo 2. define kpo 3. difference between them" asks for the difference."""
    out: list[str] = []
    named: str | None = None
    seen: set[str] = set()
    for question in questions:
        own = kinds(query(question))
        if len(seen) == 2 and not own and _BOTH.search(question):
            question = _BOTH.sub("BPO and KPO", question, count=1)
        elif named is not None and _ONE.search(question) and named not in own:
            question = _ONE.sub(named.upper(), question, count=1)
        named = next(iter(own)) if len(own) == 1 else named
        seen |= own
        out.append(question)
    return out


_ONE = re.compile(r"\b(?:it|them|they|that one)\b", re.IGNORECASE)
_BOTH = re.compile(r"\b(?:them|they|both|the two|dono)\b", re.IGNORECASE)


def fit(texts: Sequence[str], limit: int) -> list[str]:
    """Texts cut at paragraph breaks so that together they stay under `limit` characters.

    Each keeps at least its first paragraph (its title); paragraphs are dropped from
    the end of the longest text first. Tags never span a paragraph break in the
    templates, so every cut text is still valid Telegram HTML.
    """
    paragraphs = [t.split("\n\n") for t in texts]
    while sum(len("\n\n".join(p)) for p in paragraphs) > limit:
        longest = max(range(len(paragraphs)), key=lambda i: len("\n\n".join(paragraphs[i])))
        if len(paragraphs[longest]) <= 1:
            break
        paragraphs[longest] = paragraphs[longest][:-1]
    return ["\n\n".join(p) for p in paragraphs]


_QUESTION = re.compile(r"(?!(?:what|how|why|when|where)\s+(?:we|i)\s)"  # "what we want to hand off is ...": a statement
                       r"(?:what|whats|which|who|how|why|when|where|is|are|does|do|can|should|would)\b",
                       re.IGNORECASE)


_BRIEF = re.compile(r"\b(?:(?:in\s+)?one\s+line|in\s+short|in\s+brief|briefly|short\s+note|in\s+a\s+nutshell|"
                    r"(?:1|2|one|two)\s*marks?|tl;?dr|in\s+(?:simple|easy|plain)\s+(?:words|language)|"
                    r"simple\s+language)\b", re.IGNORECASE)
"""Asks for a short answer: the entry's plain-words version, where it has one."""
_SELF_TAIL = re.compile(r"\s*[,;.!-]+\s*(?:(?:as|since|coz|cuz|because|bcoz)\s+)?(?:i'?m|i\s+am|im|i\s+have|main)\b.*$",
                        re.IGNORECASE)
"""A remark about the user after a follow-up ("..., im not from finance"), which asks nothing."""
_AND_WHAT = re.compile(r"^\s*(?:and\s+what\s+about|what\s+about|how\s+about|and|also)\s+", re.IGNORECASE)
"""How a later part of a message opens when it names one more thing of the same sort."""
_OTHER = re.compile(r"\b(?:other|dusra|doosra|dusre|doosre)\b", re.IGNORECASE)
_KIND_ASK = re.compile(r"\b(?:kind|type|category|sort|call|called|count|counts|kehlayega|kehlaega|kahenge|kaunsa|"
                       r"kaun\s*sa|konsa|bpo|kpo)\b", re.IGNORECASE)
"""Words that ask which kind something is."""
_ABOUT_KIND = ("call called count counts outsource outsourcing hand handing off outside team work job part kind type "
               "category sort something does do would be is it that this bpo kpo firm company someone person we our "
               "my thing stuff name label kehlayega kahenge bahar dena")
"""Words a question about the kind of earlier-described work may hold besides the follow-up words."""
_WANTS_TO_KNOW = re.compile(r"\b(?:want(?:ed)?\s+to\s+know|wanna\s+know|tell\s+me|i\s+wonder)\b", re.IGNORECASE)
"""An ask without a question mark ("hi, I want to know what kind of job I have"), no description of work."""
_HINGLISH_ASK = re.compile(r"\b(?:batao|bataiye|btao|samjhao|samjhaiye|kya\s+hai|kya\s+hota|konsa|kaunsa|kaise)\b",
                           re.IGNORECASE)
"""Romanised Hindi that asks ("simple me batao"), so the message is no description of work. Narrower
than the question words bot/parts.py splits at: "log chahiye" (people needed) describes work."""
_NEED = re.compile(r"\b(?:need|needs|want|wants|looking for|require|requires|hire|hand over|outsource)\b",
                   re.IGNORECASE)
"""A description that says what work is wanted, not only who the user is."""
_SURE = frozenset({"high", "medium"})
"""Verdict confidences that settle a described piece of work."""
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+|\n+")
_FIRST_SENTENCE = re.compile(r"\s*([^.!?\n]+)[.!?\n]+\s*")
_LAST_SENTENCE = re.compile(r"[.!?\n]\s*([^.!?\n]+[.!?]*)\s*$")
"""The last sentence of a message that has several."""
_WHY_WHICH = re.compile(r"\b(?:why|how so|how come|reason|kyu|kyun|which|bpo|kpo)\b", re.IGNORECASE)
_CONFIRM = re.compile(r"\W*(?:(?:is|am|are)\s+(?:he|she|they|i|we|that|this|it|my\s+\w+)\s+)?"
                      r"(?:right|correct|wrong|sahi hai|sahi)\W*$", re.IGNORECASE)
"""A question that only asks whether what was just said is right ("Is he right?")."""
_BACK_TO_TOPIC = re.compile(
    r"\s*(?:(?:ok|okay|alright|right|so|well|fine|hmm)\b[\s,.!]*)*(?:(?:let'?s\s+)?(?:get\s+|come\s+|go\s+)?"
    r"back\s+to\s+(?:the\s+|our\s+)?(?:topic|point|subject|kpo|bpo|outsourcing)|coming\s+back\s+to\s+(?:the\s+)?"
    r"(?:topic|point)|anyway|anyways)\b[\s,.!:;-]*", re.IGNORECASE)
"""Words that only steer back to the subject after a detour ("ok back to topic, ..."): no part of the ask."""
_EACH = re.compile(r"\b(?:each|both|which is which|dono|har ek|separately|respectively)\b", re.IGNORECASE)
"""Asking for a verdict per thing described ("which type for each?")."""
_DEFINING = re.compile(r"\s*(?:what\s+is|what's|whats|define|explain|meaning|describe)\b", re.IGNORECASE)
"""A message that asks what something is wants the FAQ's answer, not a verdict."""
_ABOUT_ME = re.compile(
    r"^\s*(?:hi|hello|hey)?[,!. ]*(?:(?:every\s*day|daily|mostly|basically|usually|at\s+work|in\s+my\s+job)[,\s]+)?"
    r"(?:i|we)(?:'m|'re| am| are| run| own| have| manage| work| do| sell| make|"
    r" handle| started| read| check| write| review| prepare| process| answer| analyse| analyze| enter| type|"
    r" call| design| build| spend| deal| look after| take care)\b"
    r"|^\s*(?:our|my) (?:company|business|firm|shop|store|startup|team|clinic|office|agency)\b",
    re.IGNORECASE)
"""A message about the user's own business or work ("I run a bakery", "our team handles ...")."""
_WHO_WE_ARE = re.compile(
    r"^\s*(?:hi|hello|hey)?[,!. ]*(?:i|we|(?:me|my\s+\w+)\s+and\s+(?:my\s+\w+|i))"
    r"(?:'m|'re| am| are| run| own| have| manage)\s+(?:a|an|my|our)\s+"
    r"(?:(?!\b(?:who|that|to|which|where)\b)[\w&'-]+[\s,]*){1,8}[.!]*\s*$", re.IGNORECASE)
"""Who the user is, not what work they want done ("I have an online clothing store")."""


def _asks(text: str) -> bool:
    """Whether a message asks something ("?", a question word, "I want to know", or romanised Hindi
    "batao")."""
    return ("?" in text or _QUESTION.match(text) is not None or _HINGLISH_ASK.search(text) is not None
            or _WANTS_TO_KNOW.search(text) is not None)


def outright(reply: Reply) -> bool:
    """Whether a reply answers an FAQ entry or gives a verdict outright."""
    return reply.kind == "answer" or (reply.kind == "classification" and reply.verdict is not None)
