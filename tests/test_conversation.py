"""Follow-ups read with the chat's last exchange, as the terminal chat and Telegram play them."""

from __future__ import annotations

import pytest

from bot.engine import Engine
from bot.reply import Reply


def play(engine: Engine, *messages: str) -> Reply:
    """The reply to the last of several messages sent 20 seconds apart."""
    context, now, reply = None, 1_800_000_000.0, None
    for text in messages:
        reply = engine.converse(text, context, now)
        context, now = reply.context, now + 20
    assert reply is not None
    return reply


@pytest.mark.parametrize("follow_up", ["how so?", "ok so?", "why"])
def test_asking_how_so_after_a_verdict_gives_its_reason_not_small_talk(engine: Engine, follow_up: str) -> None:
    reply = play(engine, "is payroll bpo", follow_up)
    assert (reply.kind, reply.verdict) == ("classification", "BPO")


@pytest.mark.parametrize("thanks", ["thanks bhai", "superb thanks yaar", "theek hai"])
def test_romanised_hindi_thanks_is_small_talk_and_no_description_of_work(engine: Engine, thanks: str) -> None:
    assert play(engine, "is payroll bpo", thanks).kind == "smalltalk"
    after = play(engine, thanks, "thanks bhai", "theek hai")
    assert after.kind == "smalltalk" and after.context is not None and after.context.said == ()


@pytest.mark.parametrize(("follow_up", "task", "verdict"), [
    ("so equity research comes in which", "equity_research", "KPO"),
    ("and data analytics, same thing?", "data_analytics", "KPO"),
])
def test_naming_another_task_after_a_verdict_asks_for_its_verdict(
        engine: Engine, follow_up: str, task: str, verdict: str) -> None:
    reply = play(engine, "is payroll bpo", follow_up)
    assert (reply.kind, reply.entry, reply.verdict) == ("classification", task, verdict)


@pytest.mark.parametrize("question", ["do they earn more than call centre ppl", "is it risky to give that out",
                                      "what is market research"])
def test_a_question_that_mentions_a_task_after_a_verdict_is_answered_as_a_question(
        engine: Engine, question: str) -> None:
    assert play(engine, "is payroll bpo", question).kind == "answer"


@pytest.mark.parametrize(("message", "entries"), [
    ("kpo ka full form kya hai aur kpo bpo ka subset hai kya", ["acronyms", "kpo_subset"]),
    ("bpo kya hota hai aur usme kitni padhai chahiye", ["what_is_bpo", "education"]),
    ("hello\nwhat does hands vs brain mean\nand is kpo a part of bpo", ["hands_vs_brain", "kpo_subset"]),
    ("ok so i have placements next month and one company is a kpo and one is bpo, i want to know which pays "
     "better and does kpo need an mba or something because i only have bsc", ["pay", "education"]),
])
def test_every_question_of_a_message_is_answered(engine: Engine, message: str, entries: list[str]) -> None:
    reply = play(engine, message)
    assert reply.kind == "parts" and [p.entry for p in reply.parts] == entries


def test_and_for_the_other_kind_after_several_answers_is_about_the_last(engine: Engine) -> None:
    reply = play(engine, "bpo kya hota hai aur usme kitni padhai chahiye", "aur kpo me?")
    assert reply.kind == "answer" and reply.entry in {"education", "kpo_career"}


@pytest.mark.parametrize(("message", "wanted"), [
    ("what does bpo stand for and whats an example", [("answer", "acronyms"), ("answer", "bpo_examples")]),
    ("kpo kya hai aur iske examples kya hain", [("answer", "what_is_kpo"), ("answer", "kpo_examples")]),
    ("is telemarketing bpo or kpo, and which side pays better?",
     [("classification", "telemarketing"), ("answer", "pay")]),
])
def test_a_later_question_that_leans_on_an_earlier_one_is_read_with_its_kind(
        engine: Engine, message: str, wanted: list[tuple[str, str]]) -> None:
    reply = play(engine, message)
    assert reply.kind == "parts" and [(p.kind, p.entry) for p in reply.parts] == wanted


@pytest.mark.parametrize(("message", "verdicts"), [
    ("bookkeeping, forensic accounting aur tax advisory, kaunsa bpo kaunsa kpo?", ["BPO", "KPO", "KPO"]),
    ("1) appointment scheduling\n2) remote medical reporting and diagnosis\n3) clinical data analysis",
     ["BPO", "KPO", "KPO"]),
    ("- supplier follow-up calls\n- supply chain and network optimisation", ["BPO", "KPO"]),
    ("payroll, patent filing and data entry: bpo or kpo?", ["BPO", "KPO", "BPO"]),
])
def test_each_task_of_a_list_gets_one_verdict(engine: Engine, message: str, verdicts: list[str]) -> None:
    assert [v for _, v in play(engine, message).verdicts] == verdicts


def test_an_example_after_an_entry_about_one_kinds_work_is_of_that_kind(engine: Engine) -> None:
    assert play(engine, "what is legal process outsourcing", "example pls").entry == "kpo_examples"


def test_tell_me_about_the_other_kind_in_romanised_hindi(engine: Engine) -> None:
    assert play(engine, "kpo examples", "bpo ka bhi batao").entry == "bpo_examples"


@pytest.mark.parametrize(("messages", "verdicts"), [
    (["data verification vs data mining and insight, which is which?"], ["BPO", "KPO"]),
    (["we want to outsource payroll and also some sales forecasting, what r they"], ["BPO", "KPO"]),
    (["me and my bro run a software company", "we get loads of basic how-do-i-reset-my-password tickets",
      "we also want someone to analyse our churn data", "which type for each?"], ["BPO", "KPO"]),
])
def test_work_named_in_several_ways_gets_a_verdict_each(
        engine: Engine, messages: list[str], verdicts: list[str]) -> None:
    assert [v for _, v in play(engine, *messages).verdicts] == verdicts


def test_a_task_of_a_list_is_pointed_at_by_one_of_its_words(engine: Engine) -> None:
    reply = play(engine, "reservation handling + business intelligence reporting, bpo or kpo?",
                 "how so for the reporting one")
    assert (reply.entry, reply.verdict) == ("business_intelligence", "KPO")


@pytest.mark.parametrize("messages", [
    ["we're a hospital in a tier-2 city", "we want scans read remotely by specialists and reports sent back. "
                                          "so what do we need?"],
    ["we r an fmcg brand, want to predict next year's sales for each region using past data", "kisko dein"],
])
def test_work_described_then_the_ask_gets_a_verdict(engine: Engine, messages: list[str]) -> None:
    assert play(engine, *messages).verdict == "KPO"


def test_thanks_before_an_ask_does_not_hide_the_ask(engine: Engine) -> None:
    reply = play(engine, "Kindly tell me whether telemarketing falls under BPO or KPO.",
                 "Thank you. Could you please explain the reason for the same?")
    assert (reply.kind, reply.verdict) == ("classification", "BPO")


def test_them_after_naming_both_kinds_stands_for_both(engine: Engine) -> None:
    reply = play(engine, "1. define bpo 2. define kpo 3. difference between them")
    assert [p.entry for p in reply.parts] == ["what_is_bpo", "what_is_kpo", "difference"]


@pytest.mark.parametrize(("messages", "entry"), [
    (["wht is kpo", "simpler pls i dont understand big words"], "what_is_kpo"),
    (["wht is kpo", "and the other type?"], "what_is_bpo"),
])
def test_short_follow_ups_in_other_words(engine: Engine, messages: list[str], entry: str) -> None:
    assert play(engine, *messages).entry == entry


@pytest.mark.parametrize(("message", "verdicts"), [
    ("is payroll, bookkeeping and market research bpo?", ["BPO", "BPO", "KPO"]),
    ("data entry aur market research dono kaunse type ke hai", ["BPO", "KPO"]),
    ("regulatory and compliance research, basic tech support, investment research?", ["KPO", "BPO", "KPO"]),
])
def test_lists_asked_in_other_ways(engine: Engine, message: str, verdicts: list[str]) -> None:
    assert [v for _, v in play(engine, message).verdicts] == verdicts


def test_the_things_a_business_wants_to_outsource_get_a_verdict_each(engine: Engine) -> None:
    reply = play(engine, "hi, our hospital wants to outsource medical billing and also clinical data analysis")
    assert [v for _, v in reply.verdicts] == ["BPO", "KPO"]


@pytest.mark.parametrize("messages", [
    ["what is offshoring", "how are you"],
    ["is this info up to date?", "you are useless", "2+2"],
])
def test_earlier_questions_are_never_judged_as_a_description_of_work(engine: Engine, messages: list[str]) -> None:
    reply = play(engine, *messages)
    assert reply.kind != "classification" and not reply.verdicts


def test_why_after_an_answer_gives_the_comparison_tables_reasoning_not_the_same_text(engine: Engine) -> None:
    first = play(engine, "who earns more, kpo or bpo?")
    why = play(engine, "who earns more, kpo or bpo?", "why?")
    assert (why.kind, why.entry) == ("answer", "pay") and why.text != first.text
    assert engine.kb.dimensions["pay"].explanation in why.text


def test_every_reason_card_is_valid_telegram_html(engine: Engine) -> None:
    from bot.tghtml import parse_entities

    for dimension in engine.kb.dimensions.values():
        why = play(engine, engine.kb.faq[dimension.faq].question, "why?")
        plain, _ = parse_entities(why.text)  # raises on HTML Telegram would refuse
        assert why.entry == dimension.faq and dimension.explanation in plain, dimension.id


@pytest.mark.parametrize(("message", "kind", "entry"), [
    ("write short note on bpo", "answer", "what_is_bpo"),
    ("kop vs bop", "answer", "difference"),
    ("disadvantages of bpo", "fallback", None),
])
def test_student_wordings(engine: Engine, message: str, kind: str, entry: str | None) -> None:
    reply = play(engine, message)
    assert (reply.kind, reply.entry) == (kind, entry)
    assert kind != "fallback" or "don't cover a list of the disadvantages" in reply.text


def test_an_unclear_question_that_names_kpo_is_not_told_the_bot_only_knows_kpo(engine: Engine) -> None:
    reply = play(engine, "im a nurse, can i work in a kpo?")
    assert reply.kind == "fallback" and "only know about" not in reply.text


def test_saying_what_the_business_is_gets_the_prompt_to_describe_the_work(engine: Engine) -> None:
    assert play(engine, "we're a 5 person accounting firm").kind == "help"


@pytest.mark.parametrize(("emoji", "kind"), [("🙏", "smalltalk"), ("👍👍", "smalltalk"), ("👍🏽", "smalltalk"),
                                             ("❤️", "smalltalk"), ("🤔", "fallback")])
def test_an_emoji_that_says_thanks_or_ok_is_small_talk(engine: Engine, emoji: str, kind: str) -> None:
    assert play(engine, "is payroll bpo", emoji).kind == kind


@pytest.mark.parametrize(("message", "verdict"), [
    ("Updating shipment statuses in our tracking system from courier reports: which side of outsourcing "
     "would take that?", "BPO"),
    ("Is regulatory and compliance research something you'd send to the analyst type of outsourcing firm?", "KPO"),
])
def test_a_task_asked_about_by_the_kinds_described_gets_a_verdict(engine: Engine, message: str, verdict: str) -> None:
    assert play(engine, message).verdict == verdict


@pytest.mark.parametrize(("first", "follow_up", "entry"), [
    ("what is kpo", "and the other one?", "what_is_bpo"),
    ("What does 'hands versus brain' mean?", "can you put it more simply", "hands_vs_brain"),
])
def test_a_follow_up_opened_with_and_or_asked_at_length_is_still_a_follow_up(
        engine: Engine, first: str, follow_up: str, entry: str) -> None:
    assert (lambda r: (r.kind, r.entry))(play(engine, first, follow_up)) == ("answer", entry)


def test_whats_kpo_after_the_difference_asks_anew_and_what_about_asks_the_same_of_it(engine: Engine) -> None:
    assert play(engine, "diff btw kpo bpo", "wats kpo").entry == "what_is_kpo"
    assert play(engine, "what is kpo", "what about bpo").entry == "what_is_bpo"


@pytest.mark.parametrize(("message", "verdicts"), [
    ("accounts payable, fraud analytics, telemarketing?? bpo/kpo for each", ["BPO", "KPO", "BPO"]),
    ("We want to move some work outside. We're considering outsourcing our bookkeeping, our competitive "
     "intelligence and our customer service calls. Which of these are BPO and which are KPO?", ["BPO", "KPO", "BPO"]),
])
def test_tasks_named_before_the_ask_get_a_verdict_each(engine: Engine, message: str, verdicts: list[str]) -> None:
    assert [v for _, v in play(engine, message).verdicts] == verdicts


@pytest.mark.parametrize(("said", "ask", "verdict"), [
    (("We're a mid-sized pharma company.", "We want outside scientists to go through our clinical trial data and "
      "tell us whether our new compound is worth pursuing."),
     "which kind of outsourcing is that, the routine process kind or the expert kind?", "KPO"),
    (("I manage operations at an ed-tech company. We have years of student usage data sitting unused.",
      "Leadership wants to understand which features drive retention, but we have no data scientists in-house."),
     "bpo or kpo for that?", "KPO"),
])
def test_work_described_over_messages_is_judged_by_the_sentences_that_describe_it(
        engine: Engine, said: tuple[str, ...], ask: str, verdict: str) -> None:
    reply = play(engine, *said, ask)
    assert (reply.kind, reply.verdict) == ("classification", verdict)


@pytest.mark.parametrize("greeting", ["heyy", "namaste", "Hi! Quick question"])
def test_greetings_people_type_are_small_talk(engine: Engine, greeting: str) -> None:
    assert play(engine, greeting).kind == "smalltalk"


@pytest.mark.parametrize("ask", ["what would you suggest?", "so what's your verdict",
                                 "what category does this fall under", "isko kahan outsource karein",
                                 "would that be the call centre kind?", "what do you think?"])
def test_however_the_verdict_is_asked_for_after_a_description_it_is_given(engine: Engine, ask: str) -> None:
    reply = play(engine, "We run a small travel agency.",
                 "We need people to answer booking calls and update reservations in our system all day.", ask)
    assert (reply.kind, reply.verdict) == ("classification", "BPO")


def test_a_description_that_mentions_a_listed_task_in_passing_is_judged_as_described(engine: Engine) -> None:
    reply = play(engine, "My startup makes fitness apps.",
                 "We have tons of user data and want experts to find out why people cancel subscriptions.",
                 "so bpo or kpo?")
    assert (reply.kind, reply.verdict) == ("classification", "KPO")


def test_saying_who_you_are_gets_asked_about_the_work(engine: Engine) -> None:
    assert play(engine, "I own a chain of 3 restaurants.").kind == "help"


@pytest.mark.parametrize(("said", "ask", "verdict"), [
    (("Good evening. I'm a partner at a mid-sized IP law firm in Delhi.",
      "We are drowning in prior-art searches and legal research for patent applications."),
     "If we hand that off to an outside team, would it count as KPO or BPO?", "KPO"),
    (("we're a D2C skincare brand",
      "what we want to hand off is refund processing and order status emails, all following fixed rules"),
     "so for the part we're handing off, what kind is it?", "BPO"),
])
def test_asking_the_kind_of_the_work_just_described_gets_its_verdict(
        engine: Engine, said: tuple[str, ...], ask: str, verdict: str) -> None:
    reply = play(engine, *said, ask)
    assert (reply.kind, reply.verdict) == ("classification", verdict)


def test_examples_of_the_other_kind_after_a_verdict(engine: Engine) -> None:
    assert play(engine, "is invoice processing bpo", "example of the other kind?").entry == "kpo_examples"


def test_the_other_one_after_an_entry_on_both_kinds_answers_it_again(engine: Engine) -> None:
    assert play(engine, "what is the main goal of bpo?", "the other one?").entry == "main_goal"


def test_which_is_riskier_is_no_task(engine: Engine) -> None:
    assert play(engine, "what are the data security risks when you outsource?",
                "which one is riskier then?").entry == "which_riskier"


def test_a_remark_about_oneself_after_a_follow_up_keeps_it_a_follow_up(engine: Engine) -> None:
    reply = play(engine, "equity research, which type of outsourcing is it", "explain simpler pls, im not from finance")
    assert (reply.kind, reply.verdict) == ("classification", "KPO")


def test_the_topic_survives_an_off_topic_question_in_between(engine: Engine) -> None:
    reply = play(engine, "is bookkeeping bpo", "whats the weather in delhi today", "ok back to it, and why?")
    assert (reply.kind, reply.entry, reply.verdict) == ("classification", "bookkeeping", "BPO")
    assert play(engine, "examples of bpo + examples of kpo?", "so equity research comes in which").verdict == "KPO"


@pytest.mark.parametrize(("message", "kind"), [("I run a bakery", "help"), ("We're a hedge fund.", "help"),
                                               ("I am a bcom student", "smalltalk")])
def test_introducing_oneself_is_met_as_an_introduction(engine: Engine, message: str, kind: str) -> None:
    assert play(engine, message).kind == kind


def test_a_description_of_work_without_a_question_gets_a_verdict_when_it_is_clear(engine: Engine) -> None:
    reply = play(engine, "Our startup has a legal problem. We need someone to go through our contracts and the "
                         "latest regulations and advise us on compliance.")
    assert (reply.kind, reply.verdict) == ("classification", "KPO")


@pytest.mark.parametrize("message", ["what is bpo in one line", "kpo 2 marks", "define kpo briefly"])
def test_asking_for_a_short_answer_gets_the_plain_words_version(engine: Engine, message: str) -> None:
    reply = play(engine, message)
    assert reply.kind == "answer" and "(in short)" in reply.text


def test_saying_who_you_are_then_asking_what_to_outsource_asks_about_the_work(engine: Engine) -> None:
    assert play(engine, "i own a restaurant. what should i outsource?").kind == "help"


def test_what_to_outsource_after_a_list_and_a_remark_gives_the_lists_verdicts(engine: Engine) -> None:
    reply = play(engine, "we do our own accounts, payroll for 25 staff, and answering phone orders",
                 "also i spend lot of time on zomato reviews", "so what should i outsource?")
    assert [v for _, v in reply.verdicts] == ["BPO", "BPO", "BPO"]


def test_a_task_named_after_a_verdict_in_the_same_message_gets_its_verdict(engine: Engine) -> None:
    reply = play(engine, "Is data entry BPO? What about legal research? And patent filing?")
    assert [v for _, v in reply.verdicts] == ["BPO", "KPO", "KPO"]


def test_asking_whether_a_relative_is_right_is_no_question_of_its_own(engine: Engine) -> None:
    reply = play(engine, "My cousin says my job is KPO because I work for a foreign client. What I actually do is "
                         "check insurance claim forms against a checklist and enter the amounts. Is he right?")
    assert reply.parts == () and reply.entry != "sources_disagree"  # not "do the sources agree?"


@pytest.mark.parametrize("ask", ["bpo or kpo lol", "so which one is it, bpo or kpo?"])
def test_asking_the_kind_with_a_laugh_after_describing_ones_work_gets_a_verdict(engine: Engine, ask: str) -> None:
    reply = play(engine, "i work nights at a courier company",
                 "i copy the addresses from the parcel labels into the system, theres a fixed format for evrything",
                 ask)
    assert (reply.kind, reply.verdict) == ("classification", "BPO")


def test_why_after_a_listed_tasks_verdict_explains_the_line_between_the_kinds(engine: Engine) -> None:
    reply = play(engine, "is payroll bpo or kpo", "why?")
    assert (reply.kind, reply.verdict) == ("classification", "BPO")
    assert "<b>Why payroll processing is BPO</b>" in reply.text and "judgement" in reply.text


def test_coming_back_to_the_topic_after_a_detour_asks_afresh(engine: Engine) -> None:
    reply = play(engine, "who won the IPL?", "ok back to topic, what is KPO then?")
    assert (reply.kind, reply.entry) == ("answer", "what_is_kpo")


@pytest.mark.parametrize(("message", "task"), [
    ("data entry, bpo right?", "data_entry"),
    ("call center wali job BPO hai ya KPO?", "call_center"),
])
def test_one_task_with_a_kind_check_gets_one_verdict(engine: Engine, message: str, task: str) -> None:
    reply = play(engine, message)
    assert (reply.kind, reply.entry, len(reply.verdicts)) == ("classification", task, 1)


@pytest.mark.parametrize("thanks", ["accha theek hai, dhanyavaad", "ok thik hai thanks bhai", "great, bye"])
def test_romanised_hindi_and_goodbye_remarks_are_small_talk(engine: Engine, thanks: str) -> None:
    assert play(engine, "what is kpo", thanks).kind == "smalltalk"


def test_not_understanding_in_romanised_hindi_asks_for_the_simpler_answer(engine: Engine) -> None:
    reply = play(engine, "KPO aur BPO mein kya fark hai?", "mujhe samajh nahi aaya, simple bhasha mein batao")
    assert (reply.kind, reply.entry) == ("answer", "difference") and "(in short)" in reply.text


def test_an_introduction_gets_an_invitation_that_fits_owners_students_and_job_seekers(engine: Engine) -> None:
    for intro in ("Hi, I run a small bakery in Indore with 2 shops", "Hello, I am from Pune and just finished my BBA"):
        reply = play(engine, intro)
        assert reply.kind == "help" and "hand over" not in reply.text and "a job" in reply.text


@pytest.mark.parametrize(("first", "then", "verdict"), [
    ("is my bookkeeping and GST filing BPO or KPO?", "what about market research for opening a third shop?", "KPO"),
    ("is insurance claims processing bpo or kpo", "what if I only checked forms for missing fields?", "BPO"),
])
def test_another_task_after_verdicts_gets_its_own(engine: Engine, first: str, then: str, verdict: str) -> None:
    reply = play(engine, first, then)
    assert (reply.kind, reply.verdict) == ("classification", verdict)


def test_an_ask_without_a_question_mark_is_not_quoted_as_the_work(engine: Engine) -> None:
    reply = play(engine, "hi, I want to know what kind of job I have",
                 "every day I read claim forms and check them against the policy rules",
                 "so is my job BPO or KPO?")
    assert reply.kind == "classification" and reply.verdict is not None and "want to know" not in reply.text


def test_a_part_not_understood_is_never_shown_reworded(engine: Engine) -> None:
    reply = play(engine, "what is BPO, what is LPO and are they the same?")
    assert "are BPO the same" not in reply.text
