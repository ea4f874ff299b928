"""Planned failures: which calls the emulator fails, and how.

Why: the bot must survive flood control, Telegram's 5xx answers, calls that
hang and connections that drop.  Most faults replace the call entirely: the call
does not take effect, as if Telegram never got it, so a test can tell a
retry that repeats a send from one that recovers it. "late" is the other
case: the call takes effect and only its answer is late, as when Telegram got
it but the client timed out first; a retry then repeats it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

KINDS = frozenset({"429", "500", "502", "slow", "late", "drop"})
POLLING_METHOD = "getupdates"
DEFAULT_SLOW_DELAY = 30.0


@dataclass(frozen=True)
class Fault:
    """How to fail one call."""

    kind: str
    retry_after: int = 1
    delay: float = 0.0


@dataclass
class _Rule:
    fault: Fault
    methods: frozenset[str] | None  # lower-case method names; None: all but getUpdates
    remaining: int | None = None  # fail_next: calls left to fail
    share: float = 0.0  # fail_share: probability per call
    rng: random.Random | None = None

    def matches(self, method: str) -> bool:
        if self.methods is None:
            return method != POLLING_METHOD
        return method in self.methods


def make_fault(kind: str, retry_after: int, delay: float) -> Fault:
    """Validate the kind; a "slow" fault without a delay waits 30 s (stop() cuts it short)."""
    if kind not in KINDS:
        raise ValueError(f"unknown fault kind {kind!r}; expected one of {sorted(KINDS)}")
    if kind in ("slow", "late") and delay <= 0:
        delay = DEFAULT_SLOW_DELAY
    return Fault(kind, retry_after, delay)


def _methods(methods: set[str] | None) -> frozenset[str] | None:
    return None if methods is None else frozenset(m.lower() for m in methods)


class FaultPlan:
    """The planned faults, consulted once per call in arrival order."""

    def __init__(self) -> None:
        self._rules: list[_Rule] = []

    def fail_next(self, n: int, fault: Fault, methods: set[str] | None) -> None:
        """Fail the next ``n`` matching calls."""
        self._rules.append(_Rule(fault, _methods(methods), remaining=n))

    def fail_share(self, share: float, fault: Fault, methods: set[str] | None, seed: int) -> None:
        """Fail each matching call with probability ``share``, reproducibly for a seed."""
        if not 0.0 <= share <= 1.0:
            raise ValueError("share must be between 0 and 1")
        self._rules.append(_Rule(fault, _methods(methods), share=share, rng=random.Random(seed)))

    def clear(self) -> None:
        self._rules.clear()

    def pick(self, method: str) -> Fault | None:
        """The fault for this call (``method`` in lower case), or None to serve it."""
        for rule in self._rules:
            if not rule.matches(method):
                continue
            if rule.remaining is not None:
                if rule.remaining > 0:
                    rule.remaining -= 1
                    return rule.fault
            elif rule.rng is not None and rule.rng.random() < rule.share:
                return rule.fault
        self._rules = [r for r in self._rules if r.remaining is None or r.remaining > 0]
        return None
