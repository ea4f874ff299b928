"""Comparison cards: the /compare browser and the cards offered in inline mode.

Cards are transport-independent: a card has a stable id, a title, a one-line
description that already answers at a glance, its message (Telegram HTML from
a template) and the deep-link parameter that opens the bot on its topic. The
Telegram adapter turns them into InlineQueryResultArticles.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

from bot import callbacks
from bot.knowledge import Dimension, FaqEntry, KnowledgeBase, Task
from bot.matching import Hit
from bot.normalize import Normalizer, Query, stem
from bot.picture import Picture, Table
from bot.render import Renderer, shorten
from bot.reply import Button, Reply
from bot.tuning import CARD_DIMENSION_MATCH, CARD_FAQ_MATCH, CARD_TASK_MATCH, VERDICT_LISTING

PAGE_SIZE = 20
"""Inline results per answer (Telegram allows 50); more come through next_offset."""
MAX_CARDS = 60
_FIRST_SENTENCE = re.compile(r"^(.+?[.!?])(\s|$)", re.S)
QUIZ_WORDS = frozenset(stem(w) for w in ("quiz", "test", "exam", "mcq", "revise", "revision", "practice"))
"""Words of an inline query that put the quiz card first ("@bot quiz", "exam tomorrow")."""
QUIZ_LISTING = 200.0
"""The quiz card's rank when the query asks for it: above every matched card."""


@dataclass(frozen=True)
class Card:
    """One inline result: what the user sees in the list and what gets sent."""

    id: str
    title: str
    description: str
    text: str
    start: str
    """Deep-link parameter (/start <start>) that opens the bot on this topic."""


@dataclass(frozen=True)
class CardPage:
    """One page of inline results."""

    cards: tuple[Card, ...]
    next_offset: str


class Cards:
    """Builds comparison cards and searches them for inline queries."""

    def __init__(self, kb: KnowledgeBase, renderer: Renderer, normalizer: Normalizer,
                 search_faq: Callable[[Query], list[Hit]],
                 search_tasks: Callable[[Query], list[Hit]]) -> None:
        self.kb = kb
        self._search_faq = search_faq
        self._search_tasks = search_tasks
        self.renderer = renderer
        self.normalizer = normalizer
        self.dimensions = list(kb.dimensions.values())
        self._dimension_names = [(i, " ".join(normalizer.tokens(name)))
                                 for i, d in enumerate(self.dimensions) for name in (d.name, *d.aliases)]
        self.search = lru_cache(maxsize=1024)(self._search)
        """Ranked cards for an inline query (cached: paging asks again with each offset).
        A cached result holds references to the cards below, made once per entry, so a
        query costs a tuple of pointers, not 60 rendered cards (every keystroke is a query)."""
        self._cards: dict[str, Card] = {}
        self._picture: Picture | None = None

    # --- the /compare browser -------------------------------------------------------

    def overview(self, edit: bool = False) -> Reply:
        """The whole comparison as one card, with a button per dimension and one for the picture."""
        buttons = [Button(d.name, callbacks.encode("d", d.id)) for d in self.dimensions]
        rows = tuple(tuple(buttons[i:i + 2]) for i in range(0, len(buttons), 2))
        return Reply("comparison", self._overview_text(), (*rows, (self._picture_button(),)), edit=edit)

    def picture(self) -> Reply:
        """The whole comparison as one picture, its caption citing the sources."""
        if self._picture is None:
            self._picture = comparison_picture(self.kb, self.renderer)
        return Reply("picture", self._picture.caption, picture=self._picture)

    def _picture_button(self) -> Button:
        return Button(self.renderer.label("compare_picture"), callbacks.encode("p", "compare"))

    def dimension(self, dimension_id: str, edit: bool = True) -> Reply | None:
        """One dimension's card with Previous, Overview and Next buttons."""
        ids = [d.id for d in self.dimensions]
        if dimension_id not in ids:
            return None
        index = ids.index(dimension_id)
        label = self.renderer.label
        prev_id, next_id = ids[index - 1], ids[(index + 1) % len(ids)]
        nav = (Button(label("compare_previous"), callbacks.encode("d", prev_id)),
               Button(label("compare_overview"), callbacks.encode("o", "compare")),
               Button(label("compare_next"), callbacks.encode("d", next_id)))
        more = (Button(label("compare_more"), callbacks.encode("a", self.dimensions[index].faq)),
                self._picture_button())
        text = self._dimension_text(self.dimensions[index], index)
        return Reply("comparison", text, (nav, more), edit=edit)

    def _overview_text(self) -> str:
        return self.renderer.render("compare_overview", dimensions=self.dimensions,
                                    sources=list(self.kb.sources.values()))

    def _dimension_text(self, dimension: Dimension, index: int) -> str:
        return self.renderer.render(
            "compare_dimension", d=dimension, index=index + 1, total=len(self.dimensions),
            sources=[self.kb.sources[s] for s in dimension.sources])

    # --- inline mode ----------------------------------------------------------------

    def page(self, query: str, offset: str) -> CardPage:
        """Cards for an inline query, best first, one page from `offset`."""
        cards = self.search(query.strip())
        start = _page_start(offset, len(cards))
        end = start + PAGE_SIZE
        return CardPage(cards[start:end], str(end) if end < len(cards) else "")

    def _search(self, query: str) -> tuple[Card, ...]:
        if not query:
            return (self.overview_card(), self.quiz_card(), *(self.dimension_card(d) for d in self.dimensions))
        normalised = self.normalizer.query(query)
        faq_hits, tasks = self._search_faq(normalised), self._search_tasks(normalised)
        scored: list[tuple[float, Card]] = []
        if QUIZ_WORDS & set(normalised.tokens):
            scored.append((QUIZ_LISTING, self.quiz_card()))
        text = " ".join(normalised.tokens)
        names = [name for _, name in self._dimension_names]
        for _, score, at in process.extract(text, names, scorer=fuzz.WRatio, processor=None,
                                            limit=None, score_cutoff=CARD_DIMENSION_MATCH):
            scored.append((score, self.dimension_card(self.dimensions[self._dimension_names[at][0]])))
        scored += [(h.score, self.faq_card(self.kb.faq[h.target])) for h in faq_hits
                   if h.kind == "faq" and h.score >= CARD_FAQ_MATCH]
        scored += [(h.score, self.task_card(self.kb.tasks[h.target])) for h in tasks
                   if h.score >= CARD_TASK_MATCH]
        verdicts = {t.upper() for t in normalised.content} & {"BPO", "KPO"}
        scored += [(VERDICT_LISTING, self.task_card(t)) for t in self.kb.tasks.values()
                   if t.verdict in verdicts]
        scored.sort(key=lambda pair: pair[0], reverse=True)  # stable: dimensions win ties
        cards: dict[str, Card] = {}
        for _, card in scored:  # each card once, where it ranks best
            cards.setdefault(card.id, card)
        return tuple(list(cards.values())[:MAX_CARDS]) or (self.nothing_card(query),)

    def _card(self, card_id: str, make: Callable[[], Card]) -> Card:
        """The card with this id, made on first use and kept (one per knowledge-base entry)."""
        card = self._cards.get(card_id)
        if card is None:
            card = self._cards[card_id] = make()
        return card

    def overview_card(self) -> Card:
        """'KPO vs BPO at a glance': the whole comparison."""
        return self._card("overview", self._overview_card)

    def quiz_card(self) -> Card:
        """An invitation to the quiz: its link opens the bot with /start quiz."""
        return self._card("quiz", lambda: Card(
            "quiz", self.renderer.label("card_quiz_title"), self.renderer.label("card_quiz_description"),
            self.renderer.render("quiz_card"), "quiz"))

    def dimension_card(self, d: Dimension) -> Card:
        """One comparison dimension."""
        return self._card(f"dim:{d.id}", lambda: self._dimension_card(d))

    def faq_card(self, entry: FaqEntry) -> Card:
        """An FAQ answer."""
        return self._card(f"faq:{entry.id}", lambda: self._faq_card(entry))

    def task_card(self, task: Task) -> Card:
        """An example task's verdict."""
        return self._card(f"task:{task.id}", lambda: self._task_card(task))

    def _overview_card(self) -> Card:
        return Card("overview", self.renderer.label("card_overview_title"),
                    self.renderer.label("card_overview_description"), self._overview_text(),
                    "compare")

    def _dimension_card(self, d: Dimension) -> Card:
        index = self.dimensions.index(d)
        return Card(f"dim:{d.id}", f"{d.name}: BPO vs KPO", f"BPO: {d.bpo} · KPO: {d.kpo}",
                    self._dimension_text(d, index), f"compare_{d.id}")

    def _faq_card(self, entry: FaqEntry) -> Card:
        text = self.renderer.render("answer", entry=entry, task=None,
                                    sources=[self.kb.sources[s] for s in entry.sources])
        return Card(f"faq:{entry.id}", entry.question, _first_sentence(entry.answer), text,
                    f"faq_{entry.id}")

    def _task_card(self, task: Task) -> Card:
        text = self.renderer.render("task_card", task=task,
                                    sources=[self.kb.sources[s] for s in task.sources])
        return Card(f"task:{task.id}", f"{task.name}: {task.verdict}", shorten(task.reason, 120),
                    text, f"task_{task.id}")

    def nothing_card(self, query: str) -> Card:
        """The single card shown when nothing matches."""
        text = self.renderer.render("card_nothing", query=query)
        return Card("none", self.renderer.label("card_nothing_title"),
                    self.renderer.label("card_nothing_description"), text, "help")


def comparison_picture(kb: KnowledgeBase, renderer: Renderer) -> Picture:
    """The comparison table as a picture: wording from the templates, rows from dimensions.yaml."""
    label = renderer.label
    sources = list(kb.sources.values())
    table = Table(
        title=label("card_overview_title"),
        headings=(label("picture_heading_dimension"), label("picture_heading_bpo"), label("picture_heading_kpo")),
        rows=tuple((d.name, d.bpo, d.kpo) for d in kb.dimensions.values()),
        footer=renderer.plain("compare_picture_footer", sources=sources))
    caption = renderer.caption("compare_picture", count=len(kb.dimensions), sources=sources)
    return Picture(table, caption, label("picture_file"))


def _page_start(offset: str, total: int) -> int:
    """Where the page at an inline offset starts; 0 for anything but one this bot sent.

    The offset comes from the client: only ASCII digits of a small number are taken
    (str.isdigit also accepts "²" and int() refuses it; a 5,000-digit number is refused too).
    """
    if not offset or len(offset) > 4 or not offset.isascii() or not offset.isdigit():
        return 0
    start = int(offset)
    return start if start < total else 0


def _first_sentence(text: str) -> str:
    """The answer's first sentence, as a one-line preview."""
    flat = " ".join(text.split())
    found = _FIRST_SENTENCE.match(flat)
    return shorten(found.group(1) if found else flat, 120)
