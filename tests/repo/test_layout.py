"""The promises the repository makes to a newcomer: layout, recipes, the two README commands."""

from __future__ import annotations

import ast
import functools
import importlib.util
import re
import shutil
import subprocess
import sys
import tomllib
from importlib.metadata import distribution, packages_distributions
from pathlib import Path

from warehouse.config import REPO_ROOT

OWN_PACKAGES = ("generator", "warehouse", "ml", "app")

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


def test_lint_fails_on_findings_and_ci_runs_it() -> None:
    recipe = subprocess.run(
        [_just(), "--show", "lint"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    assert "ruff format --check" in recipe.stdout and "|| true" not in recipe.stdout, recipe.stdout
    ci_lines = (REPO_ROOT / ".ci" / "run").read_text().splitlines()
    assert "just lint" in ci_lines, ".ci/run must run `just lint` as a command of its own"


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared_dependencies() -> set[str]:
    """Distribution names in pyproject.toml (runtime + dev), normalised, extras dropped."""
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    wanted = project["dependencies"] + project["optional-dependencies"]["dev"]
    return {_normalized(re.split(r"[<>=\[ ;]", requirement)[0]) for requirement in wanted}


def test_every_dependency_is_pinned() -> None:
    pins = {}
    for line in (REPO_ROOT / "constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"constraints.txt line {line!r} is not pinned with =="
            pins[_normalized(name)] = version
    for name in _declared_dependencies():
        assert name in pins, f"{name} is a dependency but has no pin in constraints.txt"
    assert pins["dbt-core"].startswith("1.11."), "dbt-core 1.12 downloads a binary at install time"


def _imported_modules(path: Path) -> set[str]:
    """Absolute imports of one file, dotted (`from google.cloud import bigquery` -> google.cloud.bigquery)."""
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.update(f"{node.module}.{alias.name}" for alias in node.names)
    return modules


@functools.cache
def _top_level_distributions() -> dict[str, list[str]]:
    return packages_distributions()


@functools.cache
def _distribution_of(module: str) -> str | None:
    """The installed distribution that provides a module, None for the stdlib and our own code."""
    top = module.split(".")[0]
    if top in sys.stdlib_module_names or top in OWN_PACKAGES:
        return None
    candidates = _top_level_distributions().get(top, [])
    if len(candidates) == 1:
        return _normalized(candidates[0])
    # a namespace package (google.*): find the distribution that ships the module's file
    parts = module.split(".")
    for end in range(len(parts), 1, -1):
        try:
            spec = importlib.util.find_spec(".".join(parts[:end]))
        except (ImportError, ValueError):
            continue
        if spec is not None and spec.origin:
            for name in candidates:
                dist = distribution(name)
                shipped = Path(spec.origin).relative_to(Path(dist.locate_file("")).resolve()).as_posix()
                if any(str(f) == shipped for f in dist.files or []):
                    return _normalized(name)
    # no installed distribution ships it: stubs generated at test time (zetasql.*), or not installed
    return _normalized(candidates[0]) if candidates else None


def test_every_imported_package_is_declared() -> None:
    """A package our code imports is declared in pyproject.toml, not just installed by another one."""
    declared = _declared_dependencies()
    undeclared = {}
    for package in (*OWN_PACKAGES, "tests"):
        for path in sorted((REPO_ROOT / package).rglob("*.py")):
            for module in _imported_modules(path):
                dist = _distribution_of(module)
                local = (path.parent / f"{module.split('.')[0]}.py").exists()  # tests' helper modules
                if dist and not local and dist not in declared:
                    undeclared.setdefault(dist, str(path.relative_to(REPO_ROOT)))
    assert not undeclared, f"imported but not declared in pyproject.toml (first importer): {undeclared}"


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
