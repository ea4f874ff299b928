"""The comparison as a picture: readable on a phone, within Telegram's photo limits, every cell drawn."""

from __future__ import annotations

import io
import tempfile
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image, features
from telegram.constants import BotDescriptionLimit, FileSizeLimit

from bot.cards import comparison_picture
from bot.engine import Engine
from bot.knowledge import KnowledgeBase
from bot.picture import (
    MAX_SIDE,
    STYLE,
    Picture,
    Table,
    broken_words,
    layout,
    line_height,
    png_size,
    render_png,
    wrap,
)
from bot.render import Renderer
from bot.terminal import Session, buttons_of
from bot.tghtml import MAX_CAPTION_LENGTH, parse_html

MIN_TEXT_PX = 28
"""The smallest text that stays readable once a 1080 px picture fills a phone's width."""


@pytest.fixture(scope="module")
def picture(kb: KnowledgeBase) -> Picture:
    return comparison_picture(kb, Renderer())


def test_the_shipped_fonts_are_scalable() -> None:
    assert features.check("freetype2"), "Pillow without FreeType cannot draw the shipped fonts"


def test_every_dimension_is_a_row_with_all_its_words(picture: Picture, kb: KnowledgeBase) -> None:
    plan = layout(picture.table)
    assert len(plan.rows) == len(kb.dimensions)
    for band, d in zip(plan.rows, kb.dimensions.values(), strict=True):
        assert tuple(" ".join(c.lines) for c in band.cells) == (d.name, d.bpo, d.kpo)
    assert [" ".join(c.lines) for c in plan.heading.cells] == ["Compared on", "BPO", "KPO"]
    assert broken_words(plan) == 0  # no word of the shipped table is cut in two


def test_phone_sized_text_and_width(picture: Picture) -> None:
    plan = layout(picture.table)
    assert plan.width == 1080
    assert min(cell.size for cell in plan.cells) >= MIN_TEXT_PX
    assert plan.height <= MAX_SIDE  # Telegram keeps it at full resolution


def test_cells_stay_inside_their_columns_and_rows(picture: Picture) -> None:
    from bot.picture import font

    plan = layout(picture.table)
    for band in (plan.title, plan.heading, *plan.rows):
        for cell in band.cells:
            assert all(font(cell.size, cell.bold).getlength(line) <= cell.width for line in cell.lines)
            assert cell.y + len(cell.lines) * line_height(cell.size) <= band.y + band.height
    assert sum(plan.columns) == plan.width
    assert [r.y for r in plan.rows] == sorted(r.y for r in plan.rows)


def test_the_png_matches_its_layout_and_telegrams_photo_limits(picture: Picture) -> None:
    png = picture.png()
    width, height = png_size(png)
    plan = layout(picture.table)
    assert (width, height) == (plan.width, plan.height)
    assert Image.open(io.BytesIO(png)).size == (width, height)
    assert len(png) <= FileSizeLimit.PHOTOSIZE_UPLOAD
    assert width + height <= 10_000 and max(width / height, height / width) <= 20


def test_the_picture_is_drawn_once_per_table(picture: Picture) -> None:
    assert picture.png() is picture.png()
    changed = replace(picture.table, rows=picture.table.rows[:-1])
    assert changed.key != picture.table.key
    assert render_png(changed) != picture.png()


def test_the_caption_cites_the_sources_in_telegram_html(picture: Picture, kb: KnowledgeBase) -> None:
    shown = parse_html(picture.caption)
    assert len(shown) <= MAX_CAPTION_LENGTH
    for source in kb.sources.values():
        assert source.title in shown and source.title in picture.table.footer
        if source.date:
            assert source.date in shown
    assert f"{len(kb.dimensions)} ways" in shown


def test_long_words_and_long_cells_wrap_within_the_column() -> None:
    word = "Supercalifragilisticexpialidocious" * 3
    lines = wrap(f"a {word} b", 32, False, 300)
    assert "".join(lines).replace(" ", "") == f"a{word}b" and len(lines) >= 4
    table = Table("T", ("A", "B", "C"), (("x " * 200, word, ""),))
    plan = layout(table)
    assert plan.rows[0].height > 10 * line_height(STYLE.body)
    assert png_size(render_png(table)) == (plan.width, plan.height)


def test_png_size_refuses_other_bytes() -> None:
    with pytest.raises(ValueError):
        png_size(b"GIF89a" + bytes(30))


# --- in the engine and the terminal chat ------------------------------------------------


def test_the_compare_cards_offer_the_picture(engine: Engine) -> None:
    first = next(iter(engine.kb.dimensions))
    for card in (engine.comparison(), engine.press("o:compare"), engine.press(f"d:{first}")):
        assert "p:compare" in [b.data for row in card.buttons for b in row]
    reply = engine.press("p:compare")
    assert reply.kind == "picture" and reply.picture is not None and not reply.edit
    assert reply.text == reply.picture.caption
    assert engine.press("p:compare").picture is reply.picture  # one Picture per engine


@pytest.mark.parametrize("data", ["p:", "p:nope", "p:compare:x", "p:COMPARE", "P:compare", "p:compare\n"])
def test_forged_picture_presses_get_the_stale_note(engine: Engine, data: str) -> None:
    reply = engine.press(data)
    assert reply.kind == "stale" and reply.picture is None and reply.note


def test_the_profile_fits_telegrams_limits(engine: Engine) -> None:
    description, short = engine.profile()
    assert 0 < len(description) <= BotDescriptionLimit.MAX_DESCRIPTION_LENGTH
    assert 0 < len(short) <= BotDescriptionLimit.MAX_SHORT_DESCRIPTION_LENGTH
    assert "<" not in description + short, "descriptions are plain text, not HTML"
    assert "/compare" in description and "KPO" in short


def test_the_terminal_chat_saves_the_picture_and_keeps_the_choices(
        engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    session = Session(engine)
    card = session.turn("/compare")
    choice = 1 + [b.data for b in buttons_of(card)].index("p:compare")
    reply = session.turn(str(choice))
    saved = list(tmp_path.glob("*.png"))
    assert len(saved) == 1 and saved[0].read_bytes() == reply.picture.png()  # type: ignore[union-attr]
    assert str(saved[0]) in parse_html(reply.text) and "kpo-bot compare --png" in reply.text
    labels = [b.text for b in buttons_of(card)]
    second = list(engine.kb.dimensions.values())[1].name
    assert session.turn(str(1 + labels.index("Next »"))).text.startswith(f"<b>{second}</b>")


def test_the_terminal_chat_says_when_the_picture_cannot_be_saved(
        engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "missing"))
    session = Session(engine)
    reply = session.turn(str(1 + [b.data for b in buttons_of(session.turn("/compare"))].index("p:compare")))
    shown = parse_html(reply.text)
    assert "could not be saved" in shown and "kpo-bot compare --png FILE" in shown


def test_typing_picture_under_a_card_asks_for_it(engine: Engine) -> None:
    session = Session(engine)
    session.turn("/compare")
    assert session.context is not None and session.context.card
    assert engine.step_text("picture", None, 1.0, session.context)[1].kind == "picture"
    for text in ("a", "as"):  # the label's short words press nothing
        assert engine.step_text(text, None, 1.0, session.context)[1].kind != "picture"
