"""The comparison picture: how long drawing it takes and how large the PNG is.

    .venv/bin/python benchmarks/picture.py

Prints a table; it is not a test. The bot draws the picture once per knowledge
version, in a worker thread, and uploads it to Telegram once; every later send
names Telegram's file_id. So these figures are paid once per start (or /reload),
on the first "as a picture" press: layout (wrapping every cell for each
dimension-column width tried), drawing and PNG encoding.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.cards import comparison_picture  # noqa: E402
from bot.knowledge import load  # noqa: E402
from bot.picture import draw, encode, layout, png_size, render_png  # noqa: E402
from bot.render import Renderer  # noqa: E402

ROUNDS = 7


def timed(step: Callable[[], object]) -> float:
    began = time.perf_counter()
    step()
    return time.perf_counter() - began


def main() -> int:
    table = comparison_picture(load(), Renderer()).table
    first = timed(lambda: render_png(table))  # fonts loaded on the way
    steps: dict[str, list[float]] = {"layout": [], "draw": [], "PNG encoding": [], "render_png, all three": []}
    for _ in range(ROUNDS):
        steps["layout"].append(timed(lambda: layout(table)))
        plan = layout(table)
        steps["draw"].append(timed(partial(draw, plan)))
        image = draw(plan)
        steps["PNG encoding"].append(timed(partial(encode, image)))
        render_png.cache_clear()
        steps["render_png, all three"].append(timed(lambda: render_png(table)))
    png = render_png(table)
    width, height = png_size(png)
    later = timed(lambda: render_png(table))
    print(f"The comparison picture: {len(table.rows)} dimensions, {width}x{height} px, "
          f"PNG {len(png) / 1000:.0f} kB (Telegram takes up to 10,000 kB)\n")
    print("| step | ms |\n|---|---:|")
    print(f"| first render in a fresh process (fonts loaded) | {first * 1000:.0f} |")
    for name, times in steps.items():
        print(f"| {name}, median of {ROUNDS} | {statistics.median(times) * 1000:.0f} |")
    print(f"| render_png again (cached bytes) | {later * 1000:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
