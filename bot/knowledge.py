"""The knowledge base: schema, loading and validation of the YAML files in knowledge/.

Content is data a non-programmer edits, so loading checks everything and reports
every problem at once, each naming the file, the entry and the field, instead of
failing on the first one with a traceback. The models below say what each file
holds; pydantic checks every entry against them, references to other entries
included (through the ids passed as validation context), and `_located` puts each
of its errors in those terms and in the editor's words.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar, dataclass_transform, get_args

import yaml
from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
    with_config,
)
from pydantic_core import ErrorDetails

from bot import quizblock
from bot.quizblock import QuizItem

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader when PyYAML has it: the same data, nine times faster at start-up."""
ID_PATTERN = re.compile(r"^[a-z0-9_]{1,32}$")
Verdict = Literal["BPO", "KPO"]
VERDICTS: tuple[Verdict, ...] = get_args(Verdict)
FollowUp = Literal["reason", "simpler", "example", "other_kind", "decide"]
FOLLOW_UPS: tuple[FollowUp, ...] = get_args(FollowUp)
"""What a follow-up may ask of the previous exchange (knowledge/conversation.yaml)."""
T = TypeVar("T")


@dataclass_transform(frozen_default=True, field_specifiers=(dataclasses.field,))
def _model(cls: type[T]) -> type[T]:
    """A frozen dataclass that loading validates with pydantic, refusing unknown fields.

    Plain dataclasses rather than pydantic models: code that builds entries itself (the
    benchmarks' synthetic FAQ entries, `dataclasses.replace`) is not held to the rules for
    edited YAML, and pydantic builds its validators on the first load, not at import.
    """
    return with_config(ConfigDict(extra="forbid"))(dataclasses.dataclass(frozen=True)(cls))


def _known(kind: str, what: str) -> AfterValidator:
    """A reference that must name an entry of `kind` (the ids in the validation context)."""
    def check(value: str, info: ValidationInfo) -> str:
        if isinstance(info.context, dict) and value not in info.context[kind]:
            raise ValueError(f"unknown {what} '{value}'")
        return value

    return AfterValidator(check)


def _unique_ids(items: tuple[Any, ...]) -> tuple[Any, ...]:
    """Items whose ids are all different (dialog questions, a question's options)."""
    ids = [item.id for item in items]
    if repeated := next((i for i in ids if ids.count(i) > 1), None):
        raise ValueError(f"duplicate id '{repeated}'")
    return items


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Word = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1)]
Texts = Annotated[tuple[Text, ...], Field(min_length=1)]
Words = Annotated[tuple[Word, ...], Field(min_length=1)]
Id = Annotated[str, StringConstraints(pattern=ID_PATTERN.pattern)]
FaqId = Annotated[Text, _known("faq", "FAQ id")]
SourceIds = Annotated[tuple[Annotated[Text, _known("sources", "source id")], ...], Field(min_length=1)]
PhraseMap = Mapping[Word, Words]
"""A canonical word -> its variants (knowledge/synonyms.yaml)."""


@_model
class Source:
    """A source document the knowledge base is drawn from."""

    id: Id
    title: Text
    date: Text | None = None
    subtitle: Text | None = None

    @property
    def full_title(self) -> str:
        """The title as the document shows it, with its subtitle."""
        return f"{self.title}: {self.subtitle}" if self.subtitle else self.title


@_model
class FaqEntry:
    """One question the bot answers, with the ways users phrase it."""

    id: Id
    question: Annotated[Text, Field(max_length=120)]
    short: Annotated[Text, Field(max_length=40)]
    phrasings: Annotated[tuple[Text, ...], Field(min_length=6)]
    answer: Annotated[Text, Field(max_length=3000)]
    related: tuple[FaqId, ...]
    sources: SourceIds
    derived: StrictBool = False
    featured: StrictBool = False
    counterpart: FaqId | None = None
    """The entry asking the same of the other kind (what_is_kpo <-> what_is_bpo), for
    "and for BPO?"; entries that compare both kinds have none."""
    simple: Annotated[Text, Field(max_length=600)] | None = None
    """The answer in two or three plain sentences, for "say it more simply"."""
    quiz: tuple[QuizItem, ...] = ()
    """Quiz questions on facts of the answer (the `quiz:` block, see bot/quizblock.py)."""

    @field_validator("quiz", mode="before")
    @classmethod
    def _quiz_block(cls, value: Any) -> tuple[QuizItem, ...]:
        if value is None:
            return ()
        problem = quizblock.problem(value)
        if problem is not None:
            raise ValueError(problem)
        return quizblock.parse(value)

    @field_validator("related")
    @classmethod
    def _not_itself(cls, related: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        if info.data.get("id") in related:
            raise ValueError("an entry cannot be related to itself")
        return related


@_model
class Dimension:
    """One axis on which BPO and KPO are compared."""

    id: Id
    name: Annotated[Text, Field(max_length=40)]
    aliases: Texts
    bpo: Annotated[Text, Field(max_length=120)]
    kpo: Annotated[Text, Field(max_length=120)]
    explanation: Annotated[Text, Field(max_length=300)]
    faq: FaqId
    sources: SourceIds


@_model
class Task:
    """An example task with the kind of outsourcing it usually belongs to."""

    id: Id
    name: Annotated[Text, Field(max_length=60)]
    aliases: Texts
    verdict: Verdict
    reason: Annotated[Text, Field(max_length=300)]
    sources: SourceIds
    derived: StrictBool = False
    faq: FaqId | None = None
    """The FAQ entry about this task, if one exists ("Why is a call center the classic BPO example?")."""


@_model
class SmallTalk:
    """Greetings, thanks and the like, with a short reply."""

    id: Id
    phrasings: Texts
    reply: Text
    emoji: tuple[Text, ...] = ()
    """Emoji that say it on their own ("🙏" for thanks), since matching drops emoji."""


@_model
class OutOfScope:
    """A near-topic subject the documents do not cover, named so the bot can say so."""

    id: Id
    phrasings: Texts
    topic: Text | None = None
    """How the decline names the subject; None for subjects far from the topic (weather,
    sport), which get the plain note that the bot only knows about KPO and BPO."""
    instead: tuple[FaqId, ...] = ()
    """FAQ ids on what the sources do say nearby (pay, skills), offered with the decline."""


@_model
class KindParaphrases:
    """Words that name BPO or KPO before one of `nouns` ("the expert firm")."""

    bpo: Words
    kpo: Words
    nouns: Words


@_model
class Lexicon:
    """Word lists the matcher uses to normalise what users type (knowledge/synonyms.yaml)."""

    synonyms: PhraseMap
    kind_paraphrases: KindParaphrases
    stopwords: frozenset[Word] = frozenset()
    protected: frozenset[Word] = frozenset()
    foreign_words: frozenset[Word] = frozenset()
    hinglish: PhraseMap = dataclasses.field(default_factory=dict)
    """English words or phrases -> the romanised Hindi that means them ("what is": "kya hai")."""
    hinglish_markers: frozenset[Word] = frozenset()
    """Words that show a message is romanised Hindi; only then is `hinglish` applied."""

    @property
    def kind_words(self) -> Mapping[str, tuple[str, ...]]:
        """"bpo"/"kpo" -> words that name that kind before one of `kind_nouns`."""
        return {"bpo": self.kind_paraphrases.bpo, "kpo": self.kind_paraphrases.kpo}

    @property
    def kind_nouns(self) -> tuple[str, ...]:
        return self.kind_paraphrases.nouns


@_model
class Cues:
    """Wording that marks a task question, and words that lean a task to BPO or KPO."""

    task_markers: Words
    cues: Mapping[Word, StrictFloat]
    min_weight: Annotated[StrictFloat, Field(gt=0)] = 1.0
    follow_up: tuple[FaqId, ...] = ()
    """FAQ ids offered as buttons after a task verdict."""
    task_references: Words = ()
    """Words that stand for a task named earlier ("payroll, is that bpo?"), where a marker expects one."""

    @property
    def weights(self) -> Mapping[str, float]:
        """Each cue word's lean: negative towards BPO, positive towards KPO."""
        return self.cues


def _both_kinds(examples: Mapping[str, str]) -> Mapping[str, str]:
    if set(examples) != set(VERDICTS):
        raise ValueError("must map BPO and KPO to an FAQ id each")
    return examples


@_model
class Chat:
    """Wording of follow-ups that only make sense with the previous exchange."""

    follow_ups: Mapping[FollowUp, Texts]
    """A `FOLLOW_UPS` intent -> the short messages that ask it ("why?" -> reason)."""
    and_openers: Texts
    """Words opening a follow-up that names something new of the same sort ("and payroll?")."""
    examples: Annotated[Mapping[str, FaqId], AfterValidator(_both_kinds)]
    """"BPO"/"KPO" -> the FAQ entry listing examples of that kind."""
    neutral: Texts
    """Words a follow-up may hold besides its intent's keywords ("explain", "again", "it")."""
    keywords: Mapping[FollowUp, Texts] = dataclasses.field(default_factory=dict)
    """A `FOLLOW_UPS` intent -> words that ask it in a message made only of such words."""
    task_reason: FaqId | None = None
    """The FAQ entry whose comparison row explains any listed task's verdict, for "why?" after one."""


@_model
class DialogOption:
    """One answer to a dialog question, leaning towards BPO (negative) or KPO (positive)."""

    id: Id
    label: Annotated[Text, Field(max_length=40)]
    weight: StrictFloat
    reason: Annotated[Text, Field(max_length=120)]


@_model
class DialogQuestion:
    """One multiple-choice step of the /classify dialog."""

    id: Id
    text: Annotated[Text, Field(max_length=120)]
    dimension: Annotated[Text, _known("dimensions", "dimension id")]
    options: Annotated[tuple[DialogOption, ...], Field(min_length=2), AfterValidator(_unique_ids)]

    def option(self, option_id: str) -> DialogOption | None:
        """The option with this id, if any."""
        return next((o for o in self.options if o.id == option_id), None)


@_model
class Dialog:
    """The /classify dialog: its questions and how answers add up to a verdict."""

    questions: Annotated[tuple[DialogQuestion, ...], Field(min_length=3, max_length=9), AfterValidator(_unique_ids)]
    prior_weight: StrictFloat = 2.0
    in_between: Annotated[StrictFloat, Field(ge=0, lt=1)] = 0.25


@dataclasses.dataclass(frozen=True)
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
    chat: Chat

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


@dataclasses.dataclass(frozen=True)
class Problem:
    """One validation problem, located by file, entry and field."""

    file: str
    entry: str | None
    field: str | None
    message: str

    def __str__(self) -> str:
        entry = f", entry '{self.entry}'" if self.entry is not None else ""
        field = f", field '{self.field}'" if self.field is not None else ""
        return f"{self.file}{entry}{field}: {self.message}"


class KnowledgeError(Exception):
    """The knowledge base is invalid; `problems` lists every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"the knowledge base has {len(problems)} problem(s):\n{lines}")


def load(folder: Path | str | None = None) -> KnowledgeBase:
    """Load and validate the knowledge folder; raise KnowledgeError listing every problem."""
    from bot.paths import knowledge_dir

    root = Path(folder) if folder is not None else knowledge_dir()
    if not root.is_dir():
        raise KnowledgeError([Problem(str(root), None, None, "knowledge folder not found")])
    r = _Reader(root)
    sources, faq = r.entries("sources", Source), r.entries("faq", FaqEntry)
    dimensions, tasks = r.entries("dimensions", Dimension), r.entries("tasks", Task)
    smalltalk, out_of_scope = r.entries("smalltalk", SmallTalk), r.entries("out_of_scope", OutOfScope)
    lexicon, cues = r.whole("synonyms.yaml", "synonyms", Lexicon), r.whole("cues.yaml", "cues", Cues)
    dialog, chat = r.whole("dialog.yaml", "questions", Dialog), r.whole("conversation.yaml", "follow_ups", Chat)
    for file, entry, name, message in _repeated_phrasings(faq, tasks, smalltalk, out_of_scope):
        r.problem(file, entry, name, message)
    for entry, message in _repeated_variants(lexicon):
        r.problem("synonyms.yaml", entry, "variants", message)
    if lexicon is None or cues is None or dialog is None or chat is None or r.problems:
        raise KnowledgeError(r.problems)
    return KnowledgeBase(root, sources, faq, dimensions, tasks, smalltalk, out_of_scope, lexicon, cues, dialog, chat)


_ADAPTERS: dict[type, TypeAdapter[Any]] = {}
"""Pydantic's validator for each model, built on the first load (tens of milliseconds) and kept."""


class _Reader:
    """Reads the files and gathers problems instead of stopping at the first."""

    LISTS = ("sources", "faq", "dimensions", "tasks", "smalltalk", "out_of_scope")
    """The files that list entries with ids, under the key each file is named after."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.problems: list[Problem] = []
        self.lists = {key: self.items(key) for key in self.LISTS}
        self.known = {key: {i["id"] for i in items if isinstance(i, dict) and isinstance(i.get("id"), str)}
                      for key, items in self.lists.items()}
        """The ids in each list file, which references to entries are checked against."""

    def problem(self, file: str, entry: str | None, field: str | None, message: str) -> None:
        self.problems.append(Problem(_shown(self.root / file), entry, field, message))

    def read(self, file: str, key: str) -> dict[str, Any] | None:
        """The mapping in `file`, or None (with a problem) if it is missing, unreadable or lacks `key`."""
        try:
            loader = _LOADER((self.root / file).read_text(encoding="utf-8"))
            try:
                node = loader.get_single_node()
                for twice, line in _repeated_keys(node):
                    self.problem(file, None, twice, f"appears twice (line {line}): YAML keeps only the last")
                data = loader.construct_document(node) if node is not None else None
            finally:
                loader.dispose()
        except FileNotFoundError:
            self.problem(file, None, None, "file is missing")
            return None
        except (yaml.YAMLError, UnicodeDecodeError, OSError) as exc:
            self.problem(file, None, None, f"cannot be read: {' '.join(str(exc).split())}")
            return None
        if not isinstance(data, dict) or key not in data:
            self.problem(file, None, None, f"must be a mapping with the key '{key}'")
            return None
        return data

    def items(self, key: str) -> list[Any]:
        """The entries of the list file named after `key`, as YAML gives them."""
        data = self.read(f"{key}.yaml", key)
        if data is None:
            return []
        if unknown := sorted(map(str, set(data) - {key})):
            self.problem(f"{key}.yaml", None, None, f"unknown top-level key(s): {', '.join(unknown)}")
        if not isinstance(items := data[key], list):
            self.problem(f"{key}.yaml", None, key, "must be a list of entries")
            return []
        return items

    def entries(self, key: str, model: type[T]) -> dict[str, T]:
        """The valid entries of a list file by id; the others, and repeated ids, are reported."""
        found: dict[str, T] = {}
        labels: set[str] = set()
        for index, item in enumerate(self.lists[key]):
            label = _label(item, index)
            if label in labels:
                self.problem(f"{key}.yaml", label, "id", "duplicate id")
            elif (entry := self.valid(f"{key}.yaml", item, model, label)) is not None:
                found[label] = entry
            labels.add(label)
        return found

    def whole(self, file: str, key: str, model: type[T]) -> T | None:
        """A file that is one model (`key` is one of its fields), or None if it has problems."""
        data = self.read(file, key)
        return None if data is None else self.valid(file, data, model, None)

    def valid(self, file: str, data: Any, model: type[T], entry: str | None) -> T | None:
        """`data` validated as `model`, or None with each of pydantic's errors as a problem."""
        adapter = _ADAPTERS.get(model) or _ADAPTERS.setdefault(model, TypeAdapter(model))
        try:
            valid: T = adapter.validate_python(data, context=self.known)
        except ValidationError as exc:
            for error in exc.errors():
                self.problem(file, *_located(data, error, entry))
            return None
        return valid


def _repeated_keys(node: yaml.Node | None) -> Iterator[tuple[str, int]]:
    """(key, line) for every key that a mapping in the document holds twice."""
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, _ in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value in seen:
                yield key.value, key.start_mark.line + 1
            seen.add(key.value)
        children = [value for _, value in node.value]
    else:
        children = node.value if isinstance(node, yaml.SequenceNode) else []
    for child in children:
        yield from _repeated_keys(child)


def _label(item: Any, index: int) -> str:
    """An entry as problems name it: its id, or its place when it has no usable id."""
    name = item.get("id") if isinstance(item, dict) else None
    return name if isinstance(name, str) and name else f"#{index + 1}"


_VALUE_NAMES = {"cues": "weight", "synonyms": "variants", "hinglish": "variants"}
"""Mappings keyed by a word, which problems name as the entry, and how they name its value."""


def _located(data: Any, error: ErrorDetails, entry: str | None) -> tuple[str | None, str | None, str]:
    """(entry, field, message) of a pydantic error in `data`: the innermost entry is a list item
    (named by its id) or a key of a mapping; the field is the key below it."""
    node, field, top = data, None, entry is None and len(error["loc"]) == 1
    for part in error["loc"]:
        if isinstance(part, int):  # a list item: a mapping is an entry of its own
            node = node[part] if isinstance(node, list) and part < len(node) else None
            if isinstance(node, dict):
                entry, field = _label(node, part), None
        elif part != "[key]":  # "[key]": the error is in the key itself
            if field is None:
                field = part
            else:  # a key inside the mapping `field`
                entry, field = (part, _VALUE_NAMES[field]) if field in _VALUE_NAMES else (field, part)
            node = node.get(part) if isinstance(node, dict) else None
    return entry, field, _message(error, field, top)


_QUOTES = " (put quotes around words YAML reads as true/false/null, like on, off, yes, no)"
_MESSAGES = {
    "missing": "missing",
    "bool_type": "must be true or false",
    "float_type": "must be a number, not {input!r}",
    "string_too_long": "must be at most {max_length} characters (has {length})",
    "string_pattern_mismatch": "must match [a-z0-9_]{{1,32}}",
    "too_long": "must have at most {max_length} items (has {actual_length})",
    "literal_error": "must be {one_of}, not {input!r}",
    "greater_than": "must be more than {gt:g}",
    "greater_than_equal": "must be at least {ge:g}",
    "less_than": "must be below {lt:g}",
    "dict_type": "must be a mapping",
    "dataclass_type": "must be a mapping of fields",
    "value_error": "{error}",
}
"""Pydantic's error types in the words of someone editing YAML; others keep pydantic's words."""


def _message(error: ErrorDetails, field: str | None, top: bool) -> str:
    kind, value, ctx = error["type"], error["input"], error.get("ctx", {})
    in_list = bool(error["loc"]) and isinstance(error["loc"][-1], int)
    if kind in ("string_type", "string_too_short"):
        if in_list:
            return f"must contain only non-empty texts, not {value!r}" + (
                _QUOTES if value is None or isinstance(value, bool) else "")
        return "must be non-empty text" if value is None or isinstance(value, str) \
            else f"must be text, not {value} (put it in quotes)"
    if kind == "unexpected_keyword_argument":
        return "unknown top-level key" if top else "unknown field"
    if kind in ("tuple_type", "frozen_set_type"):
        return f"must be a list of {field}" if field in ("questions", "options") \
            else "must be a non-empty list of texts"
    if kind == "too_short" and ctx["min_length"] == 1:
        return "must be a non-empty list of texts"
    if kind == "too_short":
        return f"needs at least {ctx['min_length']} items (has {ctx['actual_length']})"
    if kind not in _MESSAGES:
        return error["msg"]
    return _MESSAGES[kind].format(input=value, length=len(str(value).strip()),
                                  one_of=str(ctx.get("expected", "")).replace("'", ""), **ctx)


def _repeated_phrasings(faq: Mapping[str, FaqEntry], tasks: Mapping[str, Task], smalltalk: Mapping[str, SmallTalk],
                        out_of_scope: Mapping[str, OutOfScope]) -> Iterator[tuple[str, str, str, str]]:
    """(file, entry, field, message) for phrasings users could type that two entries, or one twice, claim."""
    seen: dict[tuple[str, str], tuple[str, str]] = {}
    within: set[tuple[str, str, str, str]] = set()
    groups: list[tuple[str, Mapping[str, Any], tuple[str, ...]]] = [
        ("faq.yaml", faq, ("question", "phrasings")), ("tasks.yaml", tasks, ("name", "aliases")),
        ("smalltalk.yaml", smalltalk, ("phrasings",)), ("out_of_scope.yaml", out_of_scope, ("phrasings",))]
    for file, entries, fields in groups:
        group = "tasks" if file == "tasks.yaml" else "questions"
        for entry in entries.values():
            for name in fields:
                value = getattr(entry, name)
                for phrasing in (value,) if isinstance(value, str) else value:
                    key = " ".join(re.findall(r"\w+", phrasing.lower()))
                    if (file, entry.id, name, key) in within:
                        yield file, entry.id, name, f"phrasing '{phrasing}' is repeated in this entry"
                    within.add((file, entry.id, name, key))
                    first = seen.setdefault((group, key), (file, entry.id))
                    if first != (file, entry.id):
                        yield file, entry.id, name, f"duplicate phrasing '{phrasing}' (also in {first[0]}, " \
                                                     f"entry '{first[1]}')"


def _repeated_variants(lexicon: Lexicon | None) -> Iterator[tuple[str, str]]:
    """(canonical word, message) for variants owned by two words, or that are canonical words themselves."""
    for mapping in (lexicon.synonyms, lexicon.hinglish) if lexicon else ():
        owner: dict[str, str] = {}
        for canonical, variants in mapping.items():
            for variant in variants:
                if owner.setdefault(variant, canonical) != canonical:
                    yield canonical, f"'{variant}' is already a variant of '{owner[variant]}'"
                if variant in mapping:
                    yield canonical, f"'{variant}' is itself a canonical word"


def _shown(path: Path) -> str:
    """A knowledge file as problems name it: relative to the working folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
