"""`kpo-bot report`: what users ask, what the bot could not answer, and what to add next.

Reads the question log (read-only) and prints readable tables, JSON or CSV:
most asked entries, unanswered and fallback questions grouped by similarity,
entries with the most 👎, and the suggestions users picked (each a candidate
new phrasing for that entry).
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from rapidfuzz import fuzz, process

from bot.questionlog import DAY

GROUP_SIMILARITY = 80.0
"""token_set_ratio at which two unanswered questions count as the same question."""


@dataclass
class Report:
    """The report's tables."""

    since_days: float
    questions: int = 0
    most_asked: list[dict[str, object]] = field(default_factory=list)
    unanswered: list[dict[str, object]] = field(default_factory=list)
    disliked: list[dict[str, object]] = field(default_factory=list)
    picked: list[dict[str, object]] = field(default_factory=list)


def build(db: Path, since_days: float = 30.0, now: float | None = None) -> Report:
    """Read the log and build the report; an empty report when there is no log yet."""
    report = Report(since_days)
    if not db.exists():
        return report
    since = (now or time.time()) - since_days * DAY
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        report.questions = conn.execute(
            "SELECT COUNT(*) FROM questions WHERE ts >= ?", (since,)).fetchone()[0]
        report.most_asked = _rows(conn, (
            "SELECT entry, COUNT(*) AS asked FROM questions WHERE ts >= ? AND outcome = 'answer'"
            " GROUP BY entry ORDER BY asked DESC, entry LIMIT 15"), since)
        unanswered = conn.execute(
            "SELECT text, outcome FROM questions WHERE ts >= ? AND outcome IN"
            " ('fallback', 'suggestions') AND picked IS NULL", (since,)).fetchall()
        report.unanswered = group_similar(unanswered)
        report.disliked = _rows(conn, (
            "SELECT entry, SUM(vote = -1) AS down, SUM(vote = 1) AS up FROM feedback"
            " WHERE ts >= ? GROUP BY entry HAVING down > 0 ORDER BY down DESC, entry LIMIT 15"), since)
        report.picked = _rows(conn, (
            "SELECT picked AS entry, text AS asked, COUNT(*) AS times FROM questions"
            " WHERE ts >= ? AND picked IS NOT NULL GROUP BY picked, text"
            " ORDER BY times DESC, entry LIMIT 30"), since)
    return report


def _rows(conn: sqlite3.Connection, sql: str, since: float) -> list[dict[str, object]]:
    cursor = conn.execute(sql, (since,))
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def group_similar(rows: list[tuple[str, str]]) -> list[dict[str, object]]:
    """Questions grouped when rapidfuzz finds them alike, biggest group first."""
    groups: list[tuple[str, Counter[str]]] = []  # (example, outcomes)
    texts: list[str] = []
    for text, outcome in sorted(rows):
        found = process.extractOne(text, texts, scorer=fuzz.token_set_ratio,
                                   score_cutoff=GROUP_SIMILARITY) if texts else None
        if found is None:
            texts.append(text)
            groups.append((text, Counter({outcome: 1})))
        else:
            groups[found[2]][1][outcome] += 1
    groups.sort(key=lambda g: (-g[1].total(), g[0]))
    return [{"example": example, "count": outcomes.total(),
             "outcomes": ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items()))}
            for example, outcomes in groups[:20]]


TABLES = (
    ("most_asked", "Most asked entries", ("entry", "asked")),
    ("unanswered", "Unanswered and fallback questions, grouped", ("example", "count", "outcomes")),
    ("disliked", "Entries with the most 👎", ("entry", "down", "up")),
    ("picked", "Suggestions users picked (candidate new phrasings)", ("entry", "times", "asked")),
)


def as_text(report: Report) -> str:
    """Readable tables."""
    out = [f"{report.questions} question(s) in the last {report.since_days:g} day(s)"]
    for key, title, columns in TABLES:
        rows = getattr(report, key)
        out += ["", title]
        out += [_table(rows, columns)] if rows else ["  (none)"]
    return "\n".join(out)


def _table(rows: list[dict[str, object]], columns: tuple[str, ...]) -> str:
    cells = [[str(r.get(c, "")) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]

    def line(values: list[str]) -> str:
        return "  " + "  ".join(v.ljust(w) for v, w in zip(values, widths, strict=True))

    return "\n".join([line(list(columns)), line(["-" * w for w in widths]), *map(line, cells)])


def as_json(report: Report) -> str:
    """The report as one JSON object."""
    return json.dumps(asdict(report), ensure_ascii=False, indent=2)


def as_csv(report: Report) -> str:
    """Every table as CSV rows: table, then its columns."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["table", "entry_or_example", "count", "detail"])
    for key, _, columns in TABLES:
        for row in getattr(report, key):
            values = [row.get(c, "") for c in columns]
            writer.writerow([key, *values, *[""] * (3 - len(values))][:4])
    return buffer.getvalue()


FORMATS = {"text": as_text, "json": as_json, "csv": as_csv}
