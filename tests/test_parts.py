"""Finding the tasks or questions of a message that holds several."""

from __future__ import annotations

import pytest

from bot.parts import split, task_words


@pytest.mark.parametrize(("text", "kind", "items"), [
    ("payroll, patent filing and data entry: bpo or kpo?", "tasks", ("payroll", "patent filing and data entry")),
    ("- payroll\n- patent filing\n- data entry", "tasks", ("payroll", "patent filing", "data entry")),
    ("(a) invoice processing (b) equity research", "tasks", ("invoice processing", "equity research")),
    ("1. sales forecasting 2. order processing", "tasks", ("sales forecasting", "order processing")),
    ("we have one guy who does data entry and another who designs our logo, which is BPO and which KPO?",
     "tasks", ("does data entry", "designs our logo")),
    ("we need someone to answer support tickets and someone to analyse user data", "tasks",
     ("answer support tickets", "analyse user data")),
    ("classify these: bookkeeping, market research, call centre", "tasks",
     ("bookkeeping", "market research", "call centre")),
    ("what's kpo and does it pay better?", "questions", ("what's kpo", "does it pay better?")),
    ("1) what is bpo 2) examples of kpo", "questions", ("what is bpo", "examples of kpo")),
    ("explain bpo. and is kpo part of it?", "questions", ("explain bpo", "is kpo part of it?")),
    ("full form of bpo + main goal?", "questions", ("full form of bpo", "main goal?")),
    ("wat is kpo n wat is bpo", "questions", ("wat is kpo", "wat is bpo")),
    ("kpo meaning and examples pls", "questions", ("kpo meaning", "examples pls")),
    ("our team does three things: answering calls, analysing sales trends and updating the stock sheet. which is "
     "bpo and which kpo?", "tasks", ("answering calls", "analysing sales trends", "updating the stock sheet")),
    ("my company does payroll processing, benefits administration and also some valuation work. classify them",
     "tasks", ("payroll processing", "benefits administration", "some valuation work")),
    ("mere office me do kaam hote hai - customer calls attend karna aur competitors ka analysis. dono kaunse type ke?",
     "tasks", ("customer calls attend karna", "competitors ka analysis")),
    ("explain hands vs brain and give examples of each", "questions",
     ("explain hands vs brain", "give examples of each")),
    ("payroll, telemarketing?? bpo/kpo for each", "tasks", ("payroll", "telemarketing")),
    ("we plan on outsourcing our payroll, our market research and our calls. which of these are kpo?", "tasks",
     ("payroll", "market research", "calls")),
    ("payroll, regulatory and compliance research and the data entry: bpo or kpo?", "tasks",
     ("payroll", "regulatory and compliance research", "the data entry")),
])
def test_several_asks_are_found_in_the_users_words(text: str, kind: str, items: tuple[str, ...]) -> None:
    parts = split(text)
    assert parts is not None and (parts.kind, parts.items) == (kind, items)


@pytest.mark.parametrize("text", [
    "what is the difference between kpo and bpo?",
    "is payroll processing bpo or kpo?",
    "my dad says kpo is just fancy bpo. is kpo a subset of bpo",
    "I run a small clinic and we get calls all day, should that go to bpo or kpo?",
    "difference between kpo & bpo",
])
def test_a_single_ask_is_not_split(text: str) -> None:
    parts = split(text)
    assert parts is None or parts.kind == "list"


@pytest.mark.parametrize("text", [". " + " " * 4000 + "x", "a" + "\t " * 2000 + "b", ", " * 2000, "-" * 4000 + "x",
                                  "\n" * 4000, ": " * 2000, "bpo " * 1000 + "?"])
def test_long_runs_of_spaces_and_separators_are_read_as_one(text: str) -> None:
    """The split patterns read tidied text: runs collapsed, at most MAX_SPLIT_CHARS."""
    from bot.parts import MAX_SPLIT_CHARS, tidy

    tidied = tidy(text)
    assert len(tidied) <= MAX_SPLIT_CHARS and "  " not in tidied and "\n\n" not in tidied
    split(text)  # returns, like every message, in linear time


@pytest.mark.parametrize(("text", "words"), [
    ("is payroll bpo or kpo", "payroll"),
    ("we have a guy who does our gst filings, bpo or kpo?", "gst filings"),
    ("reminder calls to patients about refills, bpo or kpo?", "reminder calls to patients about refills"),
    ("payroll processing kpo hai ya bpo", "payroll processing"),
    ("we want to outsource our invoice entry. which type is it?", "invoice entry"),
    ("data entry", "data entry"),
])
def test_a_one_task_question_gives_the_task_in_the_users_words(text: str, words: str) -> None:
    assert task_words(text) == words


def test_a_task_described_at_length_is_not_quoted() -> None:
    assert task_words("every buyer sends in a warranty card and someone has to register it in our system "
                      "and send a confirmation sms, is that bpo or kpo?") is None


@pytest.mark.parametrize("text", ["kpo and bpo difference", "do bpo and kpo jobs need computer skills?",
                                  "difference between kpo and bpo"])
def test_the_two_kinds_named_together_are_one_question(text: str) -> None:
    assert split(text) is None


def test_one_offer_and_the_other_are_two_pieces_of_work() -> None:
    parts = split("I got two offers: one is a voice process at a call centre in Hinjewadi, other is a junior "
                  "research analyst at a KPO in Kharadi")
    assert parts is not None and parts.kind == "tasks"
    assert parts.items == ("voice process at a call centre in Hinjewadi", "junior research analyst at a KPO in Kharadi")
