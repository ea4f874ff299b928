"""The context of a chat's last exchange, and the follow-ups that only make sense with it.

After "Financial modelling: KPO" a user asks "why?"; after "what does it take
to work in a KPO" comes "and for BPO?"; after a verdict, "and bookkeeping?".
The engine keeps a small immutable `Context` of the last exchange and hands it
back in each Reply; the adapter stores it per chat and passes it in with the
next message, until it expires. The wording of follow-ups is data
(knowledge/conversation.yaml).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from rapidfuzz import fuzz, process

from bot.knowledge import Chat
from bot.normalize import Normalizer, Query
from bot.tuning import FOLLOW_UP_MATCH, FOLLOW_UP_WORDS

CONTEXT_MINUTES = 10.0
"""Minutes after the last exchange when a follow-up is no longer read with it (a setting)."""
REMEMBERED_MESSAGES = 3
"""The user's last messages kept, for "so what do we need?" after a description of their work."""

Intent = Literal["reason", "simpler", "example", "other_kind", "decide", "and"]
Kind = Literal["BPO", "KPO"]


@dataclass(frozen=True)
class Context:
    """What the last exchange was about. Holds no user id: the adapter keys it by chat."""

    at: float
    """When the exchange happened (seconds since the epoch)."""
    entry: str | None = None
    """The FAQ entry last answered."""
    task: str | None = None
    """The listed task last judged."""
    verdict: Kind | None = None
    """The verdict last given, of a listed task or of the user's own description."""
    work: str | None = None
    """The user's words for the unlisted work last judged."""
    kind: Kind | None = None
    """The one kind the exchange was about, if it was about one."""
    said: tuple[str, ...] = field(default=())
    """The user's messages since the last answer or verdict (a description of their work
    over several messages), newest last."""
    items: tuple[str, ...] = field(default=())
    """The tasks or questions of the last reply that answered several, as the user wrote them."""
    asked: bool = False
    """Whether those items are questions (else tasks)."""
    card: tuple[tuple[str, str], ...] = field(default=())
    """The buttons of the /compare card last shown, as (a word of its label, its data), so
    that typing "next" or "back" acts as pressing them."""

    def expired(self, now: float, minutes: float = CONTEXT_MINUTES) -> bool:
        return now - self.at > minutes * 60

    def heard(self, text: str, now: float) -> Context:
        """The context with one more message from the user."""
        return replace(self, at=now, said=(*self.said, text)[-REMEMBERED_MESSAGES:])


@dataclass(frozen=True)
class FollowUp:
    """A follow-up found in a message: what it asks, and what it names after an opener."""

    intent: Intent
    rest: str = ""
    """For "and": what the message names ("bookkeeping" in "and bookkeeping?")."""


class FollowUps:
    """Recognises the follow-up phrases of knowledge/conversation.yaml in short messages."""

    def __init__(self, chat: Chat, normalizer: Normalizer) -> None:
        self._normalizer = normalizer
        self._phrases: dict[str, Intent] = {}
        self._fillers = frozenset(t for w in _FILLERS for t in normalizer.tokens(w))
        for intent, phrases in chat.follow_ups.items():
            for phrase in phrases:  # as written, and as a message reads it ("kisko dein": "who give")
                for tokens in (normalizer.tokens(phrase), list(normalizer.query(phrase).tokens)):
                    key = " ".join(t for t in tokens if t not in self._fillers) or " ".join(tokens)
                    if key:
                        self._phrases.setdefault(key, _intent(intent))
        self._keywords = {_intent(i): frozenset(t for w in words for t in normalizer.tokens(w))
                          for i, words in chat.keywords.items()}
        self._kinds = frozenset(normalizer.tokens("bpo kpo"))
        self._neutral = (frozenset(t for w in chat.neutral for t in normalizer.tokens(w))
                         | self._fillers | self._kinds)
        self._other_words = frozenset(t for w in _OTHER_WORDS for t in normalizer.tokens(w)) | self._fillers
        self._openers = sorted((tuple(normalizer.tokens(o)) for o in chat.and_openers),
                               key=len, reverse=True)

    def find(self, query: Query) -> FollowUp | None:
        """The follow-up a short message asks, if it is one."""
        tokens = query.tokens
        if not tokens or len(query.content) > FOLLOW_UP_WORDS - 2:
            return None
        said = " ".join(t for t in tokens if t not in self._fillers) or " ".join(tokens)
        found = process.extractOne(said, self._phrases.keys(), scorer=fuzz.ratio,
                                   processor=None, score_cutoff=FOLLOW_UP_MATCH)
        if found is not None:
            return FollowUp(self._phrases[found[0]])
        by_words = self._by_keywords(query)
        if by_words is not None:
            return by_words
        words = [w.strip(",.!?") for w in query.raw.split()]
        opened = False
        changed = True
        while changed and words:  # "hmm and", "also sir, what about ...": fillers and openers, in any order
            changed = False
            if tuple(self._normalizer.tokens(words[0])) and \
                    set(self._normalizer.tokens(words[0])) <= self._fillers:
                words, changed = words[1:], True
                continue
            for opener in self._openers:
                if opener and tuple(t for w in words[:len(opener)] for t in self._normalizer.tokens(w)) == opener:
                    words, changed, opened = words[len(opener):], True, True
                    break
        rest = " ".join(words).strip(" ?!.,")
        if not opened or not rest:
            return None
        again = self.find(self._normalizer.query(rest))  # "and the other one?", "and why?"
        return again if again is not None and again.intent != "and" else FollowUp("and", rest)

    def neutral(self, words: set[str]) -> bool:
        """Whether normalised words say nothing of their own (BPO and KPO count as neutral)."""
        return words <= self._neutral

    def _by_keywords(self, query: Query) -> FollowUp | None:
        """A message made only of one intent's words and neutral ones ("why tho", "what about kpo")."""
        words = set(query.content) - self._neutral
        for intent, keys in self._keywords.items():
            if words and words <= keys:
                return FollowUp(intent)
        named, tokens = set(query.tokens) & self._kinds, set(query.tokens)
        if tokens & _ASKING and "about" not in tokens:
            return None  # "what's kpo?" asks anew; "what about kpo?" asks the same of it
        if len(named) == 1 and tokens <= self._kinds | self._other_words:
            return FollowUp("other_kind")  # "and for kpo?", "n for kpo?", but not "what is kpo"
        return None

    def decides(self, words: set[str]) -> bool:
        """Whether every word is one that asks which kind to choose ("need", "pick")."""
        return words <= self._keywords.get("decide", frozenset()) | self._neutral


_FILLERS = ("please", "pls", "bro", "sir", "yaar", "ok", "okay", "so", "then", "huh", "hmm", "um", "na",
            "just", "now", "again", "bhai", "po", "toh", "to", "hey")
"""Words that do not change what a follow-up asks ("say it more simply pls")."""

_OTHER_WORDS = ("and", "for", "about", "in", "of", "the", "then", "how", "what", "same", "question", "also",
                "too", "side", "people", "ones", "one", "kind", "type", "other", "with", "ke", "me", "wale", "tell")
"""The only words besides BPO or KPO that "the same for the other kind" may hold."""

_ASKING = frozenset({"what", "how"})

_INTENTS: dict[str, Intent] = {"reason": "reason", "simpler": "simpler", "example": "example",
                               "other_kind": "other_kind", "decide": "decide"}


_CARD_WORDS = {"back": "previous", "prev": "previous", "before": "previous", "forward": "next",
               "further": "next", "continue": "next", "details": "more"}
"""Words people type for a card's buttons, as the buttons' own labels say them."""


def card_words(buttons: Sequence[tuple[str, str | None]]) -> tuple[tuple[str, str], ...]:
    """Each word of each button label with the button's data ("Next »" gives ("next", data));
    words of one or two letters ("As a picture", "Hands or brain") stand for no button."""
    return tuple((word, data) for label, data in buttons if data
                 for word in re.findall(r"[a-z]{3,}", label.lower()))


def pressed(text: str, card: tuple[tuple[str, str], ...]) -> str | None:
    """The data of the card button a short typed message names ("next", "back", "more")."""
    words = [_CARD_WORDS.get(w, w) for w in re.findall(r"[a-z]+", text.lower())]
    if not card or not 1 <= len(words) <= 2:
        return None
    found = {data for word in words for w, data in card if w == word}
    return found.pop() if len(found) == 1 else None


def _intent(name: str) -> Intent:
    return _INTENTS[name]


_ORDINALS = {"first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3, "4th": 3,
             "fifth": 4, "5th": 4, "last": -1, "middle": -2}
_POINTER = re.compile(r"\(([a-e])\)|\b([a-e])\)|\b([1-5])\b|\b(first|1st|second|2nd|third|3rd|fourth|4th|"
                      r"fifth|5th|last|middle)\b", re.IGNORECASE)


def pointed_item(text: str, count: int) -> int | None:
    """Which of `count` listed items a short follow-up points at ("the second one", "b) why"),
    when it asks why or which, or says little else ("and the 4th?")."""
    index = _pointer(text, count)
    if index is None:
        return None
    rest = _POINTER.sub(" ", text).lower()
    asks = re.search(r"\b(why|reason|kyu|kyun|which|bpo|kpo|kind|type|explain|different)\b", rest)
    small = len(re.findall(r"[a-z]+", rest)) <= 3
    return index if asks or small else None


def _pointer(text: str, count: int) -> int | None:
    """Which of `count` listed items a short follow-up points at ("the second one", "b) why")."""
    if count < 2 or len(text.split()) > FOLLOW_UP_WORDS + 3:
        return None
    found = _POINTER.search(text)
    if found is None:
        return None
    letter, closed, digit, word = found.groups()
    if letter or closed:
        index = "abcde".index((letter or closed).lower())
    elif digit:
        index = int(digit) - 1
    else:
        index = _ORDINALS[word.lower()]
    if index == -2:  # "the middle one": only a list of odd length has one
        return count // 2 if count % 2 else None
    index = index % count if index < 0 else index
    return index if index < count else None
