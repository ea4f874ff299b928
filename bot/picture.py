"""The comparison as one picture: a table of dimension, BPO and KPO drawn into a PNG.

Why a picture: a student revising or an owner deciding wants the whole table at
once, to keep or to forward; a chat message shows it one dimension under another.
The picture is sized for a phone: 1080 px wide (a phone screen's width in pixels),
text of at least 28 px, long cells wrapped inside their column. Fonts ship with the
package (bot/fonts), so it looks the same on every machine.

Pure functions: a `Table` in, a `Layout` (what goes where, for tests and the
benchmark) and PNG bytes out. Drawing takes a fraction of a second, so callers on
an event loop run `render_png` in a worker thread; it is cached per table, and a
table's `key` changes whenever anything drawn changes (knowledge or wording).
"""

from __future__ import annotations

import hashlib
import io
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONTS = Path(__file__).resolve().parent / "fonts"
REGULAR, BOLD = "DejaVuSans.ttf", "DejaVuSans-Bold.ttf"
MAX_SIDE = 2560
"""Telegram keeps a photo's own pixels up to this side (its largest photo size); past
it the picture is scaled down and its text shrinks, so the table aims to stay within."""

Colour = tuple[int, int, int]


@dataclass(frozen=True)
class Table:
    """What the picture shows: a title, three column headings, a row per dimension, a footer."""

    title: str
    headings: tuple[str, str, str]
    rows: tuple[tuple[str, str, str], ...]
    footer: str = ""

    @property
    def key(self) -> str:
        """A short fingerprint of everything drawn: the picture's version."""
        return hashlib.sha256(repr(self).encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Picture:
    """A table ready to send: its caption (Telegram HTML) and file name; the PNG is drawn on first use."""

    table: Table
    caption: str
    filename: str

    @property
    def key(self) -> str:
        """The picture's version: Telegram's file_id for one upload serves every send of the same key."""
        return self.table.key

    def png(self) -> bytes:
        """The PNG bytes (drawn once per table; call it off the event loop)."""
        return render_png(self.table)


@dataclass(frozen=True)
class Style:
    """Sizes in pixels and colours; the defaults are the shipped look."""

    width: int = 1080
    body: int = 32
    heading: int = 36
    title: int = 42
    footer: int = 28
    line: float = 1.3
    """Line height as a multiple of the font size."""
    pad_x: int = 22
    pad_y: int = 18
    rule: int = 2
    first_columns: tuple[int, ...] = tuple(range(260, 400, 10))
    """Widths tried for the dimension column; the one giving the shortest table wins."""
    ink: Colour = (33, 37, 41)
    muted: Colour = (88, 96, 105)
    title_ink: Colour = (255, 255, 255)
    title_band: Colour = (29, 53, 87)
    name_ink: Colour = (29, 53, 87)
    heading_fills: tuple[Colour, Colour, Colour] = ((226, 230, 236), (214, 231, 248), (215, 240, 225))
    heading_accents: tuple[Colour, Colour, Colour] = ((120, 130, 145), (52, 120, 190), (36, 140, 90))
    stripes: tuple[Colour, Colour] = ((255, 255, 255), (243, 245, 248))
    rules: Colour = (208, 215, 222)
    background: Colour = (255, 255, 255)


STYLE = Style()


@dataclass(frozen=True)
class Cell:
    """A block of wrapped text at a place in the picture."""

    x: int
    y: int
    width: int
    """The width its lines may take (the column less its padding)."""
    text: str
    lines: tuple[str, ...]
    size: int
    bold: bool


@dataclass(frozen=True)
class Band:
    """A horizontal stretch of the picture: the title, the heading row, a body row, the footer."""

    y: int
    height: int
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class Layout:
    """Where everything goes; drawing only follows it."""

    width: int
    height: int
    columns: tuple[int, int, int]
    title: Band
    heading: Band
    rows: tuple[Band, ...]
    footer: Band | None

    @property
    def cells(self) -> tuple[Cell, ...]:
        bands = (self.title, self.heading, *self.rows, *((self.footer,) if self.footer else ()))
        return tuple(cell for band in bands for cell in band.cells)


@cache
def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    """The shipped DejaVu Sans at a pixel size."""
    return ImageFont.truetype(str(FONTS / (BOLD if bold else REGULAR)), size)


def wrap(text: str, size: int, bold: bool, width: int) -> tuple[str, ...]:
    """The text in lines no wider than `width` pixels, broken between words
    (inside a word only when the word alone is wider)."""
    face = font(size, bold)
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if face.getlength(candidate) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = ""
        for piece in _pieces(word, face, width):
            if current:
                lines.append(current)
            current = piece
    if current:
        lines.append(current)
    return tuple(lines) or ("",)


def _pieces(word: str, face: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """A word cut into parts that each fit the width (most words are one part)."""
    parts, current = [], ""
    for char in word:
        if current and face.getlength(current + char) > width:
            parts.append(current)
            current = ""
        current += char
    return [*parts, current] if current else parts


def line_height(size: int, style: Style = STYLE) -> int:
    return round(size * style.line)


def layout(table: Table, style: Style = STYLE) -> Layout:
    """The table laid out with the dimension-column width that makes it shortest
    without cutting a word in two (when some width can)."""
    options = [_layout(table, style, first) for first in style.first_columns]
    return min(options, key=lambda option: (broken_words(option), option.height))


def broken_words(plan: Layout) -> int:
    """How many words a layout cut across lines (0 when every word fits its column)."""
    return sum(len(" ".join(cell.lines).split()) - len(cell.text.split()) for cell in plan.cells)


def _layout(table: Table, style: Style, first: int) -> Layout:
    rest = style.width - first
    columns = (first, rest // 2, rest - rest // 2)
    title = _band(0, [(0, style.width, table.title, style.title, True)], style)
    y = title.height
    heading = _band(y, _row(columns, table.headings, style.heading, (True, True, True)), style)
    y += heading.height
    rows = []
    for row in table.rows:
        band = _band(y, _row(columns, row, style.body, (True, False, False)), style)
        rows.append(band)
        y += band.height
    footer = None
    if table.footer:
        footer = _band(y, [(0, style.width, table.footer, style.footer, False)], style)
        y += footer.height
    return Layout(style.width, y, columns, title, heading, tuple(rows), footer)


def _row(columns: Sequence[int], texts: Sequence[str], size: int, bold: Sequence[bool]
         ) -> list[tuple[int, int, str, int, bool]]:
    starts = [sum(columns[:i]) for i in range(len(columns))]
    return [(x, w, text, size, b) for x, w, text, b in zip(starts, columns, texts, bold, strict=True)]


def _band(y: int, blocks: Sequence[tuple[int, int, str, int, bool]], style: Style) -> Band:
    """A row of text blocks (x, width, text, size, bold), as tall as its tallest block."""
    cells = tuple(Cell(x + style.pad_x, y + style.pad_y, width - 2 * style.pad_x, text,
                       wrap(text, size, bold, width - 2 * style.pad_x), size, bold)
                  for x, width, text, size, bold in blocks)
    tallest = max(len(c.lines) * line_height(c.size, style) for c in cells)
    return Band(y, tallest + 2 * style.pad_y, cells)


def draw(plan: Layout, style: Style = STYLE) -> Image.Image:
    """The picture a layout describes."""
    image = Image.new("RGB", (plan.width, plan.height), style.background)
    pen = ImageDraw.Draw(image)
    pen.rectangle((0, 0, plan.width, plan.title.height - 1), fill=style.title_band)
    starts = [sum(plan.columns[:i]) for i in range(3)]
    heading = plan.heading
    for x, width, fill, accent in zip(starts, plan.columns, style.heading_fills, style.heading_accents,
                                      strict=True):
        pen.rectangle((x, heading.y, x + width - 1, heading.y + heading.height - 1), fill=fill)
        pen.rectangle((x, heading.y + heading.height - 6, x + width - 1, heading.y + heading.height - 1),
                      fill=accent)
    for index, band in enumerate(plan.rows):
        bottom = band.y + band.height - 1
        pen.rectangle((0, band.y, plan.width, bottom), fill=style.stripes[index % 2])
        pen.rectangle((0, bottom - style.rule + 1, plan.width, bottom), fill=style.rules)
    if plan.rows:
        top, bottom = plan.rows[0].y, plan.rows[-1].y + plan.rows[-1].height - 1
        for x in starts[1:]:
            pen.rectangle((x - style.rule // 2, top, x - style.rule // 2 + style.rule - 1, bottom), fill=style.rules)
    _text(pen, plan.title.cells, style.title_ink, style)
    _text(pen, heading.cells, style.name_ink, style)
    for band in plan.rows:
        _text(pen, band.cells[:1], style.name_ink, style)
        _text(pen, band.cells[1:], style.ink, style)
    if plan.footer is not None:
        _text(pen, plan.footer.cells, style.muted, style)
    return image


def _text(pen: ImageDraw.ImageDraw, cells: Sequence[Cell], ink: Colour, style: Style) -> None:
    for cell in cells:
        face, step = font(cell.size, cell.bold), line_height(cell.size, style)
        for number, line in enumerate(cell.lines):
            pen.text((cell.x, cell.y + number * step), line, font=face, fill=ink, anchor="la")


@lru_cache(maxsize=4)
def render_png(table: Table) -> bytes:
    """The table as PNG bytes (cached per table: one drawing per knowledge version)."""
    return encode(draw(layout(table)))


def encode(image: Image.Image) -> bytes:
    """PNG bytes at zlib's default level: a quarter of a second faster than `optimize`, for
    3% more bytes, and Telegram re-encodes the photo anyway."""
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def png_size(png: bytes) -> tuple[int, int]:
    """A PNG's width and height, read from its header."""
    if png[:8] != b"\x89PNG\r\n\x1a\n" or png[12:16] != b"IHDR":
        raise ValueError("not a PNG")
    width, height = struct.unpack(">II", png[16:24])
    return width, height
