"""Finding what is asked in a long message that first gives context.

"I'm in the last year of my BBA and our lecturer gave us a case study, so what
does knowledge process outsourcing really mean?" asks its question at the end;
the context before it (the degree, the lecturer) only pulls the matchers off
course. The asked part is answered as if it had been sent alone.
"""

from __future__ import annotations

import re
from bot.tuning import LONG_WORDS


_SENTENCES = re.compile(r"(?<=[.!?])\s+|\s*\n+\s*")
_CLAUSES = re.compile(r"(?:,|;|\s[-\u2013\u2014])\s*(?=(?:so|but|and|now|anyway|basically|my question is)\b)"
                      r"|\b(?:so|anyway|basically)\s*,?\s+(?=\w)", re.IGNORECASE)
_ASKING = re.compile(
    r"^(?:so\s+|but\s+|and\s+|now\s+|my question is\s*:?\s*|i want to know\s+|i wanna know\s+|"
    r"i wanted to ask\s+|i want to ask\s+|can you tell me\s+|could you tell me\s+|please tell me\s+|"
    r"pls tell\s+|tell me\s+)*"
    r"(?:what|whats|what's|which|who|whom|whose|how|why|when|where|is|are|was|were|can|could|"
    r"should|would|will|do|does|did|explain|define|describe|tell|compare|difference|diff|pls|please)\b",
    re.IGNORECASE)


def asked_part(text: str) -> str | None:
    """The part of a long message that asks, or None for a short or single-part message."""
    if len(text.split()) <= LONG_WORDS:
        return None
    parts = [p.strip() for s in _SENTENCES.split(text.strip()) for p in _CLAUSES.split(s)]
    parts = [p for p in parts if p and any(c.isalnum() for c in p)]
    if len(parts) < 2:
        return None
    questions = [p for p in parts if p.endswith("?")]
    asking = questions or [p for p in parts if _ASKING.match(p)]
    chosen = asking[-1] if asking else parts[-1]
    return chosen if chosen != text.strip() else None


_OPENER = re.compile(
    r"^(?:(?:ok|okay|ok so|so|anyway|anyways|alright|hmm|btw|also)\s*[,.!]*\s+)?"
    r"(?:(?:back to|coming back to|returning to)\s+(?:it|the topic|outsourcing|kpo|bpo|business|work|"
    r"the question|my question)\s*[,.:!-]*\s*)", re.IGNORECASE)


def without_opener(text: str) -> str:
    """The message without an opening that only changes the subject back
    ("ok back to it, what about financial modelling")."""
    stripped = _OPENER.sub("", text, count=1)
    return stripped if stripped.strip() else text


POINTS_BACK = re.compile(r"\b(?:that|this|it|these|those|such|isko|ise|ye|yeh|woh|wo|my job|my work|our work|"
                         r"the part)\b", re.IGNORECASE)
"""Words by which a message points back at what came before it ("is that BPO?", "would that be the
call centre kind?"), so that it is not read on its own."""
