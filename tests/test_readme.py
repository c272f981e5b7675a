"""The README's commands are the ones CI runs."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEST_COMMAND = "bash scripts/setup.sh && .venv/bin/python -m pytest -q"
DEMO_COMMAND = "bash scripts/setup.sh && .venv/bin/python -m bot demo"


def test_readme_and_ci_run_the_same_test_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert TEST_COMMAND in readme.splitlines()
    assert TEST_COMMAND in ci.splitlines()
    assert DEMO_COMMAND in readme.splitlines()
