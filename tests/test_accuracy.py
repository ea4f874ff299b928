"""Answer accuracy on the held-out evaluation set (tests/data/eval.yaml).

The set was written without sight of the FAQ phrasings and is never used for
tuning; the development sets (dev*.yaml, content) and the calibration set
(thresholds) are, and the check sets only validate changes. The bars: at least
90% of on-topic questions answered correctly and at most 3% wrongly, at least
90% of off-topic questions not answered confidently, at least 90% of verdicts
right (measured figures in README, "Accuracy").
"""

from __future__ import annotations

import pytest

from bot.engine import Engine
from bot.evaluate import Report, evaluate, load_items
from tests.conftest import DATA


@pytest.fixture(scope="module")
def held_out(engine: Engine) -> Report:
    return evaluate(engine, load_items(DATA / "eval.yaml"))


def test_the_held_out_set_is_big_enough(held_out: Report) -> None:
    items = load_items(DATA / "eval.yaml")
    assert len(items) >= 150 and held_out.off_topic >= 30 and held_out.tasks >= 40


@pytest.mark.parametrize("path", sorted(DATA.glob("*.yaml")), ids=lambda p: p.name)
def test_every_question_set_labels_with_known_entries_and_verdicts(engine: Engine, path) -> None:
    for item in load_items(path):
        assert set(item.entries) <= engine.kb.faq.keys(), (path.name, item.q)
        assert item.verdict in (None, "BPO", "KPO"), (path.name, item.q)


def test_on_topic_questions_are_answered_correctly(held_out: Report) -> None:
    share = held_out.share(held_out.correct, held_out.on_topic)  # a local: a failure shows no misses
    assert share >= 0.90, "\n".join(held_out.lines(misses=False))


def test_on_topic_questions_are_rarely_answered_wrongly(held_out: Report) -> None:
    share = held_out.share(held_out.wrong, held_out.on_topic)  # a local: a failure shows no misses
    assert share <= 0.03, "\n".join(held_out.lines(misses=False))


def test_off_topic_questions_are_not_answered_confidently(held_out: Report) -> None:
    share = held_out.share(held_out.rejected, held_out.off_topic)  # a local: a failure shows no misses
    assert share >= 0.90, "\n".join(held_out.lines(misses=False))


def test_task_verdicts(held_out: Report) -> None:
    share = held_out.share(held_out.verdicts_right, held_out.tasks)  # a local: a failure shows no misses
    assert share >= 0.90, "\n".join(held_out.lines(misses=False))


@pytest.fixture(scope="module")
def held_out_voices(engine: Engine) -> Report:
    return evaluate(engine, load_items(DATA / "eval5.yaml"))


def test_the_voices_held_out_set_stays_where_it_was_measured(held_out_voices: Report) -> None:
    """tests/data/eval5.yaml (romanised Hindi, long, indirect, sloppy questions) was first run on
    the final engine of its session: 85% correct, 6% wrong, 93% of off-topic questions declined,
    76% of verdicts right. With the indirect phrasings, the decision refitted on them and the
    task markers that name the kinds by what they do, it measures 87% correct, 5.6% wrong, 96%
    declined and 79% of verdicts. These floors keep a change from quietly losing ground; only
    totals are compared, so a failure never shows its misses."""
    r = held_out_voices
    figures = (r.share(r.correct, r.on_topic), r.share(r.wrong, r.on_topic),
               r.share(r.rejected, r.off_topic), r.share(r.verdicts_right, r.tasks))
    correct, wrong, declined, verdicts = figures
    assert correct >= 0.85 and wrong <= 0.06 and declined >= 0.94 and verdicts >= 0.76, figures


@pytest.mark.parametrize("path", sorted((DATA / "conversations").glob("*.yaml")), ids=lambda p: p.name)
def test_every_conversation_labels_known_entries(engine: Engine, path) -> None:
    from bot.evaluate import load_conversations

    def entries(expect: dict) -> set[str]:
        found = expect.get("entry", [])
        ids = set(found if isinstance(found, list) else [found])
        for part in expect.get("parts", []):
            ids |= entries(part)
        return ids

    for conversation in load_conversations(path):
        for turn in conversation.turns:
            if turn.expect:
                assert entries(turn.expect) <= engine.kb.faq.keys(), (path.name, turn.user)


def test_conversations_of_the_tuning_set_stay_understood(engine: Engine) -> None:
    """tests/data/conversations/dev.yaml shaped the follow-up wording: 93% of its scored turns
    are right (answering each message alone: 56%)."""
    from bot.evaluate import evaluate_conversations, load_conversations

    report = evaluate_conversations(engine, load_conversations(DATA / "conversations" / "dev.yaml"))
    right, scored = sum(report.right.values()), sum(report.scored.values())
    assert right / scored >= 0.9, "\n".join(report.table())
