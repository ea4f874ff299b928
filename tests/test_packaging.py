"""Packaging metadata: an SPDX license string, and the files a wheel must carry besides code."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_license_is_an_spdx_expression() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["license"] == "MIT"
    requires = project["build-system"]["requires"]
    assert any(r.replace(" ", "").startswith("setuptools>=77") for r in requires), requires


def test_the_pictures_fonts_ship_with_their_licence() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    setuptools = project["tool"]["setuptools"]
    assert "bot.fonts" in setuptools["packages"]
    listed = set(setuptools["package-data"]["bot.fonts"])
    present = {p.name for p in (ROOT / "bot" / "fonts").iterdir() if p.is_file()}
    assert present == listed, "list every file of bot/fonts in [tool.setuptools.package-data]"
    assert {"DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "LICENSE"} <= listed
    assert "Bitstream Vera" in (ROOT / "bot" / "fonts" / "LICENSE").read_text(encoding="utf-8")
    assert any(d.replace(" ", "").startswith("Pillow>=10.1") for d in project["project"]["dependencies"])
