"""The promises the repository makes to a newcomer: layout, recipes, the two README commands."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from warehouse.config import REPO_ROOT

REQUIRED_RECIPES = {
    "dev",
    "prod",
    "generate",
    "load",
    "transform",
    "train",
    "score",
    "app",
    "test",
    "bench",
    "lint",
    "emulator",
    "docs",
    "report",
}


def _just() -> str:
    local = Path(sys.executable).with_name("just")
    return str(local) if local.exists() else (shutil.which("just") or "just")


def test_top_level_layout() -> None:
    for name in ["generator", "warehouse", "cs_ops_dbt", "ml", "app", "tests", ".ci"]:
        assert (REPO_ROOT / name).is_dir(), name
    for name in ["profiles.yml", "justfile", "README.md", "pyproject.toml", "constraints.txt", ".ci/run"]:
        assert (REPO_ROOT / name).is_file(), name


def test_every_recipe_is_listed_with_a_description() -> None:
    listing = subprocess.run([_just(), "--list"], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    described = {}
    for line in listing.stdout.splitlines()[1:]:
        match = re.match(r"\s+(\S+)(?:\s+\*?\w+)*\s+# (.+)", line)
        if match:
            described[match.group(1)] = match.group(2)
    missing = REQUIRED_RECIPES - set(described)
    assert not missing, f"recipes without a one-line comment or missing: {missing}"


def test_readme_opens_with_the_two_commands_and_ci_runs_the_test_one() -> None:
    readme = (REPO_ROOT / "README.md").read_text()
    blocks = re.findall(r"```bash\n(.+?)\n```", readme, flags=re.S)
    run_command = next(b for b in blocks if b.strip().endswith("just dev"))
    test_command = next(b for b in blocks if b.strip().endswith("just test"))
    assert readme.index(run_command) < readme.index("## The one flag"), "the commands come first"
    ci = (REPO_ROOT / ".ci" / "run").read_text()
    assert test_command.strip() in ci, ".ci/run must run the README's test command exactly"
    assert "Como executar" in readme


def test_every_dependency_is_pinned() -> None:
    pins = {}
    for line in (REPO_ROOT / "constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"constraints.txt line {line!r} is not pinned with =="
            pins[name.lower().replace("_", "-")] = version
    import tomllib

    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    wanted = project["dependencies"] + project["optional-dependencies"]["dev"]
    for requirement in wanted:
        name = re.split(r"[<>=\[ ]", requirement)[0].lower().replace("_", "-")
        assert name in pins, f"{name} is a dependency but has no pin in constraints.txt"
    assert pins["dbt-core"].startswith("1.11."), "dbt-core 1.12 downloads a binary at install time"


def test_generated_things_are_ignored_by_git() -> None:
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=REPO_ROOT, capture_output=True, text=True
    ).stdout.split()
    if not tracked:  # not a git checkout (e.g. an sdist): nothing to check
        return
    bad = [
        p
        for p in tracked
        if p.endswith((".duckdb", ".parquet", ".skops", ".pkl", ".joblib")) or p.startswith("data/")
    ]
    assert not bad, f"generated artefacts are tracked: {bad}"
