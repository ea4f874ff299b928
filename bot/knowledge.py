"""The knowledge base: schema, loading and validation of the YAML files in knowledge/.

Content is data a non-programmer edits, so loading checks everything and reports
every problem at once, each naming the file, the entry and the field, instead of
failing on the first one with a traceback.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot import quizblock
from bot.quizblock import QuizItem

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader when PyYAML has it: the same data, nine times faster at start-up."""
ID_PATTERN = re.compile(r"^[a-z0-9_]{1,32}$")
VERDICTS = ("BPO", "KPO")


@dataclass(frozen=True)
class Source:
    """A source document the knowledge base is drawn from."""

    id: str
    title: str
    date: str | None
    subtitle: str | None = None

    @property
    def full_title(self) -> str:
        """The title as the document shows it, with its subtitle."""
        return f"{self.title}: {self.subtitle}" if self.subtitle else self.title


@dataclass(frozen=True)
class FaqEntry:
    """One question the bot answers, with the ways users phrase it."""

    id: str
    question: str
    short: str
    phrasings: tuple[str, ...]
    answer: str
    related: tuple[str, ...]
    sources: tuple[str, ...]
    derived: bool = False
    featured: bool = False
    counterpart: str | None = None
    """The entry asking the same of the other kind (what_is_kpo <-> what_is_bpo), for
    "and for BPO?"; entries that compare both kinds have none."""
    simple: str | None = None
    """The answer in two or three plain sentences, for "say it more simply"."""
    quiz: tuple[QuizItem, ...] = ()
    """Quiz questions on facts of the answer (the `quiz:` block, see bot/quizblock.py)."""


@dataclass(frozen=True)
class Dimension:
    """One axis on which BPO and KPO are compared."""

    id: str
    name: str
    aliases: tuple[str, ...]
    bpo: str
    kpo: str
    explanation: str
    faq: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Task:
    """An example task with the kind of outsourcing it usually belongs to."""

    id: str
    name: str
    aliases: tuple[str, ...]
    verdict: str
    reason: str
    sources: tuple[str, ...]
    derived: bool = False
    faq: str | None = None
    """The FAQ entry about this task, if one exists ("Why is a call center the classic BPO example?")."""


@dataclass(frozen=True)
class SmallTalk:
    """Greetings, thanks and the like, with a short reply."""

    id: str
    phrasings: tuple[str, ...]
    reply: str


@dataclass(frozen=True)
class OutOfScope:
    """A near-topic subject the documents do not cover, named so the bot can say so."""

    id: str
    topic: str | None
    """How the decline names the subject; None for subjects far from the topic (weather,
    sport), which get the plain note that the bot only knows about KPO and BPO."""
    phrasings: tuple[str, ...]
    instead: tuple[str, ...] = ()
    """FAQ ids on what the sources do say nearby (pay, skills), offered with the decline."""


@dataclass(frozen=True)
class Lexicon:
    """Word lists the matcher uses to normalise what users type."""

    synonyms: Mapping[str, tuple[str, ...]]
    stopwords: frozenset[str]
    protected: frozenset[str]
    foreign_words: frozenset[str]
    hinglish: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """English words or phrases -> the romanised Hindi that means them ("what is": "kya hai")."""
    hinglish_markers: frozenset[str] = frozenset()
    """Words that show a message is romanised Hindi; only then is `hinglish` applied."""
    kind_words: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """"bpo"/"kpo" -> words that name that kind before one of `kind_nouns` ("the expert firm")."""
    kind_nouns: tuple[str, ...] = ()


@dataclass(frozen=True)
class Cues:
    """Wording that marks a task question, and words that lean a task to BPO or KPO."""

    task_markers: tuple[str, ...]
    weights: Mapping[str, float]
    min_weight: float
    follow_up: tuple[str, ...] = ()
    """FAQ ids offered as buttons after a task verdict."""
    task_references: tuple[str, ...] = ()
    """Words that stand for a task named earlier ("payroll, is that bpo?"), where a marker expects one."""


FOLLOW_UPS = ("reason", "simpler", "example", "other_kind", "decide")
"""What a follow-up may ask of the previous exchange (knowledge/conversation.yaml)."""


@dataclass(frozen=True)
class Chat:
    """Wording of follow-ups that only make sense with the previous exchange."""

    follow_ups: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """A `FOLLOW_UPS` intent -> the short messages that ask it ("why?" -> reason)."""
    and_openers: tuple[str, ...] = ()
    """Words opening a follow-up that names something new of the same sort ("and payroll?")."""
    examples: Mapping[str, str] = field(default_factory=dict)
    """"BPO"/"KPO" -> the FAQ entry listing examples of that kind."""
    keywords: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """A `FOLLOW_UPS` intent -> words that ask it in a message made only of such words."""
    neutral: tuple[str, ...] = ()
    """Words a follow-up may hold besides its intent's keywords ("explain", "again", "it")."""


@dataclass(frozen=True)
class DialogOption:
    """One answer to a dialog question, leaning towards BPO (negative) or KPO (positive)."""

    id: str
    label: str
    weight: float
    reason: str


@dataclass(frozen=True)
class DialogQuestion:
    """One multiple-choice step of the /classify dialog."""

    id: str
    text: str
    dimension: str
    options: tuple[DialogOption, ...]

    def option(self, option_id: str) -> DialogOption | None:
        """The option with this id, if any."""
        return next((o for o in self.options if o.id == option_id), None)


@dataclass(frozen=True)
class Dialog:
    """The /classify dialog: its questions and how answers add up to a verdict."""

    questions: tuple[DialogQuestion, ...]
    prior_weight: float
    in_between: float


@dataclass(frozen=True)
class KnowledgeBase:
    """Everything the engine knows, loaded once and never changed."""

    folder: Path
    sources: Mapping[str, Source]
    faq: Mapping[str, FaqEntry]
    dimensions: Mapping[str, Dimension]
    tasks: Mapping[str, Task]
    smalltalk: Mapping[str, SmallTalk]
    out_of_scope: Mapping[str, OutOfScope]
    lexicon: Lexicon
    cues: Cues
    dialog: Dialog
    chat: Chat = Chat()

    def counts(self) -> dict[str, int]:
        """How many items of each kind, for `kb check` and logs."""
        return {
            "sources": len(self.sources),
            "faq entries": len(self.faq),
            "phrasings": sum(len(e.phrasings) for e in self.faq.values()),
            "dimensions": len(self.dimensions),
            "tasks": len(self.tasks),
            "smalltalk": len(self.smalltalk),
            "out-of-scope topics": len(self.out_of_scope),
            "dialog questions": len(self.dialog.questions),
        }


@dataclass(frozen=True)
class Problem:
    """One validation problem, located by file, entry and field."""

    file: str
    entry: str | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.entry is not None:
            where += f", entry '{self.entry}'"
        if self.field is not None:
            where += f", field '{self.field}'"
        return f"{where}: {self.message}"


class KnowledgeError(Exception):
    """The knowledge base is invalid; `problems` lists every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"the knowledge base has {len(problems)} problem(s):\n{lines}")


# --- field checkers: each returns an error message or None -------------------------

def _text(value: Any) -> str | None:
    return None if isinstance(value, str) and value.strip() else "must be non-empty text"


def _text_or_null(value: Any) -> str | None:
    return None if value is None or isinstance(value, str) else "must be text or null"


def _texts(value: Any) -> str | None:
    if not isinstance(value, list) or not value:
        return "must be a non-empty list of texts"
    bad = [v for v in value if not isinstance(v, str) or not v.strip()]
    if bad:
        hint = " (put quotes around words YAML reads as true/false/null, like on, off, yes, no)"
        return f"must contain only non-empty texts, not {bad[0]!r}" + (
            hint if any(isinstance(v, bool) or v is None for v in bad) else "")
    return None


def _ids(value: Any) -> str | None:
    if not isinstance(value, list):
        return "must be a list of ids"
    bad = [str(v) for v in value if not isinstance(v, str) or not ID_PATTERN.match(v)]
    return f"has malformed id(s): {', '.join(bad)}" if bad else None


def _flag(value: Any) -> str | None:
    return None if isinstance(value, bool) else "must be true or false"


def _verdict(value: Any) -> str | None:
    return None if value in VERDICTS else f"must be BPO or KPO, not {value!r}"


def _short(limit: int) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        problem = _text(value)
        if problem is None and len(value) > limit:
            return f"must be at most {limit} characters (has {len(value)})"
        return problem

    return check


def _min_items(checker: Callable[[Any], str | None], least: int) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        problem = checker(value)
        if problem is None and len(value) < least:
            return f"needs at least {least} items (has {len(value)})"
        return problem

    return check


Spec = dict[str, tuple[Callable[[Any], str | None], bool]]  # field -> (checker, required)

SOURCE_SPEC: Spec = {"id": (_text, True), "title": (_text, True), "subtitle": (_text, False),
                     "date": (_text_or_null, False)}
FAQ_SPEC: Spec = {
    "id": (_text, True),
    "question": (_short(120), True),
    "short": (_short(40), True),
    "phrasings": (_min_items(_texts, 6), True),
    "answer": (_short(3000), True),
    "related": (_ids, True),
    "sources": (_texts, True),
    "derived": (_flag, False),
    "featured": (_flag, False),
    "counterpart": (_text, False),
    "simple": (_short(600), False),
    "quiz": (quizblock.problem, False),
}
DIMENSION_SPEC: Spec = {
    "id": (_text, True),
    "name": (_short(40), True),
    "aliases": (_texts, True),
    "bpo": (_short(120), True),
    "kpo": (_short(120), True),
    "explanation": (_short(300), True),
    "faq": (_text, True),
    "sources": (_texts, True),
}
TASK_SPEC: Spec = {
    "id": (_text, True),
    "name": (_short(60), True),
    "aliases": (_texts, True),
    "verdict": (_verdict, True),
    "reason": (_short(300), True),
    "sources": (_texts, True),
    "derived": (_flag, False),
    "faq": (_text, False),
}
SMALLTALK_SPEC: Spec = {"id": (_text, True), "phrasings": (_texts, True), "reply": (_text, True)}
OUT_OF_SCOPE_SPEC: Spec = {"id": (_text, True), "topic": (_text, False), "phrasings": (_texts, True),
                           "instead": (_ids, False)}


class _Collector:
    """Reads the files and gathers problems instead of stopping at the first."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.problems: list[Problem] = []

    def problem(self, file: str, entry: str | None, field_name: str | None, message: str) -> None:
        self.problems.append(Problem(_shown(self.folder / file), entry, field_name, message))

    def read(self, file: str, top_key: str) -> Any:
        """The value under `top_key` in `file`, or None (with a problem) if unreadable."""
        path = self.folder / file
        try:
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
        except FileNotFoundError:
            self.problem(file, None, None, "file is missing")
            return None
        except (yaml.YAMLError, UnicodeDecodeError, OSError) as exc:
            self.problem(file, None, None, f"cannot be read: {_one_line(exc)}")
            return None
        if not isinstance(data, dict) or top_key not in data:
            self.problem(file, None, None, f"must be a mapping with the key '{top_key}'")
            return None
        unknown = sorted(set(data) - {top_key})
        if unknown and file not in _MULTI_KEY_FILES:
            self.problem(file, None, None, f"unknown top-level key(s): {', '.join(unknown)}")
        return data

    def entries(self, file: str, top_key: str, spec: Spec) -> list[dict[str, Any]]:
        """The well-formed entries of a list file; malformed ones are reported and dropped."""
        data = self.read(file, top_key)
        if data is None:
            return []
        items = data[top_key]
        if not isinstance(items, list):
            self.problem(file, None, top_key, "must be a list of entries")
            return []
        good: list[dict[str, Any]] = []
        seen: set[str] = set()
        for index, item in enumerate(items):
            if self.entry_ok(file, index, item, spec, seen):
                good.append(item)
        return good

    def entry_ok(self, file: str, index: int, item: Any, spec: Spec, seen: set[str]) -> bool:
        if not isinstance(item, dict):
            self.problem(file, f"#{index + 1}", None, "must be a mapping of fields")
            return False
        name = item.get("id")
        label = name if isinstance(name, str) and name else f"#{index + 1}"
        ok = True
        for key in sorted(set(item) - set(spec)):
            self.problem(file, label, key, "unknown field")
            ok = False
        for key, (checker, required) in spec.items():
            if key not in item:
                if required:
                    self.problem(file, label, key, "missing")
                    ok = False
                continue
            message = checker(item[key])
            if message:
                self.problem(file, label, key, message)
                ok = False
        if isinstance(name, str) and not ID_PATTERN.match(name):
            self.problem(file, label, "id", "must match [a-z0-9_]{1,32}")
            ok = False
        if label in seen:
            self.problem(file, label, "id", "duplicate id")
            ok = False
        seen.add(label)
        return ok


_MULTI_KEY_FILES = {"synonyms.yaml", "cues.yaml", "dialog.yaml", "conversation.yaml"}


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())


def _tuple(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(v.strip() for v in values)


def load(folder: Path | str | None = None) -> KnowledgeBase:
    """Load and validate the knowledge folder; raise KnowledgeError listing every problem."""
    from bot.paths import knowledge_dir

    root = Path(folder) if folder is not None else knowledge_dir()
    c = _Collector(root)
    if not root.is_dir():
        raise KnowledgeError([Problem(str(root), None, None, "knowledge folder not found")])
    sources = {s["id"]: Source(s["id"], s["title"], _date(s.get("date")), s.get("subtitle"))
               for s in c.entries("sources.yaml", "sources", SOURCE_SPEC)}
    faq = {e["id"]: _faq(e) for e in c.entries("faq.yaml", "faq", FAQ_SPEC)}
    dimensions = {d["id"]: _dimension(d) for d in c.entries("dimensions.yaml", "dimensions", DIMENSION_SPEC)}
    tasks = {t["id"]: _task(t) for t in c.entries("tasks.yaml", "tasks", TASK_SPEC)}
    smalltalk = {s["id"]: SmallTalk(s["id"], _tuple(s["phrasings"]), s["reply"].strip())
                 for s in c.entries("smalltalk.yaml", "smalltalk", SMALLTALK_SPEC)}
    out_of_scope = {o["id"]: OutOfScope(o["id"], (o.get("topic") or "").strip() or None, _tuple(o["phrasings"]),
                                        tuple(o.get("instead", ())))
                    for o in c.entries("out_of_scope.yaml", "out_of_scope", OUT_OF_SCOPE_SPEC)}
    lexicon = _lexicon(c)
    cues = _cues(c)
    dialog = _dialog(c, dimensions)
    chat = _chat(c)
    _cross_check(c, sources, faq, dimensions, tasks, smalltalk, out_of_scope, cues, chat)
    if c.problems:
        raise KnowledgeError(c.problems)
    return KnowledgeBase(root, sources, faq, dimensions, tasks, smalltalk, out_of_scope, lexicon,
                         cues, dialog, chat)


def _date(value: Any) -> str | None:
    return str(value) if value is not None else None


def _faq(e: dict[str, Any]) -> FaqEntry:
    return FaqEntry(
        id=e["id"], question=e["question"].strip(), short=e["short"].strip(),
        phrasings=_tuple(e["phrasings"]), answer=e["answer"].strip(),
        related=tuple(e["related"]), sources=tuple(e["sources"]),
        derived=e.get("derived", False), featured=e.get("featured", False),
        counterpart=e.get("counterpart"), simple=(e.get("simple") or "").strip() or None,
        quiz=quizblock.parse(e.get("quiz")),
    )


def _dimension(d: dict[str, Any]) -> Dimension:
    return Dimension(
        id=d["id"], name=d["name"].strip(), aliases=_tuple(d["aliases"]), bpo=d["bpo"].strip(),
        kpo=d["kpo"].strip(), explanation=d["explanation"].strip(), faq=d["faq"],
        sources=tuple(d["sources"]),
    )


def _task(t: dict[str, Any]) -> Task:
    return Task(
        id=t["id"], name=t["name"].strip(), aliases=_tuple(t["aliases"]), verdict=t["verdict"],
        reason=t["reason"].strip(), sources=tuple(t["sources"]), derived=t.get("derived", False),
        faq=t.get("faq"),
    )


def _word_list(c: _Collector, data: dict[str, Any], file: str, key: str) -> frozenset[str]:
    value = data.get(key, [])
    message = _texts(value) if value else None
    if message:
        c.problem(file, None, key, message)
        return frozenset()
    return frozenset(v.strip().lower() for v in value)


def _lexicon(c: _Collector) -> Lexicon:
    file = "synonyms.yaml"
    data = c.read(file, "synonyms") or {}
    known = {"synonyms", "stopwords", "protected", "foreign_words", "hinglish", "hinglish_markers",
             "kind_paraphrases"}
    for key in sorted(set(data) - known):
        c.problem(file, None, key, "unknown top-level key")
    return Lexicon(
        synonyms=_phrase_map(c, file, data, "synonyms"),
        stopwords=_word_list(c, data, file, "stopwords"),
        protected=_word_list(c, data, file, "protected"),
        foreign_words=_word_list(c, data, file, "foreign_words"),
        hinglish=_phrase_map(c, file, data, "hinglish"),
        hinglish_markers=_word_list(c, data, file, "hinglish_markers"),
        **_kind_paraphrases(c, file, data.get("kind_paraphrases", {})),
    )


def _kind_paraphrases(c: _Collector, file: str, raw: Any) -> dict[str, Any]:
    """`kind_paraphrases`: words naming BPO or KPO indirectly, and the nouns they come before."""
    if not isinstance(raw, dict) or set(raw) - {"bpo", "kpo", "nouns"}:
        c.problem(file, None, "kind_paraphrases", "must map bpo, kpo and nouns to lists of words")
        return {}
    lists: dict[str, tuple[str, ...]] = {}
    for key in ("bpo", "kpo", "nouns"):
        message = _texts(raw.get(key, []))
        if message:
            c.problem(file, "kind_paraphrases", key, message)
            return {}
        lists[key] = tuple(str(v).strip().lower() for v in raw.get(key, []))
    return {"kind_words": {"bpo": lists["bpo"], "kpo": lists["kpo"]}, "kind_nouns": lists["nouns"]}


def _phrase_map(c: _Collector, file: str, data: dict[str, Any], key: str) -> dict[str, tuple[str, ...]]:
    """A mapping of a canonical word to its variants, each variant owned by one word."""
    mapping: dict[str, tuple[str, ...]] = {}
    owner: dict[str, str] = {}
    raw = data.get(key, {})
    if not isinstance(raw, dict):
        c.problem(file, None, key, "must map a canonical word to a list of variants")
        raw = {}
    for canonical, variants in raw.items():
        message = _texts(variants)
        if message:
            c.problem(file, str(canonical), "variants", message)
            continue
        for variant in (str(v).strip().lower() for v in variants):
            if variant in owner and owner[variant] != canonical:
                c.problem(file, str(canonical), "variants",
                          f"'{variant}' is already a variant of '{owner[variant]}'")
            if variant in raw:
                c.problem(file, str(canonical), "variants", f"'{variant}' is itself a canonical word")
            owner[variant] = str(canonical)
        mapping[str(canonical).lower()] = tuple(str(v).strip().lower() for v in variants)
    return mapping


def _cues(c: _Collector) -> Cues:
    file = "cues.yaml"
    data = c.read(file, "cues") or {}
    for key in sorted(set(data) - {"task_markers", "cues", "min_weight", "follow_up", "task_references"}):
        c.problem(file, None, key, "unknown top-level key")
    markers = data.get("task_markers", [])
    if _texts(markers):
        c.problem(file, None, "task_markers", _texts(markers) or "")
        markers = []
    weights: dict[str, float] = {}
    raw = data.get("cues", {})
    if not isinstance(raw, dict):
        c.problem(file, None, "cues", "must map a word to a number")
        raw = {}
    for word, weight in raw.items():
        if isinstance(weight, bool) or not isinstance(weight, (int, float)):
            c.problem(file, str(word), "weight", f"must be a number, not {weight!r}")
            continue
        weights[str(word).lower()] = float(weight)
    min_weight = data.get("min_weight", 1.0)
    if isinstance(min_weight, bool) or not isinstance(min_weight, (int, float)) or min_weight <= 0:
        c.problem(file, None, "min_weight", "must be a positive number")
        min_weight = 1.0
    follow_up = data.get("follow_up", [])
    if _ids(follow_up):
        c.problem(file, None, "follow_up", _ids(follow_up) or "")
        follow_up = []
    references = data.get("task_references", [])
    if "task_references" in data and _texts(references):
        c.problem(file, None, "task_references", _texts(references) or "")
        references = []
    return Cues(tuple(m.strip().lower() for m in markers), weights, float(min_weight),
                tuple(follow_up), tuple(r.strip().lower() for r in references))


def _chat(c: _Collector) -> Chat:
    file = "conversation.yaml"
    data = c.read(file, "follow_ups") or {}
    for key in sorted(set(data) - {"follow_ups", "and_openers", "examples", "keywords", "neutral"}):
        c.problem(file, None, key, "unknown top-level key")
    follow_ups = _intents(c, file, data, "follow_ups")
    keywords = _intents(c, file, data, "keywords")
    neutral = data.get("neutral", [])
    if message := _texts(neutral):
        c.problem(file, None, "neutral", message)
        neutral = []
    openers = data.get("and_openers", [])
    if message := _texts(openers):
        c.problem(file, None, "and_openers", message)
        openers = []
    examples = data.get("examples", {})
    if not isinstance(examples, dict) or set(examples) != set(VERDICTS) \
            or not all(isinstance(v, str) for v in examples.values()):
        c.problem(file, None, "examples", "must map BPO and KPO to an FAQ id each")
        examples = {}
    return Chat(follow_ups, _tuple(openers), dict(examples), keywords, _tuple(neutral))


def _intents(c: _Collector, file: str, data: dict[str, Any], key: str) -> dict[str, tuple[str, ...]]:
    """A mapping of follow-up intents to lists of phrases or words."""
    raw = data.get(key, {})
    if not isinstance(raw, dict):
        c.problem(file, None, key, "must map an intent to a list of phrases")
        return {}
    out: dict[str, tuple[str, ...]] = {}
    for intent, phrases in raw.items():
        if intent not in FOLLOW_UPS:
            c.problem(file, str(intent), key, f"unknown follow-up; known: {', '.join(FOLLOW_UPS)}")
        elif message := _texts(phrases):
            c.problem(file, str(intent), key, message)
        else:
            out[intent] = _tuple(phrases)
    return out


def _number(value: Any) -> str | None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    return None if ok else f"must be a number, not {value!r}"


def _share(value: Any) -> str | None:
    return _number(value) or (None if 0 <= value < 1 else "must be at least 0 and below 1")


QUESTION_SPEC: Spec = {"id": (_text, True), "text": (_short(120), True), "dimension": (_text, True),
                       "options": (lambda v: None if isinstance(v, list) and len(v) >= 2
                                   else "must be a list of at least 2 options", True)}
OPTION_SPEC: Spec = {"id": (_text, True), "label": (_short(40), True), "weight": (_number, True),
                     "reason": (_short(120), True)}


def _dialog(c: _Collector, dimensions: Mapping[str, Dimension]) -> Dialog:
    file = "dialog.yaml"
    data = c.read(file, "questions") or {}
    for key in sorted(set(data) - {"questions", "prior_weight", "in_between"}):
        c.problem(file, None, key, "unknown top-level key")
    settings = {"prior_weight": (_number, 2.0), "in_between": (_share, 0.25)}
    values: dict[str, float] = {}
    for key, (checker, default) in settings.items():
        message = checker(data.get(key, default))
        if message:
            c.problem(file, None, key, message)
        values[key] = default if message else float(data.get(key, default))
    questions: list[DialogQuestion] = []
    for q in c.entries(file, "questions", QUESTION_SPEC) if data else []:
        if q["dimension"] not in dimensions:
            c.problem(file, q["id"], "dimension", f"unknown dimension id '{q['dimension']}'")
        seen: set[str] = set()
        options = [o for n, o in enumerate(q["options"])
                   if c.entry_ok(file, n, o, OPTION_SPEC, seen)]
        questions.append(DialogQuestion(q["id"], q["text"].strip(), q["dimension"], tuple(
            DialogOption(o["id"], o["label"].strip(), float(o["weight"]), o["reason"].strip())
            for o in options)))
    if data and not 3 <= len(questions) <= 9:
        c.problem(file, None, "questions", "needs 3 to 9 questions")
    return Dialog(tuple(questions), values["prior_weight"], values["in_between"])


def _cross_check(c: _Collector, sources: Mapping[str, Source], faq: Mapping[str, FaqEntry],
                 dimensions: Mapping[str, Dimension], tasks: Mapping[str, Task],
                 smalltalk: Mapping[str, SmallTalk], out_of_scope: Mapping[str, OutOfScope],
                 cues: Cues, chat: Chat) -> None:
    """References between files, and phrasings claimed by two entries."""
    for file, items in (("faq.yaml", faq), ("dimensions.yaml", dimensions), ("tasks.yaml", tasks)):
        for item in items.values():
            for source in item.sources:
                if source not in sources:
                    c.problem(file, item.id, "sources", f"unknown source id '{source}'")
    for entry in faq.values():
        if entry.counterpart is not None and entry.counterpart not in faq:
            c.problem("faq.yaml", entry.id, "counterpart", f"unknown FAQ id '{entry.counterpart}'")
        for ref in entry.related:
            if ref not in faq:
                c.problem("faq.yaml", entry.id, "related", f"unknown FAQ id '{ref}'")
            elif ref == entry.id:
                c.problem("faq.yaml", entry.id, "related", "an entry cannot be related to itself")
    for kind, ref in chat.examples.items():
        if ref not in faq:
            c.problem("conversation.yaml", kind, "examples", f"unknown FAQ id '{ref}'")
    for ref in cues.follow_up:
        if ref not in faq:
            c.problem("cues.yaml", None, "follow_up", f"unknown FAQ id '{ref}'")
    for dim in dimensions.values():
        if dim.faq not in faq:
            c.problem("dimensions.yaml", dim.id, "faq", f"unknown FAQ id '{dim.faq}'")
    for task in tasks.values():
        if task.faq is not None and task.faq not in faq:
            c.problem("tasks.yaml", task.id, "faq", f"unknown FAQ id '{task.faq}'")
    for topic in out_of_scope.values():
        for ref in topic.instead:
            if ref not in faq:
                c.problem("out_of_scope.yaml", topic.id, "instead", f"unknown FAQ id '{ref}'")
    _unique_phrasings(c, _phrasing_owners(faq, tasks, smalltalk, out_of_scope))


def _phrasing_owners(faq: Mapping[str, FaqEntry], tasks: Mapping[str, Task],
                     smalltalk: Mapping[str, SmallTalk],
                     out_of_scope: Mapping[str, OutOfScope]) -> Iterator[tuple[str, str, str, str]]:
    """(file, entry id, field, phrasing) for every phrasing users could type."""
    for e in faq.values():
        yield "faq.yaml", e.id, "question", e.question
        for p in e.phrasings:
            yield "faq.yaml", e.id, "phrasings", p
    for t in tasks.values():
        yield "tasks.yaml", t.id, "name", t.name
        for p in t.aliases:
            yield "tasks.yaml", t.id, "aliases", p
    for s in smalltalk.values():
        for p in s.phrasings:
            yield "smalltalk.yaml", s.id, "phrasings", p
    for o in out_of_scope.values():
        for p in o.phrasings:
            yield "out_of_scope.yaml", o.id, "phrasings", p


def _shown(path: Path) -> str:
    """A knowledge file as problems name it: relative to the working folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _unique_phrasings(c: _Collector, owners: Iterable[tuple[str, str, str, str]]) -> None:
    seen: dict[tuple[str, str], tuple[str, str]] = {}
    within: set[tuple[str, str, str]] = set()
    for file, entry, field_name, phrasing in owners:
        key = " ".join(re.findall(r"\w+", phrasing.lower()))
        group = "tasks" if file == "tasks.yaml" else "questions"
        if (file, entry, field_name + key) in within:
            c.problem(file, entry, field_name, f"phrasing '{phrasing}' is repeated in this entry")
        within.add((file, entry, field_name + key))
        if (group, key) in seen and seen[(group, key)] != (file, entry):
            first_file, first_entry = seen[(group, key)]
            c.problem(file, entry, field_name,
                      f"duplicate phrasing '{phrasing}' (also in {first_file}, entry '{first_entry}')")
        seen.setdefault((group, key), (file, entry))
