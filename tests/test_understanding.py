"""Understanding people as they write: romanised Hindi, kinds named indirectly, long
messages, free-text task descriptions, near-topic subjects, and the decision's own parts."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest

from bot.classify import Verdict
from bot.decision import FEATURES, GATE_FEATURES, MODEL_FILE, Combiner, Evidence, features, gate_features
from bot.engine import Engine
from bot.matching import Hit
from bot.reply import Reply


@pytest.mark.parametrize(("text", "english"), [
    ("KPO KYA HOTA HAI", "kpo what is"),
    ("bpo aur kpo me kya fark hai", "bpo and kpo in what difference is"),
    ("kpo wale zyada kamate hai kya", "kpo people more earn is what"),
])
def test_romanised_hindi_is_read_in_english_words(engine: Engine, text: str, english: str) -> None:
    query = engine.normalizer.query(text)
    assert query.hinglish and query.english == english


def test_english_words_that_are_also_hindi_stay_english_without_a_hindi_marker(engine: Engine) -> None:
    query = engine.normalizer.query("tell me to explain it to me")
    assert not query.hinglish and query.english == "tell me to explain it to me"


@pytest.mark.parametrize(("text", "kinds"), [
    ("is the expert firm more expensive than the routine process one", ["kpo", "bpo"]),
    ("does the call centre side pay less than the analytical side", ["bpo", "kpo"]),
])
def test_kinds_named_by_what_they_do_are_read_as_bpo_and_kpo(engine: Engine, text: str,
                                                             kinds: list[str]) -> None:
    query = engine.normalizer.query(text)
    assert [t for t in query.tokens if t in ("bpo", "kpo")] == kinds


def test_the_full_names_are_not_taken_apart_by_the_kind_paraphrases(engine: Engine) -> None:
    query = engine.normalizer.query("what is knowledge process outsourcing")
    assert "kpo" in query.content and "bpo" not in query.content


@pytest.mark.parametrize(("text", "entry"), [
    ("KPO KYA HOTA HAI", "what_is_kpo"),
    ("bpo aur kpo me kya fark hai", "difference"),
    ("I'm in the last year of my BBA and our lecturer gave us a case study on outsourcing models, "
     "so what does knowledge process outsourcing really mean?", "what_is_kpo"),
])
def test_hinglish_and_long_messages_are_answered(engine: Engine, text: str, entry: str) -> None:
    reply = engine.reply(text)
    assert (reply.kind, reply.entry) == ("answer", entry)


def test_a_free_text_task_gets_a_verdict_with_its_closest_examples_in_plain_words(engine: Engine) -> None:
    reply = engine.reply("we have two people who read our rivals' annual reports and write a summary of "
                         "their strategy for the board, should that go to a BPO or KPO?")
    assert reply.kind == "classification" and reply.verdict == "KPO"
    assert "closest examples" in reply.text and "confidence" in reply.text
    for stem_fragment in ("analysi", "entri", "competit", "track"):
        assert not re.search(rf"\b{stem_fragment}\b", reply.text)


def test_a_long_message_is_quoted_back_whole_words_only(engine: Engine) -> None:
    text = ("our small team spends every evening going through supplier contracts, flagging the clauses "
            "that look risky and writing a short memo for the owner, would that be bpo or kpo?")
    rendered = engine.renderer.render("classification", question=text, task=None, sources=[],
                                      v=Verdict("KPO", None, "low", 1.0))
    quoted = re.search(r"<i>(.*?)</i>", rendered)
    assert quoted is not None
    shown = quoted.group(1).rstrip("…")
    assert text.startswith(shown) and (len(shown) == len(text) or text[len(shown)] == " ")


def test_a_verdict_quotes_the_task_not_the_question_around_it(engine: Engine) -> None:
    reply = engine.reply("we have a guy who does our gst filings and tax returns every quarter, bpo or kpo?")
    assert reply.kind == "classification" and reply.verdict is not None
    assert "“<i>gst filings and tax returns every quarter</i>” is not one of my example tasks" in reply.text
    assert reply.verdicts == (("gst filings and tax returns every quarter", reply.verdict),)


@pytest.mark.parametrize("text", ["will AI replace bpo jobs", "do bpo jobs have night shifts",
                                  "how fast do you get promoted in a kpo", "kpo salary in rupees per month?",
                                  "any bpo openings in noida for freshers?", "any data entry jobs near me?"])
def test_career_topics_the_articles_skip_get_an_honest_decline_with_what_they_do_say(
        engine: Engine, text: str) -> None:
    reply = engine.reply(text)
    assert reply.kind == "fallback" and "don't cover" in reply.text
    assert reply.buttons and all(b.data and b.data.startswith("a:") for row in reply.buttons for b in row)


def test_the_weather_is_not_declined_as_some_outsourcing_subject(engine: Engine) -> None:
    reply = engine.reply("what is the weather in bangalore")
    assert reply.kind == "fallback" and "can't help with" not in reply.text and "job" not in reply.text


def test_devanagari_gets_the_english_only_note(engine: Engine) -> None:
    reply = engine.reply("केपीओ क्या है")
    assert reply.kind == "fallback" and "only answer in English" in reply.text


def test_the_shipped_decision_model_matches_the_features_the_code_computes() -> None:
    stored = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    assert stored["answer"]["features"] == list(FEATURES)
    assert stored["task"]["features"] == list(GATE_FEATURES)
    assert "check5.yaml" not in stored["trained_on"] and "eval.yaml" not in stored["trained_on"]
    held = {"check5.yaml", "check9.yaml", "check10.yaml", "eval.yaml", "eval5.yaml"}
    assert not held & set(stored["lean"]["trained_on"])
    combiner = Combiner.from_mapping(stored)
    assert combiner.lean is not None and len(combiner.lean.weights) == 384
    assert Combiner.from_mapping(combiner.as_mapping(stored["trained_on"])) == combiner


@pytest.mark.parametrize(("text", "verdict"), [
    ("we want someone experienced to read our soil test results every season and decide which fertiliser "
     "to use, how much and when. bpo or kpo?", "KPO"),
    ("every evening somebody has to copy the figures from our paper delivery notes into the spreadsheet "
     "exactly as they are written. bpo or kpo?", "BPO"),
])
def test_work_like_no_listed_task_is_judged_by_the_lean_model(engine: Engine, text: str, verdict: str) -> None:
    reply = engine.reply(text)
    assert (reply.kind, reply.verdict) == ("classification", verdict)


def test_without_the_lean_model_work_like_no_listed_task_gets_no_verdict(engine: Engine) -> None:
    without = Engine(engine.kb, combiner=dataclasses.replace(engine.combiner, lean=None))
    reply = without.reply("we want someone experienced to read our soil test results every season and decide "
                          "which fertiliser to use, how much and when. bpo or kpo?")
    assert reply.verdict is None  # no listed task is near, and no cue word leans either way


def test_a_model_fitted_on_other_features_is_refused() -> None:
    stored = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    stored["answer"]["features"] = ["something", "else"]
    with pytest.raises(ValueError, match="other features"):
        Combiner.from_mapping(stored)


def test_agreeing_evidence_scores_higher_than_split_evidence(engine: Engine) -> None:
    agree = Evidence([Hit("faq", "pay", 90.0), Hit("faq", "kpo_cost", 60.0)],
                     [Hit("faq", "pay", 85.0), Hit("faq", "kpo_cost", 70.0)], task_question=False)
    split = Evidence([Hit("faq", "kpo_cost", 90.0), Hit("faq", "pay", 60.0)],
                     [Hit("faq", "pay", 85.0), Hit("faq", "kpo_cost", 70.0)], task_question=False)
    assert len(features(agree, "pay")) == len(FEATURES) and len(gate_features(agree)) == len(GATE_FEATURES)
    by_agree = dict(engine.combiner.rank(agree))
    by_split = dict(engine.combiner.rank(split))
    assert by_agree["pay"] > by_split["pay"] and by_agree["pay"] > by_agree["kpo_cost"]


@pytest.mark.parametrize(("text", "entry"), [
    ("In class we discussed how outsourcing began with call centres and moved on from there. The lecturer "
     "hinted that KPO is what came next. Is KPO considered the next step in the evolution of outsourcing?",
     "kpo_evolution"),
    ("kya KPO, BPO ka hi ek hissa hai?", "kpo_subset"),
    ("KPO mein kaam karne ke liye kya chahiye?", "kpo_career"),
])
def test_a_question_asked_after_its_context_is_answered_as_asked(engine: Engine, text: str, entry: str) -> None:
    assert (lambda r: (r.kind, r.entry))(engine.converse(text, None, 1_800_000_000.0)) == ("answer", entry)


def test_context_that_names_the_work_still_gets_the_verdict_when_the_ask_points_back(engine: Engine) -> None:
    reply = engine.reply("We need people to label thousands of images so our AI model can learn from them. "
                         "Which outsourcing type does that belong to?")
    assert (reply.kind, reply.verdict) == ("classification", "BPO")


def test_the_two_kinds_named_together_are_no_list_of_tasks(engine: Engine) -> None:
    assert engine.converse("kpo aur bpo ek hi cheez hai kya", None, 1_800_000_000.0).entry == "same_thing"


@pytest.mark.parametrize(("text", "kind", "expected"), [
    ("humari team roz customers ke orders system me daalti hai aur confirm karti hai, ye kis type ka kaam hai?",
     "classification", "BPO"),
    ("company ke liye KPO mehenga padta hai kya BPO se?", "answer", "kpo_cost"),
    ("KPO sirf paisa bachane ke liye hai kya, BPO jaisa?", "answer", "cost_saving"),
])
def test_more_romanised_hindi_is_understood(engine: Engine, text: str, kind: str, expected: str) -> None:
    assert _what(engine.reply(text)) == (kind, expected)


def _what(reply: Reply) -> tuple[str, str | None]:
    """A reply's kind, and its verdict or entry."""
    return reply.kind, reply.verdict if reply.kind == "classification" else reply.entry


@pytest.mark.parametrize(("text", "entry"), [
    ("is there judgment involved in kpo work", "judgement"),
    ("Which one requires more technical know-how?", "technicality"),
    ("Is the goal of KPO efficiency or access to expertise?", "main_goal"),
    ("are analytical skills needed in bpo or only in kpo", "computer_skills"),
])
def test_a_fact_question_worded_like_a_task_question_gets_its_answer_not_a_verdict(
        engine: Engine, text: str, entry: str) -> None:
    assert (lambda r: (r.kind, r.entry))(engine.reply(text)) == ("answer", entry)


@pytest.mark.parametrize(("text", "kind", "expected"), [
    ("who gets the better salary, analysts at knowledge firms or the call centre guys?", "answer", "pay"),
    ("what services count as the routine back-office kind? a few examples", "answer", "bpo_examples"),
    ("what is back-office outsourcing", "answer", "back_office"),
    ("outsourcing our payroll processing, which of the two kinds is that?", "classification", "BPO"),
])
def test_the_kinds_described_as_back_office_or_by_their_staff_are_read_as_bpo_and_kpo(
        engine: Engine, text: str, kind: str, expected: str) -> None:
    assert _what(engine.reply(text)) == (kind, expected)


@pytest.mark.parametrize(("text", "entry"), [("diff kpo bpo", "difference"), ("what is bpo in one line", "what_is_bpo"),
                                            ("kpo in brief", "what_is_kpo")])
def test_the_shortest_wordings_and_asks_for_brevity_are_answered(engine: Engine, text: str, entry: str) -> None:
    assert (lambda r: (r.kind, r.entry))(engine.reply(text)) == ("answer", entry)


def test_digital_marketing_is_not_document_digitisation(engine: Engine) -> None:
    assert engine.reply("is digital marketing bpo or kpo").entry != "digitization"


@pytest.mark.parametrize("text", [
    "I've been reading about KPO and BPO for my exam and I get the difference now. But what is the exact monthly "
    "salary in rupees for a KPO fresher in Bangalore?",
    "My uncle runs a BPO and says KPO pays more. Which are the top ten KPO companies in India by revenue?",
])
def test_a_near_topic_question_after_on_topic_context_is_declined(engine: Engine, text: str) -> None:
    reply = engine.reply(text)
    assert reply.kind == "fallback" and reply.entry is None


def test_a_long_message_asking_the_kind_of_the_work_it_describes_is_no_question_about_courses(
        engine: Engine) -> None:
    reply = engine.reply("I design optimisation models that plan airline crew schedules. Would my work be "
                         "classed as BPO or KPO?")
    assert (reply.kind, reply.verdict) == ("classification", "KPO")


@pytest.mark.parametrize(("text", "entry"), [
    ("BPO kya hota hai? Simple language mein samjhao", "what_is_bpo"),
    ("explain kpo in simple language", "what_is_kpo"),
])
def test_asking_for_simple_language_is_no_question_about_complexity(engine: Engine, text: str, entry: str) -> None:
    reply = engine.chat.converse(text, None, 1_800_000_000.0)
    assert reply.entry == entry
