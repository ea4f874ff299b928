"""Shared fixtures: the shipped knowledge base and an engine over it, built once."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.engine import Engine
from bot.knowledge import KnowledgeBase, load
from bot.paths import knowledge_dir

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return load()


@pytest.fixture(scope="session")
def engine(kb: KnowledgeBase) -> Engine:
    return Engine(kb)


@pytest.fixture()
def kb_copy(tmp_path: Path) -> Path:
    """A writable copy of the shipped knowledge folder, for breaking on purpose."""
    target = tmp_path / "knowledge"
    shutil.copytree(knowledge_dir(), target)
    return target
