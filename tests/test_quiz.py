"""The quiz: questions drawn from the knowledge base, the `quiz:` blocks' validation, and a round's rules."""

from __future__ import annotations

import html
import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from bot.engine import Engine
from bot.knowledge import KnowledgeBase, KnowledgeError, load
from bot.quiz import MAX_EXPLANATION, MAX_OPTION, MAX_OPTIONS, MAX_QUESTION, MIN_OPTIONS, QuestionBank
from bot.quizround import IDLE_LIMIT, Best, Player, QuizFlow, QuizRound
from bot.render import Renderer
from bot.tghtml import parse_html
from bot.terminal import Session

NOW = 1_700_000_000.0
ANN, BOB = Player(1, "Ann"), Player(2, "Bob")


@pytest.fixture(scope="module")
def bank(kb: KnowledgeBase) -> QuestionBank:
    return QuestionBank(kb, Renderer())


@pytest.fixture
def flow(bank: QuestionBank) -> QuizFlow:
    return QuizFlow(bank, Renderer(), seconds=30.0)


# --- the questions ----------------------------------------------------------------


def test_every_question_fits_a_telegram_quiz_poll_with_one_right_option(bank: QuestionBank) -> None:
    assert bank.problems == []
    for question in bank.questions.values():
        options = [parse_html(o).strip() for o in question.options]
        assert 1 <= len(parse_html(question.text).strip()) <= MAX_QUESTION, question.id
        assert MIN_OPTIONS <= len(options) <= MAX_OPTIONS, question.id
        assert all(1 <= len(o) <= MAX_OPTION for o in options), question.id
        assert 0 <= question.correct < len(options) and options.count(options[question.correct]) == 1
        explanation = parse_html(question.explanation)
        assert len(explanation) <= MAX_EXPLANATION and explanation.count("\n") <= 2, question.id
        assert explanation.endswith(")"), "the explanation cites its source"


def test_the_limits_are_within_telegrams() -> None:
    from telegram.constants import PollLimit

    assert MAX_QUESTION == PollLimit.MAX_QUESTION_LENGTH
    assert MAX_OPTION == PollLimit.MAX_OPTION_LENGTH
    assert MAX_EXPLANATION == PollLimit.MAX_EXPLANATION_LENGTH
    assert PollLimit.MIN_OPTION_NUMBER <= MIN_OPTIONS and MAX_OPTIONS <= PollLimit.MAX_OPTION_NUMBER


def test_questions_come_from_tasks_dimensions_and_faq_quiz_blocks(kb: KnowledgeBase, bank: QuestionBank) -> None:
    payroll = bank.get("t.payroll")
    assert payroll is not None and payroll.text == "Payroll processing: BPO or KPO?"
    assert payroll.options[payroll.correct] == kb.tasks["payroll"].verdict
    experts = bank.get("d.skills.kpo")
    assert experts is not None and "PhDs, MBAs" in experts.text and experts.options[experts.correct] == "KPO"
    assert kb.dimensions["skills"].explanation in experts.explanation
    kinds = Counter(q.kind for q in bank.questions.values())
    assert kinds["dimension"] == 2 * len(kb.dimensions)
    assert kinds["task"] == sum(1 for t in kb.tasks.values() if not t.derived), "only tasks the sources state"
    assert kinds["faq"] == sum(len(e.quiz) for e in kb.faq.values()) >= 4


def test_the_sources_disagreement_is_asked(kb: KnowledgeBase, bank: QuestionBank) -> None:
    asked = [q for q in bank.questions.values() if q.id.startswith("f.sources_disagree.")]
    assert asked, "the disagreement between the two documents has a quiz question"
    text = " ".join(html.unescape(q.text + " ".join(q.options) + q.explanation) for q in asked)
    assert "subset" in text and "basically the same" in text
    statement = next(q for q in asked if q.text.startswith("True or false?"))
    assert statement.options[statement.correct] == "False"
    assert kb.sources["diff2015"].title in statement.explanation


def test_a_draw_is_random_without_repeats_and_the_same_for_a_seed(bank: QuestionBank) -> None:
    first, again, other = bank.draw(10, 7), bank.draw(10, 7), bank.draw(10, 8)
    assert first == again and first != other
    assert len(set(first)) == 10 and all(q in bank.questions for q in first)
    assert len(set(bank.draw(len(bank) + 10, 1))) == len(bank)
    kinds = {bank.questions[q].kind for q in bank.draw(5, 3)}
    assert kinds == {"task", "dimension", "faq"}, "a short round mixes the kinds"


def test_multiple_choice_options_are_not_always_right_first(bank: QuestionBank) -> None:
    choices = [q for q in bank.questions.values() if q.kind == "faq" and len(q.options) > 2]
    assert {q.correct for q in choices} != {0}


# --- the quiz block in faq.yaml ---------------------------------------------------


def _edit_faq(folder: Path, entry: str, block: object) -> None:
    path = folder / "faq.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    next(e for e in data["faq"] if e["id"] == entry)["quiz"] = block
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


GOOD = {"question": "Which kind is the brain?", "options": ["KPO", "BPO"], "answer": "KPO",
        "explain": "KPO is the brain."}

BROKEN_BLOCKS = [
    ({**GOOD, "answer": "ITO"}, r"question 1: 'answer' must be exactly one of the options, not 'ITO'"),
    ({**GOOD, "options": ["KPO", "KPO "]}, r"question 1: 'options' has the same choice twice"),
    ({**GOOD, "options": ["KPO"]}, r"'options' must list at least 2 choices"),
    ({k: v for k, v in GOOD.items() if k != "explain"}, r"'explain' is missing"),
    ({**GOOD, "hint": "x"}, r"unknown field\(s\): hint"),
    ({**GOOD, "statement": "KPO is the brain."}, r"either 'question' .* or 'statement'"),
    ({"statement": "KPO is the brain.", "answer": "yes please", "explain": "x"},
     r"'answer' of a statement must be true or false"),
    ({"statement": "KPO is the brain.", "answer": True, "options": ["a", "b"], "explain": "x"},
     r"drop 'options'"),
    ({**GOOD, "options": ["KPO", True]}, r"put quotes around yes, no, true, false"),
    ("not a list", r"must be a list of quiz questions"),
]


@pytest.mark.parametrize(("block", "expected"), BROKEN_BLOCKS)
def test_a_broken_quiz_block_is_named_by_file_entry_and_field(kb_copy: Path, block: object, expected: str) -> None:
    _edit_faq(kb_copy, "hands_vs_brain", [block] if isinstance(block, dict) else block)
    with pytest.raises(KnowledgeError) as raised:
        load(kb_copy)
    problems = [str(p) for p in raised.value.problems]
    assert any("faq.yaml, entry 'hands_vs_brain', field 'quiz'" in p and re.search(expected, p)
               for p in problems), problems


def test_too_many_questions_in_one_entry(kb_copy: Path) -> None:
    _edit_faq(kb_copy, "hands_vs_brain", [GOOD] * 6)
    with pytest.raises(KnowledgeError) as raised:
        load(kb_copy)
    assert any("at most 5 per entry" in str(p) for p in raised.value.problems)


@pytest.mark.parametrize(("change", "where", "expected"), [
    (dict(explain="A long reason. " * 14), "field 'quiz'", r"question 1: the explanation .* must be 0 to 200"),
    (dict(options=["KPO", "B" * 101], answer="KPO"), "field 'quiz'", r"question 1: option .* must be 1 to 100"),
    (dict(question="Why? " * 70), "field 'quiz'", r"the question must be 1 to 300 characters"),
    (dict(sources=["wikipedia"]), "field 'quiz'", r"unknown source id\(s\) wikipedia"),
])
def test_a_poll_telegram_would_refuse_is_reported(kb_copy: Path, change: dict[str, object], where: str,
                                                  expected: str) -> None:
    _edit_faq(kb_copy, "hands_vs_brain", [{**GOOD, **change}])
    kb = load(kb_copy)
    problems = [str(p) for p in QuestionBank(kb, Renderer()).problems]
    assert any("faq.yaml, entry 'hands_vs_brain'" in p and where in p and re.search(expected, p)
               for p in problems), problems
    with pytest.raises(KnowledgeError):
        Engine(kb, semantic=False)  # the bot refuses to start (or /reload) with it


def test_a_task_reason_too_long_for_an_explanation_names_the_task(kb_copy: Path) -> None:
    path = kb_copy / "tasks.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    task = next(t for t in data["tasks"] if not t.get("derived"))
    task["reason"] = "Routine work done by rules. " * 9
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    problems = [str(p) for p in QuestionBank(load(kb_copy), Renderer()).problems]
    assert any(f"tasks.yaml, entry '{task['id']}', field 'reason': the explanation" in p for p in problems)


# --- a round's rules --------------------------------------------------------------


def _right(flow: QuizFlow, state: QuizRound) -> int:
    question = flow.question(state)
    assert question is not None
    return question.correct


def _play(flow: QuizFlow, state: QuizRound, player: Player, right: bool) -> QuizRound:
    question = flow.question(state)
    assert question is not None
    option = question.correct if right else (question.correct + 1) % len(question.options)
    answered = flow.answer(state, player, option)
    assert answered is not None
    return answered


def test_a_private_round_moves_on_after_each_answer_and_scores(flow: QuizFlow) -> None:
    state = flow.begin(5, NOW, seed=11, starter=ANN)
    assert len(state.questions) == 5 and state.deadline == NOW + 30
    for number, right in enumerate([True, True, False, True, True]):
        assert state.index == number and not state.over
        state = _play(flow, state, ANN, right)
        assert flow.all_answered(state)
        state = flow.advance(state, NOW + number)
    assert state.over and state.asked == 5
    [result] = flow.results(state)
    assert (result.right, result.total, len(result.wrong)) == (4, 5, 1)
    reply, bests = flow.finish(state, {}, NOW)
    assert "4/5" in reply.text and f"you mixed up {result.wrong[0].topic.lower()}" in reply.text.lower()
    assert bests[ANN.id] == Best(4, 5, NOW)
    data = [b.data for row in reply.buttons for b in row]
    assert data == [result.wrong[0].read, "m:quiz"]


def test_an_answer_counts_once_and_only_for_the_open_question(flow: QuizFlow) -> None:
    state = _play(flow, flow.begin(3, NOW, seed=2, starter=ANN), ANN, True)
    assert flow.answer(state, ANN, 0) is None, "a second answer to the same question"
    assert flow.answer(state, BOB, 7) is None, "no such option"
    over = QuizRound("abc123", state.questions, index=3)
    assert flow.answer(over, ANN, 0) is None and flow.question(over) is None


def test_a_group_round_waits_for_every_known_player(flow: QuizFlow) -> None:
    state = flow.begin(3, NOW, seed=5, starter=ANN, group=True)
    state = _play(flow, state, BOB, True)  # Bob joins by answering
    assert not flow.all_answered(state), "Ann, who started the round, has not answered"
    state = flow.advance(_play(flow, state, ANN, False), NOW)
    state = _play(flow, state, ANN, True)
    assert not flow.all_answered(state)
    state = flow.advance(_play(flow, state, BOB, True), NOW)
    state = flow.advance(_play(flow, _play(flow, state, BOB, True), ANN, True), NOW)
    assert state.over
    reply, bests = flow.finish(state, {BOB.id: Best(1, 1, NOW - 5)}, NOW)
    assert [r.player.name for r in flow.results(state)] == ["Bob", "Ann"]
    plain = parse_html(reply.text)
    assert "Leaderboard" in plain and plain.index("Bob: 3/3") < plain.index("Ann: 2/3")
    assert bests == {BOB.id: Best(3, 3, NOW), ANN.id: Best(2, 3, NOW)}
    assert reply.buttons[-1][0].data == "m:quiz"


def test_a_round_nobody_answers_stops(flow: QuizFlow) -> None:
    state = flow.begin(5, NOW, seed=1, starter=ANN)
    for _ in range(IDLE_LIMIT):
        assert not state.over
        state = flow.advance(state, NOW)
    assert state.over and state.asked == IDLE_LIMIT
    reply, bests = flow.finish(state, {}, NOW)
    assert "nobody answered" in reply.text and f"0/{IDLE_LIMIT}" in reply.text
    assert bests == {ANN.id: Best(0, IDLE_LIMIT, NOW)}


def test_a_stopped_round_counts_only_the_answered_questions(flow: QuizFlow) -> None:
    state = flow.advance(_play(flow, flow.begin(5, NOW, seed=4, starter=ANN), ANN, True), NOW)
    reply, bests = flow.finish(state, {ANN.id: Best(5, 5, NOW - 9)}, NOW, stopped=True)
    assert "Quiz stopped" in reply.text and "1/1" in reply.text and "Your best so far: 5/5" in reply.text
    assert bests[ANN.id] == Best(5, 5, NOW), "the better best stays, kept fresh"


@pytest.mark.parametrize(("best", "right", "total", "beaten"), [
    (Best(4, 5, 0), 5, 5, True), (Best(4, 5, 0), 8, 10, True), (Best(8, 10, 0), 4, 5, False),
    (Best(5, 5, 0), 9, 10, False), (Best(3, 5, 0), 3, 5, False),
])
def test_which_result_beats_the_best(best: Best, right: int, total: int, beaten: bool) -> None:
    assert best.beaten_by(right, total) is beaten


@pytest.mark.parametrize(("argument", "size"), [(None, 5), ("", 5), ("10", 10), (" 3 ", 3), ("20", 20)])
def test_the_round_size(flow: QuizFlow, argument: str | None, size: int) -> None:
    assert flow.size(argument) == size


@pytest.mark.parametrize("argument", ["0", "21", "ten", "-3", "²", "9" * 400, "5.5"])
def test_an_odd_round_size_gets_the_usage_note(flow: QuizFlow, argument: str) -> None:
    assert flow.size(argument) is None
    assert "/quiz 10" in parse_html(flow.usage().text)


def test_every_quiz_message_is_valid_telegram_html(flow: QuizFlow) -> None:
    state = flow.begin(20, NOW, seed=9, starter=Player(3, "<b>Eve & co</b>"), group=True)
    texts = [flow.intro(state).text, flow.ask(state).text, flow.usage().text]
    while not state.over:
        question = flow.question(state)
        assert question is not None
        texts.append(flow.feedback(question, 0))
        state = flow.advance(_play(flow, state, Player(3, "<b>Eve & co</b>"), False), NOW)
    texts.append(flow.finish(state, {}, NOW)[0].text)
    texts.append(flow.finish(QuizRound("x1y2z3", state.questions, index=20, players=(ANN,)), {}, NOW)[0].text)
    for text in texts:
        assert parse_html(text).strip()
    assert "&lt;b&gt;Eve &amp; co&lt;/b&gt;" in texts[-2], "a player's name is escaped"


# --- the terminal chat ----------------------------------------------------------


def test_the_terminal_plays_a_round_as_numbered_choices(engine: Engine) -> None:
    session = Session(engine, seed=3)
    reply = session.turn("/quiz 3", NOW)
    assert reply.kind == "quiz" and "Question 1 of 3" in reply.text
    assert [b.text for b in session.choices] == [html.unescape(o) for o in engine.quiz.question(session.round).options]
    assert session.turn("what is kpo?", NOW).text.count("Question 1 of 3") == 1, "the question again, with a hint"
    for number in range(3):
        assert session.round is not None
        reply = session.turn(str(_right(engine.quiz, session.round) + 1), NOW)
        assert "✅ Right!" in reply.text
        assert (f"Question {number + 2} of 3" in reply.text) is (number < 2)
    assert "3/3" in reply.text and session.round is None and session.best == Best(3, 3, NOW)
    assert session.choices[-1].data == "m:quiz"
    again = session.turn(str(len(session.choices)), NOW)
    assert "Question 1 of 5" in again.text, "play again"
    stopped = session.turn("/cancel", NOW)
    assert "Quiz stopped" in stopped.text and session.round is None


@pytest.mark.parametrize("line", ["/quiz 3 4", "/quiz ten", "/quiz 0"])
def test_the_terminal_notes_an_odd_round_size(engine: Engine, line: str) -> None:
    session = Session(engine)
    reply = session.turn(line, NOW)
    assert reply.kind == "help" and "/quiz 10" in reply.text and session.round is None


def test_a_stale_terminal_answer_gets_a_note(engine: Engine) -> None:
    session = Session(engine, seed=1)
    session.turn("/quiz 1", NOW)
    old = list(session.choices)
    session.turn("1", NOW)
    session.choices = old
    assert session.turn("1", NOW).kind == "stale"


def test_every_read_button_opens_what_was_missed(engine: Engine) -> None:
    from bot import callbacks

    for question in engine.quiz.bank.questions.values():
        assert callbacks.decode(question.read) is not None
        assert engine.press(question.read).kind in ("answer", "classification"), question.id


def test_another_command_in_the_terminal_leaves_the_round_for_it(engine: Engine) -> None:
    session = Session(engine, seed=3)
    session.turn("/quiz 3", NOW)
    reply = session.turn("/classify", NOW)
    assert session.round is None and reply.kind != "quiz"
    assert "quiz round" not in session.turn("what is kpo?", NOW).text
