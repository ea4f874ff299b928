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
    assert held_out.share(held_out.correct, held_out.on_topic) >= 0.90, "\n".join(held_out.lines())


def test_on_topic_questions_are_rarely_answered_wrongly(held_out: Report) -> None:
    assert held_out.share(held_out.wrong, held_out.on_topic) <= 0.03, "\n".join(held_out.lines())


def test_off_topic_questions_are_not_answered_confidently(held_out: Report) -> None:
    assert held_out.share(held_out.rejected, held_out.off_topic) >= 0.90, "\n".join(held_out.lines())


def test_task_verdicts(held_out: Report) -> None:
    assert held_out.share(held_out.verdicts_right, held_out.tasks) >= 0.90, "\n".join(held_out.lines())
