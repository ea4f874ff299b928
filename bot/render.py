"""Rendering replies from templates/ into Telegram HTML.

One jinja2 Environment with autoescape on, so user text and knowledge-base text
are escaped by the template engine and never by hand; StrictUndefined, so a
misspelt variable fails in tests instead of rendering blank. Every rendered text
passes the package's Telegram-HTML checker and the 4096-character limit.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateError
from markupsafe import Markup, escape

from bot.paths import templates_dir
from bot.tghtml import MAX_CAPTION_LENGTH, MAX_MESSAGE_LENGTH, TelegramHTMLError, parse_html

_BLANK_LINES = re.compile(r"\n{3,}")
ELLIPSIS = "…"


class TemplateProblem(Exception):
    """A template or the strings file cannot be used; names the file."""


def paragraphs(text: str) -> Markup:
    """Plain answer text as Telegram HTML: escaped, '- ' lines turned into bullets."""
    lines = []
    for line in str(text).strip().splitlines():
        stripped = line.strip()
        if stripped.startswith("- "):
            lines.append(Markup("• ") + escape(stripped[2:].strip()))
        else:
            lines.append(escape(stripped))
    return Markup("\n").join(lines)


def shorten(text: str, limit: int = 80) -> str:
    """A user's text cut to `limit` characters on a word boundary, for quoting it back."""
    flat = " ".join(str(text).split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1].rsplit(" ", 1)[0] or flat[: limit - 1]
    return cut + ELLIPSIS


class Renderer:
    """Renders named templates and looks up short interface strings."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or templates_dir()
        self.env = Environment(
            loader=FileSystemLoader(str(self.folder)),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
        )
        self.env.filters["paragraphs"] = paragraphs
        self.env.filters["shorten"] = shorten
        self.strings = self._load_strings()

    def _load_strings(self) -> dict[str, str]:
        path = self.folder / "strings.yaml"
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise TemplateProblem(f"templates/strings.yaml cannot be read: {exc}") from exc
        if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
            raise TemplateProblem("templates/strings.yaml must map names to texts")
        return data

    def check(self) -> list[str]:
        """Compile every template; the problems found, each naming its file."""
        problems = []
        for name in sorted(self.env.list_templates(extensions=["j2"])):
            try:
                self.env.get_template(name)
            except TemplateError as exc:
                problems.append(f"templates/{name}: {exc}")
        return problems

    def label(self, key: str, **values: Any) -> str:
        """A short interface string (button label, popup note), plain text."""
        text = self.strings[key]
        return text.format(**values) if values else text

    def render(self, name: str, **context: Any) -> str:
        """A template rendered to Telegram HTML that Telegram will accept."""
        html = self.env.get_template(f"{name}.j2").render(label=self.label, **context)
        return fit(_BLANK_LINES.sub("\n\n", html).strip())

    def caption(self, name: str, **context: Any) -> str:
        """A template rendered as a photo's caption: Telegram HTML within 1024 characters."""
        return fit(self.render(name, **context), MAX_CAPTION_LENGTH)

    def plain(self, name: str, **context: Any) -> str:
        """A template rendered as plain text, as Telegram shows it (for a picture's own text)."""
        return parse_html(self.render(name, **context))


def fit(html: str, limit: int = MAX_MESSAGE_LENGTH) -> str:
    """The text itself when Telegram accepts its length, else cut cleanly at a paragraph."""
    if len(html) <= limit:  # parsing only removes characters, so it cannot be too long
        return html
    try:
        if len(parse_html(html)) <= limit:
            return html
    except TelegramHTMLError:
        pass
    kept: list[str] = []
    for block in html.split("\n\n"):
        candidate = "\n\n".join([*kept, block, ELLIPSIS])
        try:
            if len(parse_html(candidate)) > limit:
                break
        except TelegramHTMLError:
            break
        kept.append(block)
    if kept:
        return "\n\n".join([*kept, ELLIPSIS])
    plain = parse_html(html) if _parses(html) else html
    return str(escape(plain[: limit - 1])) + ELLIPSIS


def _parses(html: str) -> bool:
    try:
        parse_html(html)
    except TelegramHTMLError:
        return False
    return True
