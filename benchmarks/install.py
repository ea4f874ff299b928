"""What `pip install .` puts on disk: a fresh virtual environment, measured.

    .venv/bin/python benchmarks/install.py

Prints a table; it is not a test. The wheel carries the int8 sentence encoder
(about 23 MB) and its tokenizer; onnxruntime is the largest dependency.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIMIT_MB = 300.0


def size_mb(folder: Path) -> float:
    """Bytes of every file below a folder, in MB."""
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file() and not f.is_symlink()) / 1e6


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        venv = Path(tmp) / "venv"
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        empty = size_mb(venv)
        began = time.perf_counter()
        subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", str(ROOT)],
                       check=True)
        took = time.perf_counter() - began
        total = size_mb(venv)
        answered = subprocess.run([str(venv / "bin" / "kpo-bot"), "ask", "what is kpo"], cwd=tmp,
                                  capture_output=True, text=True, env={"HOME": tmp, "PATH": "/usr/bin:/bin"})
        packages = sorted(((size_mb(p), p.name) for p in
                           next((venv / "lib").glob("python*")).joinpath("site-packages").iterdir()
                           if p.is_dir() and not p.name.endswith((".dist-info", "__pycache__"))),
                          reverse=True)[:6]
    print(f"`pip install .` into a fresh virtual environment ({took:.0f} s):\n")
    print("| measure | MB |\n|---|---:|")
    print(f"| empty venv | {empty:.0f} |")
    for mb, name in packages:
        print(f"| {name} | {mb:.0f} |")
    print(f"| whole venv | {total:.0f} |")
    print(f"\nlimit {LIMIT_MB:.0f} MB: {'met' if total <= LIMIT_MB else 'NOT met'}")
    works = answered.returncode == 0 and "Knowledge Process Outsourcing" in answered.stdout
    print("the installed bot answers `kpo-bot ask \"what is kpo\"` from its own files: "
          + ("yes" if works else f"NO\n{answered.stderr[-2000:]}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
