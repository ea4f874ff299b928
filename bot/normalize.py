"""Turning what a user typed into comparable tokens.

rapidfuzz compares strings as given, so everything that should not change the
meaning is removed first: case, punctuation, emoji, HTML tags a user pasted,
chat shorthand and common typos (the synonym lists in knowledge/synonyms.yaml),
misspellings of words the knowledge base uses, and word endings (a Snowball
stemmer), so "researching" meets "research".
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer
from rapidfuzz import fuzz, process
from rapidfuzz.utils import default_process

from bot.knowledge import Lexicon
from bot.tuning import TYPO_MATCH_LONG, TYPO_MATCH_SHORT

_TAG = re.compile(r"</?[A-Za-z][^<>]{0,200}>")
_APOSTROPHES = re.compile(r"['’`´]")
MAX_QUERY_CHARS = 500
"""Only the start of a very long message is matched; the reply never depends on the rest."""


@dataclass(frozen=True)
class Query:
    """A normalised user text: every token, and the ones that carry the topic."""

    raw: str
    tokens: tuple[str, ...]
    content: tuple[str, ...]
    unknown: tuple[str, ...]
    foreign: int
    english: str = ""
    """The text as the sentence encoder reads it: romanised Hindi put into English words."""
    hinglish: bool = False
    """Whether the text was read as romanised Hindi."""

    @property
    def text(self) -> str:
        """All tokens joined, for whole-text comparisons (small talk)."""
        return " ".join(self.tokens)

    @property
    def content_text(self) -> str:
        """Topic tokens joined, for fuzzy scoring against phrasings."""
        return " ".join(self.content)


class Normalizer:
    """Applies knowledge/synonyms.yaml and fixes typos against a known vocabulary."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.stopwords = lexicon.stopwords
        self.protected = lexicon.protected
        self.keyterms = frozenset(stem(w) for w in lexicon.protected)
        """Protected words as they appear in normalised tokens."""
        self.foreign_words = lexicon.foreign_words
        self._synonyms = PhraseMap(lexicon.synonyms)
        self._hinglish = PhraseMap(lexicon.hinglish)
        self._hinglish_markers = lexicon.hinglish_markers
        kinds = lexicon.kind_words
        pairs = {f"{one} or {other}": [f"{a} or {b}" for a in kinds[one] for b in kinds[other]]
                 for one, other in (("bpo", "kpo"), ("kpo", "bpo")) if one in kinds and other in kinds}
        self._kinds = PhraseMap({f"{kind} {noun}": [f"{word} {noun}" for word in words]
                                 for kind, words in kinds.items()
                                 for noun in lexicon.kind_nouns} | pairs)
        """"the expert firm" -> "the kpo firm", "routine or expert?" -> "bpo or kpo?": BPO and
        KPO named by what they do."""
        self._by_initial: dict[str, tuple[str, ...]] = {}
        self._known: frozenset[str] = frozenset()
        self._known_stems: frozenset[str] = frozenset()
        self._correct = lru_cache(maxsize=4096)(self._closest)

    def learn(self, texts: Iterable[str]) -> None:
        """Record the vocabulary typos are corrected towards (the knowledge base's words)."""
        words: set[str] = set()
        for text in texts:  # the words as written too: "exampels" is nearer "examples" than "example"
            plain = plain_words(text)
            words.update(plain, self._apply_synonyms(plain))
        words |= self._synonyms.targets()
        self._known = frozenset(words)
        self._known_stems = frozenset(stem(w) for w in words)
        by_initial: dict[str, list[str]] = {}
        for w in sorted(words):
            if len(w) >= 4:
                by_initial.setdefault(w[0], []).append(w)
        self._by_initial = {k: tuple(v) for k, v in by_initial.items()}
        self._correct.cache_clear()

    def tokens(self, text: str) -> list[str]:
        """Stemmed words with synonyms applied (no spelling correction)."""
        return [stem(w) for w in self._surface(text)]

    def query(self, text: str) -> Query:
        """Normalise a user's text for matching."""
        text = text[:MAX_QUERY_CHARS]
        words = plain_words(text)
        hinglish = not self._hinglish_markers.isdisjoint(words)
        if hinglish:
            words = self._hinglish.apply(words)
        asks_which = any(words[i:i + 3] in (["bpo", "or", "kpo"], ["kpo", "or", "bpo"]) for i in range(len(words)))
        rephrased = words if asks_which else self._kinds.apply(words)  # "call centre job, bpo or kpo?"
        changed = hinglish or rephrased != words
        words = rephrased
        foreign = sum(1 for w in words if w in self.foreign_words)
        surface = self._apply_synonyms([self._fix(w) for w in self._apply_synonyms(words)])
        content = tuple(stem(w) for w in surface if w not in self.stopwords and not w.isdigit())
        unknown = tuple(t for t in content if t not in self._known_stems)
        english = " ".join(words) if changed else text
        return Query(text, tuple(stem(w) for w in surface), content, unknown, foreign, english, hinglish)

    def content(self, text: str) -> str:
        """The topic tokens of a knowledge-base phrasing, joined."""
        surface = self._surface(text)
        kept = [w for w in surface if w not in self.stopwords] or surface
        return " ".join(stem(w) for w in kept)

    def _surface(self, text: str) -> list[str]:
        return self._apply_synonyms(plain_words(text))

    def _fix(self, word: str) -> str:
        if word in self._known or word in self.stopwords or len(word) < 5 or word.isdigit():
            return word
        return self._correct(word)

    def _closest(self, word: str) -> str:
        """The known word a typo stands for; typos rarely change the first letter."""
        cutoff = TYPO_MATCH_LONG if len(word) >= 7 else TYPO_MATCH_SHORT
        choices = self._by_initial.get(word[0], ())
        found = process.extractOne(word, choices, scorer=fuzz.ratio, score_cutoff=cutoff)
        if found is None or found[0] in self.protected:
            return word
        return found[0]

    def _apply_synonyms(self, words: list[str]) -> list[str]:
        return self._synonyms.apply(words)


class PhraseMap:
    """Replaces variant phrases by their canonical words, longest variant first."""

    def __init__(self, mapping: Mapping[str, Iterable[str]]) -> None:
        self._phrases: dict[tuple[str, ...], tuple[str, ...]] = {}
        for canonical, variants in mapping.items():
            target = tuple(plain_words(canonical))
            for variant in variants:
                key = tuple(plain_words(variant))
                if key and key != target:
                    self._phrases[key] = target
        self._starts: dict[str, int] = {}
        """First word of a variant -> the longest variant starting with it."""
        for key in self._phrases:
            self._starts[key[0]] = max(self._starts.get(key[0], 0), len(key))

    def targets(self) -> set[str]:
        """Every word the variants are replaced by."""
        return {t for key in self._phrases.values() for t in key}

    def apply(self, words: list[str]) -> list[str]:
        """The words with every variant replaced."""
        out: list[str] = []
        starts, i = self._starts, 0
        while i < len(words):
            longest = starts.get(words[i])
            if longest is None:  # no variant starts with this word
                out.append(words[i])
                i += 1
                continue
            for size in range(min(longest, len(words) - i), 0, -1):
                target = self._phrases.get(tuple(words[i:i + size]))
                if target is not None:
                    out.extend(target)
                    i += size
                    break
            else:
                out.append(words[i])
                i += 1
        return out


_STEMMER = snowballstemmer.stemmer("english")
_STEMMER_LOCK = threading.Lock()
"""A Snowball stemmer keeps the word it works on in the object: one thread at a time."""


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A word's Snowball stem, as query and phrasing tokens carry it."""
    with _STEMMER_LOCK:
        return str(_STEMMER.stemWord(word))


def plain_words(text: str) -> list[str]:
    """Words of a text: HTML tags, apostrophes, punctuation and emoji removed, lower case."""
    text = _APOSTROPHES.sub("", _TAG.sub(" ", text))
    if "&" not in text:
        return default_process(text).split()
    # default_process drops '&'; keep it as a word, since users write 'kpo & bpo'.
    out: list[str] = []
    for chunk in text.split("&"):
        out.extend(default_process(chunk).split())
        out.append("&")
    return out[:-1]
