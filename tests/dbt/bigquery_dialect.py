"""Find SQL that real BigQuery rejects but the emulator (DuckDB underneath) accepts.

The BigQuery emulator runs DuckDB, so a DuckDB-only construct that leaked out of a
`duckdb__` macro into the prod SQL would pass every emulator run and fail on the real
service. `find_problems(sql)` scans compiled prod SQL (string literals and comments
removed first) for those constructs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

# (name, pattern, why) - patterns run on lowercase SQL without literals/comments
FORBIDDEN: list[tuple[str, str, str]] = [
    ("try_cast", r"\btry_cast\s*\(", "DuckDB; BigQuery uses safe_cast"),
    ("strptime", r"\b(try_)?strptime\s*\(", "DuckDB; BigQuery uses parse_date/parse_timestamp"),
    ("strftime", r"\bstrftime\s*\(", "DuckDB; BigQuery uses format_date/format_timestamp"),
    ("regexp_matches", r"\bregexp_matches\s*\(", "DuckDB; BigQuery uses regexp_contains"),
    ("regexp_full_match", r"\bregexp_full_match\s*\(", "DuckDB only"),
    ("strip_accents", r"\bstrip_accents\s*\(", "DuckDB only"),
    ("struct_pack", r"\bstruct_pack\s*\(", "DuckDB only"),
    ("list functions", r"\blist_[a-z_]+\s*\(", "DuckDB list functions"),
    ("generate_series", r"\bgenerate_series\s*\(", "DuckDB; BigQuery uses generate_date_array"),
    ("make_timestamp", r"\bmake_timestamp\s*\(", "DuckDB; BigQuery uses timestamp_seconds"),
    ("to_days/to_months", r"\bto_(days|months|years)\s*\(", "DuckDB interval constructors"),
    ("date_diff with unit first", r"\bdate_diff\s*\(\s*'", "DuckDB argument order"),
    ("datediff", r"\bdatediff\s*\(", "not a BigQuery function"),
    ("date_part", r"\bdate_part\s*\(", "not a BigQuery function"),
    ("ilike", r"\bilike\b", "not BigQuery"),
    ("* exclude", r"\*\s*exclude\b", "DuckDB; BigQuery uses * except"),
    ("* replace (duckdb)", r"\*\s*replace\s*\(\s*[a-z_]", None),
    (":: cast", r"::", "PostgreSQL/DuckDB cast syntax"),
    ("double-quoted identifier", r'"', 'BigQuery reads "..." as a string; identifiers use backticks'),
    (
        "DuckDB type name",
        r"\b(as|cast\s*\([^()]*\bas)\s+(varchar|double|hugeint|uhugeint|integer|bigint|smallint|tinyint|"
        r"ubigint|uinteger|real|text|timestamptz|blob|float4|float8|int4|int8)\b",
        "BigQuery types: string, int64, float64, bool (or boolean), timestamp, date, numeric",
    ),
    (
        "current_date/now",
        r"\b(current_date|now\s*\(|current_timestamp)\b",
        "the as-of date comes from load_batches",
    ),
]
FORBIDDEN = [item for item in FORBIDDEN if item[2] is not None]

_LITERALS = re.compile(
    r"""
    --[^\n]*                     # line comment
  | /\*.*?\*/                    # block comment
  | [rRbB]?'(?:\\.|[^'\\])*'     # single-quoted string (optionally raw/bytes)
  | `[^`]*`                      # backtick identifier
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    construct: str
    why: str
    text: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.construct} ({self.why}): {self.text.strip()[:120]}"


def strip_literals(sql: str) -> str:
    """Blank out comments, string literals and backtick identifiers, keeping line numbers."""

    def blank(match: re.Match) -> str:
        text = match.group(0)
        if text.startswith("`"):
            return "`" + "x" * (len(text) - 2) + "`"
        if text.startswith(("--", "/*")):
            return re.sub(r"[^\n]", " ", text)
        # a string literal keeps its quote marks (so a check can see one starts here)
        return re.sub(r"[^\n]", " ", text[:-1])[:-1] + "''" if len(text) >= 2 else text

    return _LITERALS.sub(blank, sql)


def find_problems(sql: str, file: str = "<sql>") -> list[Problem]:
    code = strip_literals(sql).lower()
    lines = sql.splitlines()
    problems = []
    for name, pattern, why in FORBIDDEN:
        seen_lines = set()
        for match in re.finditer(pattern, code):
            line = code.count("\n", 0, match.start()) + 1
            if line not in seen_lines:
                seen_lines.add(line)
                problems.append(Problem(file, line, name, why, lines[line - 1] if line <= len(lines) else ""))
    return problems


def scan_directory(root: Path) -> tuple[int, list[Problem]]:
    """Scan every .sql file under root; returns (files scanned, problems)."""
    files = sorted(root.rglob("*.sql"))
    problems: list[Problem] = []
    for path in files:
        problems += find_problems(path.read_text(encoding="utf-8"), str(path.relative_to(root)))
    return len(files), problems
