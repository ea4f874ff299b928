"""The /classify dialog: pure scoring over every answer combination, and its steps in the engine."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest

from bot.dialog import IN_BETWEEN, DialogState, score
from bot.engine import Engine
from bot.knowledge import Dialog, KnowledgeBase

NOW = 1_700_000_000.0


def _extreme(dialog: Dialog, sign: int) -> list[str]:
    """The options leaning furthest one way, question by question."""
    return [max(q.options, key=lambda o: sign * o.weight).id for q in dialog.questions]


def test_every_combination_of_answers_gives_a_verdict(kb: KnowledgeBase) -> None:
    dialog = kb.dialog
    choices = [[None, *(o.id for o in q.options)] for q in dialog.questions]
    seen = set()
    for answers in itertools.product(*choices):
        for prior in (None, "BPO", "KPO"):
            outcome = score(dialog, answers, prior)
            assert outcome.verdict in ("BPO", "KPO", IN_BETWEEN)
            assert -1.0 <= outcome.lean <= 1.0 and 50 <= outcome.confidence <= 100
            seen.add(outcome.verdict)
    assert seen == {"BPO", "KPO", IN_BETWEEN}


def test_all_bpo_and_all_kpo_answers(kb: KnowledgeBase) -> None:
    assert score(kb.dialog, _extreme(kb.dialog, -1)).verdict == "BPO"
    assert score(kb.dialog, _extreme(kb.dialog, +1)).verdict == "KPO"
    assert score(kb.dialog, _extreme(kb.dialog, +1)).confidence == 100


def test_split_answers_are_in_between(kb: KnowledgeBase) -> None:
    bpo, kpo = _extreme(kb.dialog, -1), _extreme(kb.dialog, +1)
    split = [b if i % 2 == 0 else k for i, (b, k) in enumerate(zip(bpo, kpo, strict=True))]
    assert abs(score(kb.dialog, split).lean) < kb.dialog.in_between
    assert score(kb.dialog, split).verdict == IN_BETWEEN


def test_the_threshold_and_prior_weight_are_data(kb: KnowledgeBase) -> None:
    lean_kpo = _extreme(kb.dialog, +1)[:1] + [None] * (len(kb.dialog.questions) - 1)
    strict = replace(kb.dialog, in_between=0.99)
    assert score(strict, lean_kpo).verdict == IN_BETWEEN
    heavy_prior = replace(kb.dialog, prior_weight=100.0)
    assert score(heavy_prior, [None] * len(kb.dialog.questions), "BPO").verdict == "BPO"
    assert score(kb.dialog, [None] * len(kb.dialog.questions)).verdict == IN_BETWEEN


def test_reasons_say_which_way_each_answer_pointed(kb: KnowledgeBase) -> None:
    outcome = score(kb.dialog, _extreme(kb.dialog, -1))
    assert [r.side for r in outcome.reasons] == ["BPO"] * len(kb.dialog.questions)


# --- the dialog's steps in the engine ---------------------------------------------

def _press(engine: Engine, state: DialogState | None, action: str, now: float = NOW):
    assert state is not None
    return engine.step_press(f"c:{state.nonce}:{action}", state, now)


def _run(engine: Engine, answers: list[str], description: str | None = None):
    state, reply = engine.step_command("classify", None, NOW)
    if description is None:
        state, reply = _press(engine, state, "skip")
    else:
        state, reply = engine.step_text(description, state, NOW)
    for index, option in enumerate(answers, start=1):
        state, reply = _press(engine, state, f"{index}_{option}")
    return state, reply


def test_bpo_and_kpo_paths_end_with_a_result_card(engine: Engine) -> None:
    for sign, verdict in ((-1, "BPO"), (+1, "KPO")):
        state, reply = _run(engine, _extreme(engine.kb.dialog, sign))
        assert state is None and reply.verdict == verdict and reply.edit
        assert f"Verdict: {verdict}" in reply.text and "Similar tasks" in reply.text
        assert [b.data for row in reply.buttons for b in row] == ["m:classify", "m:compare", "m:ask"]


def test_a_described_task_is_named_and_taken_as_a_prior(engine: Engine) -> None:
    state, reply = engine.step_command("classify", None, NOW)
    state, reply = engine.step_text("we want someone to run our payroll", state, NOW)
    assert state.prior == "payroll" and "Payroll processing" in reply.text
    assert "Question 1 of" in reply.text
    neutral = [q.options[-1].id for q in engine.kb.dialog.questions]
    for index, option in enumerate(neutral, start=1):
        state, reply = _press(engine, state, f"{index}_{option}")
    assert reply.verdict == "BPO"


def test_back_keeps_answers_and_cancel_ends(engine: Engine) -> None:
    state, _ = engine.step_command("classify", None, NOW)
    state, _ = _press(engine, state, "skip")
    state, _ = _press(engine, state, "1_j")
    state, reply = _press(engine, state, "back_2")
    assert state.step == 1 and state.answers[0] == "j"
    assert any(b.text.startswith("✓") for row in reply.buttons for b in row)
    state, reply = _press(engine, state, "back_1")
    assert state.step == 0 and "Describe the task" in reply.text
    state, reply = _press(engine, state, "cancel")
    assert state is None and "cancelled" in reply.text


def test_stale_and_old_buttons_get_a_note(engine: Engine) -> None:
    state, _ = engine.step_command("classify", None, NOW)
    state, _ = _press(engine, state, "skip")
    same, reply = _press(engine, state, "0_j")  # not the current question
    assert reply.kind == "stale" and same == state
    other, reply = engine.step_press("c:ffffff:1_j", state, NOW)  # another run's button
    assert reply.kind == "stale" and other == state
    none, reply = engine.step_press("c:ffffff:1_j", None, NOW)  # finished dialog
    assert reply.kind == "stale" and none is None


def test_text_mid_dialog_gets_a_hint(engine: Engine) -> None:
    state, _ = engine.step_command("classify", None, NOW)
    state, _ = _press(engine, state, "skip")
    kept, reply = engine.step_text("what is kpo", state, NOW)
    assert kept.step == state.step and "buttons" in reply.text and not reply.edit


def test_an_idle_dialog_times_out(engine: Engine) -> None:
    state, _ = engine.step_command("classify", None, NOW)
    late = NOW + engine.dialog.timeout + 1
    gone, reply = _press(engine, state, "skip", now=late)
    assert gone is None and "Send /classify" in reply.text
    gone, reply = engine.step_text("what is kpo", state, late)
    assert gone is None and reply.entry == "what_is_kpo"


def test_cancel_without_a_dialog(engine: Engine) -> None:
    state, reply = engine.step_command("cancel", None, NOW)
    assert state is None and "nothing to cancel" in reply.text


@pytest.mark.parametrize("data", ["m:classify"])
def test_the_classify_button_starts_a_dialog(engine: Engine, data: str) -> None:
    state, reply = engine.step_press(data, None, NOW)
    assert state is not None and state.step == 0 and "Describe the task" in reply.text


def test_typing_an_option_label_answers_the_question(engine: Engine) -> None:
    state, _ = engine.step_command("classify", None, NOW)
    state, _ = _press(engine, state, "skip")
    state, _ = _press(engine, state, "1_j")
    moved, reply = engine.step_text("experts", state, NOW)
    assert moved.step == 3 and moved.answers[1] == "e" and not reply.edit
    kept, reply = engine.step_text("hmm no idea really", moved, NOW)
    assert kept.step == 3 and "buttons" in reply.text


def _button(reply, label: str) -> str:
    return next(b.data for row in reply.buttons for b in row if b.text.endswith(label))


def test_a_double_press_of_back_goes_back_once(engine: Engine) -> None:
    state, _ = engine.step_command("classify", None, NOW)
    state, _ = _press(engine, state, "skip")
    state, _ = _press(engine, state, "1_j")
    state, reply = _press(engine, state, "2_e")
    assert state.step == 3
    back = _button(reply, "Back")
    state, reply = engine.step_press(back, state, NOW)
    assert state.step == 2
    again, reply = engine.step_press(back, state, NOW)  # the same button, delivered twice
    assert again == state and reply.kind == "stale"


def _flow_with(engine: Engine, dialog: Dialog):
    from bot.dialog import DialogFlow

    kb = replace(engine.kb, dialog=dialog)
    return DialogFlow(kb, engine.renderer, engine.classifier, engine.normalizer, engine.dialog.timeout)


def test_a_state_of_a_changed_dialog_ends_cleanly(engine: Engine) -> None:
    state, _ = engine.step_command("classify", None, NOW)
    state, _ = _press(engine, state, "skip")
    for index, option in enumerate(_extreme(engine.kb.dialog, -1)[:-1], start=1):
        state, _ = _press(engine, state, f"{index}_{option}")
    assert state.step == len(engine.kb.dialog.questions)  # on the last question
    shorter = _flow_with(engine, replace(engine.kb.dialog, questions=engine.kb.dialog.questions[:-1]))
    assert shorter.expired(state, NOW)
    gone, reply = shorter.on_press(state, f"{state.step}_j", NOW)
    assert gone is None and "/classify" in (reply.note or reply.text)
    gone, reply = shorter.on_text(state, "hello", NOW)
    assert gone is None and "/classify" in (reply.note or reply.text)


def test_a_state_saved_before_versions_ends_cleanly(engine: Engine) -> None:
    import pickle

    state, _ = engine.step_command("classify", None, NOW)
    old = pickle.loads(pickle.dumps(state))
    object.__delattr__(old, "version") if "version" in vars(old) else None
    assert engine.dialog.expired(old, NOW)


def test_a_press_ahead_of_an_older_saved_state_resumes_at_its_question(engine: Engine) -> None:
    """After kill -9 the saved state may be a step behind the message the user sees."""
    state, _ = engine.step_command("classify", None, NOW)
    state, _ = _press(engine, state, "skip")
    kept, reply = _press(engine, state, "2_e")  # the message showed question 2; the state is at 1
    assert kept.step == 1 and reply.kind == "dialog" and reply.edit
    assert "Question 1 of" in reply.text
