"""Engine outcomes: confident answers, suggestions, fallbacks, small talk and task verdicts."""

from __future__ import annotations

import pytest

from bot.engine import Engine


@pytest.mark.parametrize(("text", "entry"), [
    ("whats teh diff btwn kpo n bpo", "difference"),
    ("what is kpo", "what_is_kpo"),
    ("What is BPO?", "what_is_bpo"),
    ("who earns more?", "pay"),
    ("KPO vs BPO", "difference"),
    ("is kpo a subset of bpo", "kpo_subset"),
    ("<b>what is kpo</b> 🤔🤔", "what_is_kpo"),
])
def test_confident_answers(engine: Engine, text: str, entry: str) -> None:
    reply = engine.reply(text)
    assert (reply.kind, reply.entry) == ("answer", entry)
    assert reply.score is not None and 0 <= reply.score <= 100
    *related, feedback = reply.buttons
    assert 1 <= len(related) <= 3
    assert [b.data for b in feedback] == [f"f:{entry}:up", f"f:{entry}:down"]


@pytest.mark.parametrize(("text", "verdict"), [
    ("is payroll BPO or KPO?", "BPO"),
    ("we want to outsource legal research, which type is it?", "KPO"),
    ("is data entry kpo or bpo", "BPO"),
    ("equity research: bpo or kpo?", "KPO"),
])
def test_listed_tasks_get_their_verdict(engine: Engine, text: str, verdict: str) -> None:
    reply = engine.reply(text)
    assert (reply.kind, reply.verdict) == ("classification", verdict)
    assert reply.entry in engine.kb.tasks


def test_an_unlisted_task_is_judged_from_its_wording(engine: Engine) -> None:
    reply = engine.reply("we have two people who read our rivals' annual reports and write a summary of their "
                         "strategy for the board, bpo or kpo?")
    assert reply.kind == "classification" and reply.verdict == "KPO"
    assert "confidence" in reply.text


def test_a_task_without_cues_gets_no_verdict(engine: Engine) -> None:
    reply = engine.reply("is blorping the fnords bpo or kpo?")
    assert reply.kind == "classification" and reply.verdict is None
    assert "can't tell" in reply.text


@pytest.mark.parametrize("text", [
    "what's the weather in paris tomorrow",
    "how do i bake sourdough bread",
    "top 10 bpo companies in india",
    "what is the average bpo salary in rupees",
    "write me a python script",
])
def test_off_topic_is_never_answered_confidently(engine: Engine, text: str) -> None:
    reply = engine.reply(text)
    assert reply.kind != "answer" and reply.verdict is None


def test_fallback_says_what_the_bot_covers_and_offers_examples(engine: Engine) -> None:
    reply = engine.reply("how do i bake sourdough bread")
    assert reply.kind == "fallback"
    assert "KPO" in reply.text and reply.buttons


def test_another_language_gets_an_english_only_note(engine: Engine) -> None:
    reply = engine.reply("¿Cuál es la diferencia entre KPO y BPO?")
    assert reply.kind == "fallback" and "English" in reply.text


@pytest.mark.parametrize("text", ["hi", "Hello!", "thanks", "thank you so much"])
def test_small_talk(engine: Engine, text: str) -> None:
    assert engine.reply(text).kind == "smalltalk"


def test_unsure_offers_did_you_mean_buttons(engine: Engine) -> None:
    reply = engine.reply("kpo")
    assert reply.kind in ("answer", "suggestions")
    vague = [engine.reply(t) for t in ("outsourcing skills", "career", "job", "salary and skills")]
    suggested = [r for r in vague if r.kind == "suggestions"]
    assert suggested, "some vague question gets suggestions; update the list if none does any more"
    for reply in suggested:
        assert 1 <= len(reply.buttons) <= 3
        assert all(b.data and b.data.startswith("s:") for row in reply.buttons for b in row)


@pytest.mark.parametrize("text", ["", "   ", "?!?!", "🙂", "\u200b\u200b", "x" * 10000])
def test_odd_text_gets_a_reply(engine: Engine, text: str) -> None:
    reply = engine.reply(text)
    assert reply.text


def test_a_press_on_a_suggestion_answers(engine: Engine) -> None:
    reply = engine.press("s:pay")
    assert (reply.kind, reply.entry) == ("answer", "pay")


@pytest.mark.parametrize("data", [None, "", "a:no_such_entry", "t:nope", "zz", "a:" + "x" * 70])
def test_stale_or_forged_presses_get_a_note(engine: Engine, data) -> None:
    reply = engine.press(data)
    assert reply.kind == "stale" and reply.note


def test_a_feedback_press_is_acknowledged(engine: Engine) -> None:
    reply = engine.press("f:pay:down")
    assert (reply.kind, reply.entry, reply.vote, reply.score) == ("feedback", "pay", "down", None)
    assert reply.note
    assert engine.press("f:pay:sideways").kind == "stale"


@pytest.mark.parametrize("text", ["KPO और BPO में क्या अंतर है?", "Что такое KPO?", "KPO和BPO有什么区别"])
def test_other_scripts_get_the_english_only_note(engine: Engine, text: str) -> None:
    reply = engine.reply(text)
    assert reply.kind == "fallback" and "English" in reply.text


@pytest.mark.parametrize("text", ["1", "42", "3 4"])
def test_numbers_alone_carry_no_topic(engine: Engine, text: str) -> None:
    assert engine.reply(text).kind == "fallback"


def test_an_unclear_off_topic_question_names_no_wrong_topic(engine: Engine) -> None:
    reply = engine.reply("what's the weather today")
    assert reply.kind == "fallback" and "can't help with" not in reply.text


def test_english_words_that_stem_count_against_a_foreign_guess(engine: Engine) -> None:
    from bot.engine import _ENGLISH_HINTS

    query = engine.normalizer.query("what does the difference between kpo and bpo mean")
    assert {"doe", "differ"} <= {t for t in query.tokens if t in _ENGLISH_HINTS}


@pytest.mark.parametrize(("text", "verdict"), [
    ("prior art search for a patent application, kpo?", "KPO"),
    ("keying our suppliers' paper delivery notes into the stock system every day - bpo?", "BPO"),
])
def test_a_task_tagged_bpo_or_kpo_at_the_end_is_a_task_question(
        engine: Engine, text: str, verdict: str) -> None:
    assert engine.classifier.is_task_question(engine.normalizer.query(text))
    assert not engine.classifier.is_task_question(engine.normalizer.query(text.replace(",", "").replace(" -", "")))
    reply = engine.reply(text)
    assert (reply.kind, reply.verdict) == ("classification", verdict)


@pytest.mark.parametrize("text", [
    "why is a call centre the classic BPO example?",
    "is the call center the textbook bpo example, and why that one",
])
def test_a_question_about_a_task_that_asks_more_than_its_verdict_gets_the_faq(
        engine: Engine, text: str) -> None:
    reply = engine.reply(text)
    assert (reply.kind, reply.entry) == ("answer", "call_center")


def test_tasks_of_both_kinds_in_one_question_are_no_task_question(engine: Engine) -> None:
    query = engine.normalizer.query("can we send customer service to a bpo and market research to a kpo")
    assert engine.classifier.search_tasks(query, limit=2)[1].score >= 88  # both named...
    assert engine.classifier.named_task(query) is None  # ...so neither is the one asked about
    assert engine.reply(query.raw).verdict is None


def test_bpo_and_kpo_themselves_never_fill_a_task_slot(engine: Engine) -> None:
    assert not engine.classifier.is_task_question(engine.normalizer.query("is bpo work low tech compared to kpo"))
    assert engine.classifier.is_task_question(engine.normalizer.query("is data entry work bpo"))


@pytest.mark.parametrize(("text", "task_question"), [
    ("is every bpo a call center", False),  # the slot of "is * bpo" holds only "every"
    ("is payroll bpo", True),
    ("content moderation for our app, is that knowledge work?", True),  # "that" is the task
    ("we need to file patents, would that be kpo", True),
    ("is basic ms office enough for bpo? and for kpo?", False),  # both kinds, no "or"
    ("can we outsource our call center to a bpo and our research to a kpo", False),
    ("is payroll processing kpo or bpo", True),
])
def test_a_marker_slot_must_hold_the_task_or_refer_to_it(
        engine: Engine, text: str, task_question: bool) -> None:
    assert engine.classifier.is_task_question(engine.normalizer.query(text)) is task_question


def test_a_question_about_bpo_as_a_whole_is_no_task_verdict(engine: Engine) -> None:
    reply = engine.reply("is every bpo a call center?")
    assert (reply.kind, reply.entry) == ("answer", "call_center")


@pytest.mark.parametrize(("text", "entry", "verdict"), [
    ("can a kpo do r&d for us", "rnd", "KPO"),
    ("is it possible to outsource research and development to a kpo", "rnd", "KPO"),
    ("is a call centre bpo?", "call_center", "BPO"),
])
def test_a_one_kind_question_about_a_task_with_its_own_entry_gets_that_entry_and_verdict(
        engine: Engine, text: str, entry: str, verdict: str) -> None:
    reply = engine.reply(text)
    assert (reply.kind, reply.entry, reply.verdict) == ("answer", entry, verdict)
    task = next(t for t in engine.kb.tasks.values() if t.faq == entry and t.verdict == verdict)
    assert reply.text.startswith(f"<b>{task.name}: {verdict}</b>.")


@pytest.mark.parametrize("text", ["r&d: bpo or kpo?", "we want to outsource R&D, which type is it?",
                                  "is a call centre kpo or bpo"])
def test_naming_both_kinds_or_neither_asks_for_the_verdict(engine: Engine, text: str) -> None:
    reply = engine.reply(text)
    assert reply.kind == "classification" and reply.verdict is not None


def test_a_typo_is_fixed_towards_the_word_as_phrasings_write_it(engine: Engine) -> None:
    assert "exampl" in engine.normalizer.query("exampels of bpo work").content


@pytest.mark.parametrize("text", [
    "is the work at a phone-support outsourcing shop simpler than at a research outsourcing shop?",
    "if an outside analytics firm leaks my data, is that worse than a call-centre vendor leaking it?",
])
def test_a_question_that_compares_the_kinds_gets_no_verdict(engine: Engine, text: str) -> None:
    assert engine.reply(text).kind != "classification"


def test_asking_why_a_listed_task_is_the_classic_example_gets_its_own_answer(engine: Engine) -> None:
    reply = engine.reply("why are call centers always given as the bpo example")
    assert (reply.kind, reply.entry) == ("answer", "call_center")
