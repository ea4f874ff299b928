"""Messages that ask several things at once: a list of tasks, or two or three questions.

People write "payroll, patent filing and data entry: bpo or kpo?", bullet or
numbered lists, "(a) ... (b) ...", "we have one guy who does data entry and
another who designs our logo", or "what's kpo and does it pay better?". Each
part is answered on its own and the answers are put together in one reply.
This module only finds the parts; the engine answers them.
"""

from __future__ import annotations

import re
from bot.tuning import MAX_PARTS, MAX_TASK_WORDS, MAX_TASKS, TERSE_WORDS
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal


_BULLET = re.compile(r"^\s*(?:[-*•·–]|\(?\d{1,2}\s*[.):-]|\(?[a-eA-E][.)]|q\d)\s+(.+?)\s*$", re.IGNORECASE)
_INLINE = re.compile(r"(?:^|\s)(?:\(?(?:\d{1,2}|[a-eA-E])\)|\d{1,2}\.(?=\s)|[qQ]\d(?=\s))\s*")
_QUESTION_START = re.compile(
    r"^(?:and\s+|also\s+|but\s+|so\s+|ok\s+)?(?:what|whats|what's|wht|wat|wats|y|which|who|how|why|when|where|is|are|does|do|"
    r"did|can|could|should|would|will|explain|define|describe|tell|list|give|compare|name)\b",
    re.IGNORECASE)
_ASK_SPLIT = re.compile(
    r"(?<!\s)\s*\n\s*|(?<=\?)\s+|(?<=[.!])\s+(?=(?:and\s+|also\s+|but\s+)?(?:what|which|who|how|why|is|are|does|"
    r"do|can|should|would|explain|define|tell)\b)|(?<![\s,])\s*(?:,\s*|\s)(?:and\s+also|and|n|also|plus)\s+(?=(?:what|"
    r"whats|what's|wht|wat|wats|which|who|how|why|is|are|does|do|can|should|would|will|give|list|explain|define|"
    r"name|describe|tell)\s)|,\s+(?=(?:what|whats|what's|wht|which|"
    r"who|how|why|define|explain|list|give|name|tell|compare|is|are|does|do|can|second|third)\s)|(?<!\s)\s+\+\s+|"
    r"(?<!\s)\s+&\s+(?=(?:what|whats|which|who|how|why|is|are|does|do|can|define|explain|list|give|main|full|"
    r"examples?)\b)",
    re.IGNORECASE)
"""Where one question ends and the next begins. Runs of spaces are entered only at their start
(the lookbehinds), so a message of 4,000 spaces takes linear, not quadratic, time."""
_HINGLISH_ASK = re.compile(
    r"\b(?:kya|kyaa|kaise|kaisa|kitna|kitni|kitne|kaun|kaunsa|kaunse|kyun|kyu|kab|kahan|batao|bataiye|"
    r"samjhao|chahiye)\b", re.IGNORECASE)
"""Romanised Hindi question words: "bpo kya hota hai aur usme kitni padhai chahiye" asks twice."""
_AUR = re.compile(r"\s+(?:aur|or phir|and)\s+", re.IGNORECASE)
_WANT_TO_KNOW = re.compile(
    r"^.*?\b(?:i\s+(?:want|wanna|would like)\s+to\s+know|tell\s+me|i\s+wonder|wondering)\s+", re.IGNORECASE)
"""Where a remark turns into an ask: "..., i want to know which pays better"."""
_TAG = re.compile(
    r"(?<![\s,:;\-–—])[\s,:;\-–—]*(?:(?:which|what)\s+(?:is|are|r|one|ones|kind|type|about)\b.*|same\s+(?:category|"
    r"kind|type|thing)\b.*|(?:(?:are|r)\s+(?:they|these|those)|"
    r"is\s+(?:it|each|this|that))\b.*|(?:bpo|kpo)\s*(?:or|/|r)\s*(?:bpo|kpo)\b.*|classify\s+(?:them|these|those|each)\b.*|"
    r"(?:which|kaunsa|kaun\s+sa)\s+(?:bpo|kpo)\b.*|(?:dono|ye|yeh)?\s*(?:kaunse|kaunsa|kis)\s+(?:type|kind|category)\b.*)"
    r"|(?<![\s,:;\-–—])(?<!\bof)(?<!\bfor)(?<!\bin)(?<!\bto)(?<!\bat)(?<!\bby)(?<!\bthan)(?<!\babout)(?<!\bwith)"
    r"(?:\s*[,:;\-–—]\s*|\s+)(?:bpo|kpo)\s*\??\s*$",
    re.IGNORECASE)
_KIND_CHECK = re.compile(r"\s*(?:bpo|kpo)\s*(?:right|then|correct|na|hai\s+na|isnt\s+it|isn't\s+it|no|yes|ok)?"
                         r"\s*[?!.]*\s*", re.IGNORECASE)
"""A piece that only checks a kind ("bpo right?"), no task of its own."""
_LIST_SPLIT = re.compile(r"\s*(?:,|;|/|\+|\band\s+also\b|\band\b|\baur\b|\bn\b|\bor\b|&|\bplus\b)\s*",
                         re.IGNORECASE)
_HARD_SPLIT = re.compile(r"\s*(?:,|;|/|\+|&)\s*(?:and\s+|or\s+|aur\s+)?|\s+aur\s+", re.IGNORECASE)
_AND_OUR = re.compile(r"\s+(?:and\s+also|and|or)\s+(?=(?:our|my|the|their|some)\s|\w+ing\b)", re.IGNORECASE)
"""An "and" that starts a new item even after commas: "our bookkeeping, our payroll and our calls",
"answering calls, analysing sales trends and updating the stock sheet"."""
_DOER = re.compile(r"^(?:(?:my|our)\s+(?:\w+\s+)?\w+\s+(?:does|do|handles|needs|wants)|"
                   r"(?:we|i)\s+(?:do|handle|need|want))\s+", re.IGNORECASE)
"""Who does the work, before a list of it: "my company does payroll, benefits admin and ..."."""
_TOPIC_SPLIT = re.compile(r"\s*(?:,|\band\b|&|\+|\s-\s)\s*", re.IGNORECASE)
_VERSUS = re.compile(r"\s+(?:vs\.?|versus)\s+", re.IGNORECASE)
"""Between two tasks only before "which is which?": "kpo vs bpo salary" is one question."""
"""Separators that never occur inside a task's name ("regulatory and compliance research")."""
_SOMEONE = re.compile(
    r"\b(?:and|while|but)\s+(?:another|the other|one more|someone else|a second|also someone|someone)"
    r"(?:\s+(?:guy|person|one|girl|lady|team|employee|staff member|colleague))?\s+(?:who\s+|that\s+|to\s+)?",
    re.IGNORECASE)
_OPENING = re.compile(
    r"^.*?\b(?:(?:one|a)\s+(?:guy|person|girl|lady|team|employee|staff member|colleague)|someone)\s+"
    r"(?:who\s+|that\s+|to\s+)?", re.IGNORECASE)

_OUTSOURCE = re.compile(r"\b(?:outsource|outsourcing|hand over|send out|farm out)\s+(?:our\s+|the\s+|some\s+)?"
                        r"([^.?!]+)[.?!]*\s*$", re.IGNORECASE)
_KIND_ONLY = re.compile(r"^\W*(?:so\s+)?(?:(?:bpo|kpo)\s*(?:or|/|r)\s*(?:bpo|kpo)|which\s+is\s+which)"
                        r"(?:\s+(?:for\s+each|each|for\s+all|respectively|please|pls|then))?\W*$", re.IGNORECASE)
"""A piece that only asks the kind of what came before it ("bpo/kpo for each")."""
_THESE = re.compile(r"\b(?:which\s+of\s+(?:these|them|those|the\s+\w+)|which\s+is\s+which|(?:for\s+)?each\s+of\s+"
                    r"(?:these|them|those)|which\s+(?:ones?\s+)?(?:are|is)\s+(?:bpo|kpo)\s+and\s+which|"
                    r"dono\s+(?:kaunse|kaun\s+se|konse|kis)|both\s+which)\b",
                    re.IGNORECASE)
"""Asks that sort work named before them: "which of these are BPO?", "which is which?"."""
_FIRST = re.compile(r"^(?:\d\s*q(?:uestion)?s?\s*:|first(?:ly)?,?\s+)", re.IGNORECASE)
_KINDS = re.compile(r"\b(?:bpo|kpo)s?\b", re.IGNORECASE)
_LIST_HEAD = re.compile(r"\b(?:classify|these|following|tasks|jobs|things|which|bpo|kpo|sort|outsource|"
                        r"two|three|four|both)\b", re.IGNORECASE)

Kind = Literal["tasks", "questions", "list"]
"""tasks: named as tasks ("..., bpo or kpo?"); list: a plain list that may be tasks; questions."""


@dataclass(frozen=True)
class Parts:
    """What a message holds several of, and each one as the user wrote it."""

    kind: Kind
    items: tuple[str, ...]


MAX_SPLIT_CHARS = 1000
"""Only the start of a longer message is searched for parts: five asks fit in far less."""


def tidy(text: str) -> str:
    """Runs of spaces as one space and of blank lines as one line break, cut to MAX_SPLIT_CHARS:
    what the patterns below read, so that no message makes them slow."""
    text = re.sub(r"[^\S\n]+", " ", text[:4 * MAX_SPLIT_CHARS])
    return re.sub(r" ?\n[\s]*", "\n", text).strip()[:MAX_SPLIT_CHARS]


def split(text: str) -> Parts | None:
    """The tasks or questions of a message that holds several; None for a single ask."""
    text = tidy(text)
    items = _listed(text) or _after_colon(text)
    if items is not None:
        asking = any(_asks(i) or _KINDS.search(i) for i in items)
        return Parts("questions" if asking else "tasks", tuple(items))
    for read, kind in _READERS:  # the first reading that finds several asks, in this order
        found = read(text)
        if found is not None:
            return Parts(kind, found)
    return None


def _topics(text: str) -> tuple[str, ...] | None:
    """ "kpo meaning and examples", "KPO vs BPO - definition, examples, salary": a kind and a few
    things asked about it, in notes style; each answered for the kind named."""
    body = text.strip(" ?!.")
    if "?" in body or len(body.split()) > TERSE_WORDS + 2 or not _KINDS.match(body) or _TAG.search(body):
        return None
    pieces = [p.strip(" -:") for p in _TOPIC_SPLIT.split(body) if p.strip(" -:")]
    if not 2 <= len(pieces) <= MAX_PARTS or any(not _KINDS.sub("", p).strip(" -:") for p in pieces):
        return None  # "kpo and bpo difference" names the two kinds, not two topics
    return tuple(pieces)


def _listed(text: str) -> list[str] | None:
    """Bullet or numbered lines, or inline "1) ... 2) ..." / "(a) ... (b) ..." items."""
    lines = [m.group(1) for line in text.splitlines() if (m := _BULLET.match(line))]
    if 2 <= len(lines) <= MAX_TASKS:
        return [_clean(line) for line in lines]
    plain = [line.strip() for line in text.splitlines() if line.strip()]
    if 3 <= len(plain) <= MAX_TASKS and all(len(line.split()) <= MAX_TASK_WORDS // 2 for line in plain):
        return [_clean(line) for line in plain]  # a short item on each line, no bullets
    pieces = [p for p in _INLINE.split(text) if p.strip()]
    if _INLINE.search(text) and 2 <= len(pieces) <= MAX_TASKS + 1:
        found = list(_INLINE.finditer(text))
        if len(found) >= 2:
            items = [_clean(text[m.end():(found[n + 1].start() if n + 1 < len(found) else len(text))])
                     for n, m in enumerate(found)]
            items = [i for i in items if i]
            return items if len(items) >= 2 else None
    return None


def _after_colon(text: str) -> list[str] | None:
    """ "classify these: bookkeeping, market research, call centre" """
    found = re.search(r":|\s[-–—]\s", text)
    if found is None:
        return None
    tail = text[found.end():]
    pieces = _pieces(_TAG.sub("", tail))
    if not _LIST_HEAD.search(text[:found.start()]) and len(pieces) < 3:
        return None
    pieces = [p for p in pieces if p]
    fits = 2 <= len(pieces) <= MAX_TASKS and all(len(p.split()) <= MAX_TASK_WORDS for p in pieces)
    return pieces if fits else None


def _people(text: str) -> tuple[str, ...] | None:
    """ "one guy who does data entry and another who designs our logo, which is which?" """
    if not _SOMEONE.search(text):
        return None
    body = _TAG.sub("", text)
    pieces = [_clean(_OPENING.sub("", p)) for p in _SOMEONE.split(body)]
    pieces = [p for p in pieces if p]
    return tuple(pieces) if 2 <= len(pieces) <= MAX_PARTS else None


def _one_and_other(text: str) -> tuple[str, ...] | None:
    """ "two offers: one is a voice process at a call centre, other is a research analyst at a KPO" """
    found = _ONE_OTHER.search(text)
    if found is None:
        return None
    pieces = [_clean(_TAG.sub("", found.group(g))) for g in (1, 2)]
    return tuple(pieces) if all(pieces) and all(len(p.split()) <= MAX_TASK_WORDS for p in pieces) else None


_ONE_OTHER = re.compile(r"\bone\s+(?:is|as|at|in)\s+(?:an?\s+)?(.+?)\s*(?:[,;]|\band\b)\s*(?:and\s+)?(?:the\s+)?"
                        r"other(?:\s+one)?\s+(?:is|as|at|in)\s+(?:an?\s+)?([^.?!]+)", re.IGNORECASE)


def _task_list(text: str) -> tuple[str, ...] | None:
    """ "payroll, patent filing and data entry: bpo or kpo?" (a list before or after the ask), but
    not "kpo and bpo, same thing?", which names the two kinds."""
    if _TAG.search(text) is None:
        return None  # no "bpo or kpo?": only a plain list of short names, decided by the engine
    head = _TAG.sub("", text).strip()
    head = _DOER.sub("", head, count=1) if "," in head else head  # only before a list
    if _asks(head):
        head = re.sub(r"^.*?\b(?:is|are|classify|for)\s*:?\s+", "", head, flags=re.IGNORECASE) \
            if _asks(head) else head
    versus = _VERSUS.search(head) and not _KINDS.search(head)  # "data verification vs data mining, which is which?"
    pieces = [_clean(p) for p in _VERSUS.split(head)] if versus else _pieces(head)
    if not 2 <= len(pieces) <= MAX_TASKS or any(len(p.split()) > MAX_TASK_WORDS for p in pieces):
        return None
    if any(_asks(p) or _KINDS.fullmatch(p) for p in pieces):
        return None
    return tuple(pieces)


def _plain_list(text: str) -> tuple[str, ...] | None:
    """ "payroll, patent filing, data entry": short items, no question; the engine decides
    whether they are tasks."""
    if _asks(text.rstrip(" ?")) or not re.search(r"[,+&/]", text):  # "payroll, data entry?" is a list
        return None
    pieces = _pieces(text)
    if pieces and _KIND_CHECK.fullmatch(pieces[-1]):
        pieces = pieces[:-1]  # "data entry, bpo right?" asks about one task
    return _short_items(pieces)


def _outsourced(text: str) -> tuple[str, ...] | None:
    """ "our hospital wants to outsource medical billing and also clinical data analysis": the
    things after "outsource"; the engine decides whether they are tasks."""
    found = _OUTSOURCE.search(text)
    if found is None or _KINDS.search(found.group(1)):
        return None  # "the risks of outsourcing to BPO or KPO" names kinds, not work
    pieces = _pieces(found.group(1).strip(" ?.!"))
    return _short_items(pieces)


def _named_then_sorted(text: str) -> tuple[str, ...] | None:
    """ "We're considering outsourcing our bookkeeping, our competitive intelligence and our
    customer service calls. Which of these are BPO and which are KPO?": the work is named in one
    sentence and sorted in the next."""
    sentences = [s for s in re.split(r"(?<=[.!?])\s+|\n+", text) if s.strip()]
    if len(sentences) < 2 or not _THESE.search(sentences[-1]):
        return None
    for sentence in reversed(sentences[:-1]):
        found = _outsourced(sentence) or _after_dash(sentence)
        if found is not None:
            return tuple(re.sub(r"^(?:our|my|the)\s+", "", p, flags=re.IGNORECASE) for p in found)
    return None


def _after_dash(sentence: str) -> tuple[str, ...] | None:
    """ "two jobs in my office - answering customer calls aur competitor analysis": the things
    listed after a dash or colon."""
    parts = re.split(r"\s[-–—]\s|:\s", sentence, maxsplit=1)
    if len(parts) < 2 or not parts[0].strip():
        return None
    pieces = _pieces(parts[1].strip(" ?.!"))
    return _short_items(pieces)


def _short_items(pieces: list[str]) -> tuple[str, ...] | None:
    """The pieces as a list of work, when there are 2 to MAX_TASKS of them and each is short enough
    to name a task rather than describe one."""
    fits = 2 <= len(pieces) <= MAX_TASKS and all(len(p.split()) <= MAX_TASK_WORDS // 2 for p in pieces)
    return tuple(pieces) if fits else None


def _questions(text: str) -> tuple[str, ...] | None:
    """ "what's kpo and does it pay better?", "explain bpo. and is kpo part of it?" """
    body = _FIRST.sub("", text.strip())
    pieces = [p.strip(" ,.;") for p in _ASK_SPLIT.split(body)]
    pieces = [re.sub(r"^(?:and|also|but|so|ok|second|third|then|aur)\s+", "", p, flags=re.IGNORECASE)
              for p in pieces if p and len(p.split()) >= 2]
    pieces = [h for p in pieces for h in _hinglish_halves(_WANT_TO_KNOW.sub("", p))]
    if len(pieces) > 2 and not _asks(pieces[0]) and re.match(re.escape(pieces[0]) + r"\s*[.!\n]", body):
        pieces = pieces[1:]  # "I'm a B.Com student from Pune. What skills ... and how ...": context first
    terse = [p for p in pieces if not _asks(p)]
    if any(_KIND_ONLY.match(p) for p in pieces[1:]):
        return None  # "payroll, telemarketing?? bpo/kpo for each": the last piece only asks the kind
    if not 2 <= len(pieces) <= MAX_PARTS or len(terse) >= len(pieces):
        return None
    if any(len(p.split()) > TERSE_WORDS or not _KINDS.search(p) for p in terse):
        return None  # "my dad says kpo is just fancy bpo. is it a subset?" asks one thing after a remark
    return tuple(pieces)


def _hinglish_halves(piece: str) -> list[str]:
    """A piece split at "aur" when both halves ask in romanised Hindi."""
    halves = _AUR.split(piece, maxsplit=1)
    if len(halves) == 2 and all(_HINGLISH_ASK.search(h) and len(h.split()) >= 2 for h in halves):
        return halves
    return [piece]


def _pieces(text: str) -> list[str]:
    """A list's items: split at commas and the like, and at "and"/"or" only without them."""
    hard = [_clean(q) for p in _HARD_SPLIT.split(text) for q in _AND_OUR.split(p)]
    hard = [p for p in hard if p]
    if len(hard) >= 2:
        return hard
    return [p for p in (_clean(p) for p in _LIST_SPLIT.split(text)) if p]


def _asks(text: str) -> bool:
    return (text.rstrip().endswith("?") or bool(_QUESTION_START.match(text.strip()))
            or bool(_HINGLISH_ASK.search(text)))


def _clean(item: str) -> str:
    return item.strip(" \t,.;:-–—?!").strip()


_ASKED_TASK = re.compile(
    r"^(?:(?:so|ok|okay|hi|hello|hey|sir|mam|pls|please)\W+)*"
    r"(?:(?:is|are|would|will|does|do|can|should)\s+(?:we\s+|i\s+|you\s+)?(?:outsourc(?:e|ing)\s+)?"
    r"|(?:we|i)\s+(?:have|need|want|got)\s+(?:someone|somebody|people|a\s+\w+|an?\s+\w+\s+\w+|two\s+\w+|\w+\s+\w+)"
    r"\s+(?:who\s+|that\s+|to\s+)?(?:does\s+|do\s+|handles?\s+|for\s+)?"
    r"|(?:we|i)\s+(?:want|need|plan|would like)\s+to\s+outsource\s+)", re.IGNORECASE)
"""How an ask about one task opens: "is ...", "we have a guy who does ...", "we want to outsource ..."."""
_OWNER = re.compile(r"^(?:our|my|the|a|an)\s+", re.IGNORECASE)
_ASK_TAIL = re.compile(r"\s*[,:;\-–—]?\s*(?:should|would|will|can|is|are)\s+(?:it|that|this|we|they)\b.*$"
                       r"|\s*[,:;\-–—]?\s*(?:ye|yeh|kya|to)?\s*(?:bpo|kpo)\s+(?:hai|h|he|hoga)\b.*$"
                       r"|\s*[,:;\-–—]?\s*(?:ye|yeh)\s+(?:kaunsa|kaun\s+sa|konsa|kis)\b.*$"
                       r"|\s*[,:;\-–—]?\s*(?:type|kind|category|which type|which kind)\s*\??\s*$", re.IGNORECASE)


def task_words(text: str, limit: int = MAX_TASK_WORDS) -> str | None:
    """The task in a one-task question, in the user's own words, without the ask around it
    ("we have a guy who does our GST filings, bpo or kpo?" -> "GST filings"); None when what is
    left is still longer than `limit` words, so that a verdict never quotes a whole paragraph."""
    words = _TAG.sub("", tidy(text))
    words = _ASK_TAIL.sub("", _clean(words))
    words = _OWNER.sub("", _ASKED_TASK.sub("", _clean(words), count=1))
    words = _clean(words)
    return words if words and len(words.split()) <= limit else None


_READERS: tuple[tuple[Callable[[str], tuple[str, ...] | None], Kind], ...] = (
    (_people, "tasks"), (_one_and_other, "tasks"), (_named_then_sorted, "tasks"), (_questions, "questions"),
    (_task_list, "tasks"), (_plain_list, "list"), (_outsourced, "tasks"), (_topics, "questions"))
"""The ways a message holds several asks, tried in turn after bullet and numbered lines."""
