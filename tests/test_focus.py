"""Finding the asked part of a long message."""

from __future__ import annotations

import pytest

from bot.focus import asked_part


@pytest.mark.parametrize(("text", "part"), [
    ("I'm in the last year of my BBA and our lecturer gave us a case study on outsourcing models, "
     "so what does knowledge process outsourcing really mean?",
     "what does knowledge process outsourcing really mean?"),
    ("I run a small clinic. We get lots of calls for appointments every day. Should that go to a bpo or kpo?",
     "Should that go to a bpo or kpo?"),
    ("Hello sir, I have completed my B.Com this year and I am confused about my career. "
     "Which pays more, KPO or BPO? Please guide me.", "Which pays more, KPO or BPO?"),
    ("My manager mentioned it twice in the meeting today and everyone nodded\n"
     "what is kpo", "what is kpo"),
])
def test_the_asked_part_of_a_long_message(text: str, part: str) -> None:
    assert asked_part(text) == part


@pytest.mark.parametrize("text", [
    "what is the difference between kpo and bpo",
    "what is the difference between kpo and bpo in simple words please, I have an exam tomorrow morning",
    "",
])
def test_short_or_single_part_messages_are_taken_whole(text: str) -> None:
    assert asked_part(text) is None
