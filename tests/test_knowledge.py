"""Knowledge base: the shipped one is complete and valid; broken ones are reported precisely."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest
import yaml

from bot.knowledge import ID_PATTERN, KnowledgeBase, KnowledgeError, load


def test_shipped_knowledge_base_meets_the_minimums(kb: KnowledgeBase) -> None:
    assert len(kb.faq) >= 40
    assert all(len(e.phrasings) >= 6 for e in kb.faq.values())
    assert len(kb.dimensions) >= 10
    assert len(kb.tasks) >= 40
    assert {t.verdict for t in kb.tasks.values()} == {"BPO", "KPO"}
    assert set(kb.sources) == {"brainpower", "diff2015"}
    assert kb.sources["diff2015"].date == "2015-02-25"


def test_every_id_fits_callback_data_and_deep_links(kb: KnowledgeBase) -> None:
    for group in (kb.faq, kb.dimensions, kb.tasks):
        assert all(ID_PATTERN.match(i) for i in group)


def test_every_entry_cites_a_source(kb: KnowledgeBase) -> None:
    for item in [*kb.faq.values(), *kb.dimensions.values(), *kb.tasks.values()]:
        assert item.sources and set(item.sources) <= set(kb.sources)


def test_the_disagreement_between_the_documents_is_stated(kb: KnowledgeBase) -> None:
    text = " ".join(kb.faq[i].answer.lower() for i in ("same_thing", "kpo_subset"))
    assert "subset" in text and "same" in text


def _edit(folder: Path, file: str, change) -> None:
    path = folder / file
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _problems(folder: Path) -> list[str]:
    with pytest.raises(KnowledgeError) as caught:
        load(folder)
    return [str(p) for p in caught.value.problems]


def _first(data: dict, key: str) -> dict:
    return data[key][0]


BREAKAGES = [
    ("faq.yaml", lambda d: _first(d, "faq").update(colour="red"),
     r"knowledge/faq.yaml, entry '\w+', field 'colour': unknown field"),
    ("faq.yaml", lambda d: _first(d, "faq").pop("answer"),
     r"knowledge/faq.yaml, entry '\w+', field 'answer': missing"),
    ("faq.yaml", lambda d: _first(d, "faq").update(answer="  "),
     r"knowledge/faq.yaml, entry '\w+', field 'answer': must be non-empty text"),
    ("faq.yaml", lambda d: _first(d, "faq").update(related=["no_such_entry"]),
     r"field 'related': unknown FAQ id 'no_such_entry'"),
    ("faq.yaml", lambda d: _first(d, "faq").update(sources=["wikipedia"]),
     r"field 'sources': unknown source id 'wikipedia'"),
    ("faq.yaml", lambda d: d["faq"].append(dict(d["faq"][0])),
     r"field 'id': duplicate id"),
    ("faq.yaml", lambda d: d["faq"][1]["phrasings"].append(d["faq"][0]["phrasings"][0]),
     r"field 'phrasings': duplicate phrasing"),
    ("faq.yaml", lambda d: _first(d, "faq").update(id="Bad-Id"),
     r"entry 'Bad-Id', field 'id': must match"),
    ("tasks.yaml", lambda d: _first(d, "tasks").update(verdict="ITO"),
     r"knowledge/tasks.yaml, entry '\w+', field 'verdict': must be BPO or KPO, not 'ITO'"),
    ("tasks.yaml", lambda d: _first(d, "tasks").update(faq="nowhere"),
     r"knowledge/tasks.yaml, entry '\w+', field 'faq': unknown FAQ id 'nowhere'"),
    ("dimensions.yaml", lambda d: _first(d, "dimensions").update(faq="nowhere"),
     r"knowledge/dimensions.yaml, entry '\w+', field 'faq': unknown FAQ id 'nowhere'"),
    ("cues.yaml", lambda d: d["cues"].update(research="a lot"),
     r"knowledge/cues.yaml, entry 'research', field 'weight': must be a number"),
    ("cues.yaml", lambda d: d.update(task_references="it"),
     r"knowledge/cues.yaml, field 'task_references': must be a non-empty list of texts"),
    ("sources.yaml", lambda d: d["sources"][1].update(date=datetime.date(2015, 2, 25)),
     r"knowledge/sources.yaml, entry 'diff2015', field 'date': must be text, not 2015-02-25 \(put it in quotes\)"),
    ("dialog.yaml", lambda d: d["questions"][0]["options"][0].update(weight="a lot"),
     r"knowledge/dialog.yaml, entry '\w+', field 'weight': must be a number, not 'a lot'"),
    ("dialog.yaml", lambda d: d["questions"][0].update(dimension="nowhere"),
     r"knowledge/dialog.yaml, entry '\w+', field 'dimension': unknown dimension id 'nowhere'"),
    ("conversation.yaml", lambda d: d["follow_ups"].update(louder=["what"]),
     r"knowledge/conversation.yaml, entry 'follow_ups', field 'louder': must be reason, simpler, example"),
    ("synonyms.yaml", lambda d: d["synonyms"]["pay"].append(None),
     r"knowledge/synonyms.yaml, entry 'pay', field 'variants': must contain only non-empty texts, not None"),
]


@pytest.mark.parametrize(("file", "change", "expected"), BREAKAGES)
def test_a_broken_entry_is_named_by_file_entry_and_field(kb_copy: Path, file, change, expected) -> None:
    _edit(kb_copy, file, change)
    problems = _problems(kb_copy)
    assert any(re.search(expected, p) for p in problems), problems


def test_every_problem_is_reported_at_once(kb_copy: Path) -> None:
    def break_two(d: dict) -> None:
        d["faq"][0]["related"] = ["nope"]
        d["faq"][1]["sources"] = ["nowhere"]

    _edit(kb_copy, "faq.yaml", break_two)
    assert len(_problems(kb_copy)) >= 2


def test_an_entry_with_a_problem_is_not_also_reported_as_unknown_where_it_is_named(kb_copy: Path) -> None:
    _edit(kb_copy, "faq.yaml", lambda d: d["faq"][0].update(short="x" * 41))
    assert len(_problems(kb_copy)) == 1


def test_unreadable_yaml_names_the_file(kb_copy: Path) -> None:
    (kb_copy / "tasks.yaml").write_text("tasks: [unclosed\n", encoding="utf-8")
    assert any(p.startswith(f"{kb_copy}/tasks.yaml: cannot be read") for p in _problems(kb_copy))


def test_a_missing_file_is_reported(kb_copy: Path) -> None:
    (kb_copy / "dimensions.yaml").unlink()
    assert f"{kb_copy}/dimensions.yaml: file is missing" in _problems(kb_copy)


def test_a_phrasing_repeated_inside_one_entry_is_reported(kb_copy) -> None:
    from bot.knowledge import KnowledgeError, load

    faq = kb_copy / "faq.yaml"
    text = faq.read_text(encoding="utf-8")
    faq.write_text(text.replace("      - kpo meaning\n", "      - kpo meaning\n      - KPO meaning?\n", 1),
                   encoding="utf-8")
    with pytest.raises(KnowledgeError) as raised:
        load(kb_copy)
    assert any("repeated in this entry" in str(p) and "what_is_kpo" in str(p) for p in raised.value.problems)


def test_problems_name_the_folder_that_was_loaded(kb_copy) -> None:
    from bot.knowledge import KnowledgeError, load

    (kb_copy / "sources.yaml").unlink()
    with pytest.raises(KnowledgeError) as raised:
        load(kb_copy)
    assert str(kb_copy / "sources.yaml") in str(raised.value)


def test_a_key_written_twice_is_reported_not_silently_dropped(kb_copy: Path) -> None:
    path = kb_copy / "synonyms.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("\n  pay: [", "\n  pay: [wagez]\n  pay: [", 1), encoding="utf-8")
    problems = _problems(kb_copy)
    assert any(re.search(r"synonyms.yaml, field 'pay': appears twice \(line \d+\)", p) for p in problems), problems
