"""Where the content folders live, so the bot finds them from any working directory.

`knowledge/` and `templates/` sit at the top of the repository for editing. A wheel
maps them into the package (`bot/knowledge_data`, `bot/templates_data`, see
pyproject.toml), so a plain `pip install .` ships them; an editable install and a
source checkout read the top-level folders, so edits show on the next start.
"""

from __future__ import annotations

import os
from pathlib import Path

KNOWLEDGE_ENV = "KPO_BOT_KNOWLEDGE_DIR"
_PACKAGE = Path(__file__).resolve().parent


def _content_dir(packaged: str, top_level: str) -> Path:
    """The packaged copy when installed from a wheel, else the repository's folder."""
    inside = _PACKAGE / packaged
    return inside if inside.is_dir() else _PACKAGE.parent / top_level


def knowledge_dir() -> Path:
    """The knowledge folder: KPO_BOT_KNOWLEDGE_DIR when set, else the shipped one."""
    override = os.environ.get(KNOWLEDGE_ENV)
    return Path(override) if override else _content_dir("knowledge_data", "knowledge")


def templates_dir() -> Path:
    """The shipped templates folder."""
    return _content_dir("templates_data", "templates")
