import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_finds_nothing():
    """Unused or undefined names, import order and outdated idioms (settings in pyproject.toml)."""
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "tracker", "tests", "migrations", "wsgi.py"],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
