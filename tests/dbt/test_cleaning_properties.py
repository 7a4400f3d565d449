"""Property-based tests of the cleaning macros (macros/cleaning), through the real engines.

The macros are compiled once by dbt itself (`dbt compile --inline`, dev and prod targets)
and then run on lists of texts (one query per Hypothesis example: planning the compiled
expressions costs ~0.5 s a query, a row almost nothing): in DuckDB (dev) and on the
BigQuery emulator (prod, marker `prod`; fewer examples). For any text, every macro gives the one
reading the spec allows (cleaning_oracle.py, from _cleaning__macros.yml) or null with the
reason: never another value. Every accepted format round-trips, and the spec's own
examples (the YAML's `meta.examples`) hold.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import cleaning_oracle as oracle
import duckdb
import pandas as pd
import pytest
import yaml
from dbt_runs import REPO, dbt
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

SPEC = REPO / "cs_ops_dbt" / "macros" / "cleaning" / "_cleaning__macros.yml"

# one column per macro under test, all reading the text column `input_text`
COLUMNS = {
    "input_text": "input_text",
    "clean_text": "{{ cs_clean_text('input_text') }}",
    "id": "{{ cs_normalize_id('input_text') }}",
    "id_problem": "{{ cs_id_problem('input_text') }}",
    "money": "{{ cs_parse_brl('input_text') }}",
    "money_problem": "{{ cs_money_problem('input_text') }}",
    "timestamp": "{{ cs_parse_timestamp('input_text') }}",
    "enum": "{{ cs_normalize_enum('input_text', cs_enum_values('invoice_status')) }}",
    "modules": "{{ cs_normalize_module_list('input_text') }}",
    "module_count": "{{ cs_module_count(cs_normalize_module_list('input_text')) }}",
    "invoice_status_mapping": "'{{ tojson(cs_enum_values(\"invoice_status\")) }}'",
    "module_mapping": "'{{ tojson(cs_enum_values(\"module\")) }}'",
}
INLINE = "select " + ", ".join(f"{sql} as {name}" for name, sql in COLUMNS.items()) + " from cleaning_input"

Evaluate = Callable[[list[str]], dict[str, dict[str, Any]]]


def compile_inline(data_dir: Path, target: str = "dev", **env: str) -> str:
    """The compiled SQL of INLINE for one target (dbt prints only the SQL with --quiet)."""
    return dbt(data_dir, "--quiet", "compile", "--inline", INLINE, target=target, **env).strip()


@pytest.fixture(scope="session")
def duckdb_eval(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Evaluate]:
    compiled = compile_inline(tmp_path_factory.mktemp("cleaning-dev"))
    sql = f"with cleaning_input as (select unnest(cast(? as varchar[])) as input_text) {compiled}"
    con = duckdb.connect()

    def evaluate(texts: list[str]) -> dict[str, dict[str, Any]]:
        return by_text(con.execute(sql, [texts]).df())

    yield evaluate
    con.close()


@pytest.fixture(scope="session")
def bigquery_eval(
    tmp_path_factory: pytest.TempPathFactory, bq_emulator: str, bq_emulator_project: str
) -> Evaluate:
    from warehouse import get_warehouse
    from warehouse.config import load_settings

    data_dir = tmp_path_factory.mktemp("cleaning-prod")
    env = {"GOOGLE_CLOUD_PROJECT": bq_emulator_project, "BIGQUERY_EMULATOR_HOST": bq_emulator}
    compiled = compile_inline(data_dir, "prod", **env)
    settings_ = load_settings({"CS_OPS_TARGET": "prod", "CS_OPS_DATA_DIR": str(data_dir), **env})
    warehouse = get_warehouse(settings_, read_only=True)
    sql = f"with cleaning_input as (select input_text from unnest(@input_texts) as input_text) {compiled}"

    def evaluate(texts: list[str]) -> dict[str, dict[str, Any]]:
        return by_text(warehouse.query(sql, {"input_texts": list(texts)}))

    return evaluate


def by_text(frame: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Result rows keyed by their input text, nulls as None."""
    rows = frame.to_dict("records")
    return {row["input_text"]: {k: (None if _is_null(v) else v) for k, v in row.items()} for row in rows}


def _is_null(value: Any) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


# ---------------------------------------------------------------- what is checked


def check_text(evaluate: Evaluate, texts: list[str]) -> None:
    got = evaluate(texts)
    for text in texts:
        assert got[text]["clean_text"] == oracle.clean_text(text), repr(text)


def check_money(evaluate: Evaluate, texts: list[str]) -> None:
    results = evaluate(texts)
    for text in texts:
        _check_money(results[text], text)


def _check_money(got: dict[str, Any], text: str) -> None:
    value, problem = oracle.money(text)
    assert got["money_problem"] == problem, (text, got["money"])
    if value is None:
        assert got["money"] is None, (text, got["money"])
    else:
        assert abs(Decimal(repr(float(got["money"]))) - value) <= Decimal("1e-9") * max(1, abs(value)), text


def check_timestamp(evaluate: Evaluate, texts: list[str]) -> None:
    results = evaluate(texts)
    for text in texts:
        got = results[text]["timestamp"]
        value, _ = oracle.timestamp(text)
        if value is None:
            assert got is None, (text, got)
        else:
            assert as_naive(got) == pd.Timestamp(value), text


def as_naive(value: Any) -> pd.Timestamp:
    stamp = pd.Timestamp(value)
    return stamp.tz_convert(None) if stamp.tzinfo else stamp


def check_id(evaluate: Evaluate, texts: list[str]) -> None:
    results = evaluate(texts)
    for text in texts:
        got = results[text]
        assert (got["id"], got["id_problem"]) == oracle.identifier(text), repr(text)


def check_enum(evaluate: Evaluate, texts: list[str]) -> None:
    results = evaluate(texts)
    for text in texts:
        got = results[text]
        mapping = json.loads(got["invoice_status_mapping"])
        assert got["enum"] == oracle.enum(text, mapping)[0], repr(text)


def check_modules(evaluate: Evaluate, texts: list[str]) -> None:
    results = evaluate(texts)
    for text in texts:
        got = results[text]
        mapping = json.loads(got["module_mapping"])
        assert got["modules"] == oracle.module_list(text, mapping)[0], repr(text)
        assert _int_or_none(got["module_count"]) == oracle.module_count(text, mapping), repr(text)


def _int_or_none(value: Any) -> int | None:
    return None if value is None else int(value)


# ---------------------------------------------------------------- hostile and valid texts

INVISIBLE = ["\u200b", "\u200d", "\ufeff", "\u00ad", "\u200e"]
SPACES = [" ", "\u00a0", "\u202f", "\t", "\n", "\u2003"]
ALPHABET = list("0123456789.,-/:TR$ aeAEçÇé") + INVISIBLE + SPACES
hostile = st.text(alphabet=ALPHABET, max_size=24)
padding = st.text(alphabet=INVISIBLE + SPACES, max_size=3)


def padded(core: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.tuples(padding, core, padding).map("".join)


money_like = padded(st.from_regex(r"\A-?(R\$ ?)?-?[0-9]{1,5}([.,][0-9]{1,4}){0,3}\Z"))
date_like = padded(
    st.from_regex(r"\A([0-9]{1,3}/[0-9]{1,3}/[0-9]{2,5}|[0-9]{3,5}-[0-9]{1,3}-[0-9]{1,3}|[0-9]{8,11})"
                  r"([ T][0-9]{1,3}:[0-9]{1,3}:[0-9]{1,3})?\Z")
)  # fmt: skip
id_like = padded(
    st.one_of(
        st.from_regex(r"\A-?[A-Za-z]{0,3}[-_. ]{0,2}-?[0-9]{0,21}\Z"),
        st.sampled_from(["NULL", "null", "None", "NaN", "nil", "undefined", "Null1"]),
    )
)
ENUM_WORDS = ["paga", "Paga", "PAGA", "em aberto", "Em  Aberto", "atrasada", "falhou", "cancelada", "pago"]
enum_like = st.lists(st.sampled_from(ENUM_WORDS + SPACES + INVISIBLE + ["é", "x"]), max_size=4).map("".join)
MODULE_WORDS = ["Fiscal", "fiscal", "BI", "rh", "Estoque", "vendas", "Marketing", ";", " ; ", ";;", ","]
module_like = st.lists(st.sampled_from(MODULE_WORDS + INVISIBLE + SPACES), max_size=6).map("".join)


def money_text(cents: int, form: str) -> str:
    """An amount (in cents) in one of the accepted formats, always with cents (unambiguous)."""
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    grouped = f"{whole:,}"
    return {
        "br": f"{sign}R$ {grouped.replace(',', '.')},{frac:02d}",
        "br_plain": f"{sign}{whole},{frac:02d}",
        "us": f"{sign}{grouped}.{frac:02d}",
        "plain": f"{sign}{whole}.{frac:02d}",
    }[form]


def date_text(moment: dt.datetime, form: str) -> str:
    return {
        "br": f"{moment.day:02d}/{moment.month:02d}/{moment.year}",
        "br_short": f"{moment.day}/{moment.month}/{moment.year}",
        "iso": f"{moment.year}-{moment.month:02d}-{moment.day:02d}",
        "br_time": f"{moment.day:02d}/{moment.month:02d}/{moment.year} {moment:%H:%M:%S}",
        "iso_time": f"{moment.year}-{moment.month:02d}-{moment.day:02d}T{moment:%H:%M:%S}",
    }[form]


def texts(strategy: st.SearchStrategy[str]) -> st.SearchStrategy[list[str]]:
    """A batch of texts for one query (NUL is no text either engine stores)."""
    return st.lists(strategy.map(lambda text: text.replace("\x00", "")), min_size=1, max_size=60, unique=True)


# ---------------------------------------------------------------- DuckDB (dev)

DEV = settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))


@DEV
@given(batch=texts(st.one_of(hostile, st.text(max_size=12))))
def test_clean_text_matches_the_spec(duckdb_eval: Evaluate, batch: list[str]) -> None:
    check_text(duckdb_eval, batch)


@DEV
@given(batch=texts(st.one_of(money_like, hostile)))
def test_money_is_the_one_reading_or_null_with_a_reason(duckdb_eval: Evaluate, batch: list[str]) -> None:
    check_money(duckdb_eval, batch)


money_formatted = st.builds(
    lambda cents, form, before, after: (cents, before + money_text(cents, form) + after),
    st.integers(-(10**13), 10**13),
    st.sampled_from(["br", "br_plain", "us", "plain"]),
    padding,
    padding,
)


@DEV
@given(batch=st.lists(money_formatted, min_size=1, max_size=60, unique_by=lambda pair: pair[1]))
def test_money_formats_round_trip(duckdb_eval: Evaluate, batch: list[tuple[int, str]]) -> None:
    results = duckdb_eval([text for _, text in batch])
    for cents, text in batch:
        assert results[text]["money_problem"] is None, repr(text)
        assert Decimal(repr(float(results[text]["money"]))) == Decimal(cents) / 100, repr(text)


@DEV
@given(batch=texts(st.one_of(date_like, hostile)))
def test_dates_are_the_one_reading_or_null(duckdb_eval: Evaluate, batch: list[str]) -> None:
    check_timestamp(duckdb_eval, batch)


def formatted_date(moment: dt.datetime, form: str, before: str, after: str) -> tuple[dt.datetime, str]:
    """(the moment the text stands for, the text) in one accepted format."""
    if form == "epoch":
        seconds = 100_000_000 + int((moment - dt.datetime(1000, 1, 1)).total_seconds()) % 9_000_000_000
        return dt.datetime(1970, 1, 1) + dt.timedelta(seconds=seconds), before + str(seconds) + after
    if "time" not in form:
        return dt.datetime(moment.year, moment.month, moment.day), before + date_text(moment, form) + after
    return moment, before + date_text(moment, form) + after


date_formatted = st.builds(
    formatted_date,
    st.datetimes(dt.datetime(1000, 1, 1), dt.datetime(9999, 12, 31, 23, 59, 59)).map(
        lambda moment: moment.replace(microsecond=0)
    ),
    st.sampled_from(["br", "br_short", "iso", "br_time", "iso_time", "epoch"]),
    padding,
    padding,
)


@DEV
@given(batch=st.lists(date_formatted, min_size=1, max_size=60, unique_by=lambda pair: pair[1]))
def test_date_formats_round_trip(duckdb_eval: Evaluate, batch: list[tuple[dt.datetime, str]]) -> None:
    results = duckdb_eval([text for _, text in batch])
    for moment, text in batch:
        assert as_naive(results[text]["timestamp"]) == pd.Timestamp(moment), repr(text)


@DEV
@given(batch=texts(st.one_of(id_like, hostile)))
def test_ids_are_kept_as_sent_or_null_with_a_reason(duckdb_eval: Evaluate, batch: list[str]) -> None:
    check_id(duckdb_eval, batch)


def plain_ids_around_the_digit_limit(max_digits: int = 18) -> list[str]:
    """PREFIX-digits ids (the form most rows take) with every split of leading zeros and
    other digits, from a few digits under the limit to a few over it, all zeros included."""
    ids = []
    for digits in range(max_digits - 3, max_digits + 4):
        for zeros in range(digits + 1):
            ids.append("CLI-" + "0" * zeros + "7" * (digits - zeros))
            ids.append("usr-" + "0" * zeros + "1" + "0" * (digits - zeros - 1))
    return sorted({text for text in ids if not text.endswith("-")})


def test_plain_ids_at_the_digit_limit(duckdb_eval: Evaluate) -> None:
    check_id(duckdb_eval, plain_ids_around_the_digit_limit())


@DEV
@given(batch=texts(st.one_of(enum_like, hostile)))
def test_enums_map_to_one_canonical_value_or_null(duckdb_eval: Evaluate, batch: list[str]) -> None:
    check_enum(duckdb_eval, batch)


@DEV
@given(batch=texts(st.one_of(module_like, hostile)))
def test_module_lists_are_complete_or_unknown(duckdb_eval: Evaluate, batch: list[str]) -> None:
    check_modules(duckdb_eval, batch)


def test_a_module_named_twice_is_licensed_once(duckdb_eval: Evaluate) -> None:
    counts = {"rh;rh": 1, " Fiscal ; BI;FISCAL\u200b": 2, "bi": 1, "Fiscal;;BI": None, "": None}
    got = duckdb_eval(list(counts))
    assert {text: _int_or_none(got[text]["module_count"]) for text in counts} == counts


def spec_examples() -> list[Any]:
    """(column, text, value, problem) for every example of _cleaning__macros.yml."""
    column = {
        "cs_clean_text": "clean_text",
        "cs_normalize_id": "id",
        "cs_parse_brl": "money",
        "cs_parse_timestamp": "timestamp",
        "cs_normalize_enum": "enum",
        "cs_normalize_module_list": "modules",
    }
    cases = []
    for macro in yaml.safe_load(SPEC.read_text(encoding="utf-8"))["macros"]:
        examples = macro.get("meta", {}).get("examples", {})
        for kept in examples.get("kept", []):
            cases.append((column[macro["name"]], kept["text"], kept["value"], None))
        for rejected in examples.get("rejected", []):
            cases.append((column[macro["name"]], rejected["text"], None, rejected["problem"]))
    return cases


def test_the_spec_examples_hold(duckdb_eval: Evaluate) -> None:
    cases = spec_examples()
    results = duckdb_eval(sorted({text for _, text, _, _ in cases}))
    wrong = []
    for column, text, value, problem in cases:
        got = results[text][column]
        if value is None:
            problem_column = f"{column}_problem"
            if got is not None or results[text].get(problem_column, problem) != problem:
                wrong.append((column, text, got, results[text].get(problem_column)))
        elif column == "timestamp":
            if as_naive(got) != pd.Timestamp(value):
                wrong.append((column, text, got))
        elif column == "money":
            if got is None or abs(float(got) - float(value)) > 1e-9:
                wrong.append((column, text, got))
        elif got != value:
            wrong.append((column, text, got))
    assert len(cases) > 40 and not wrong, wrong


def test_the_spec_covers_every_column_kind() -> None:
    kinds = {
        part.strip()
        for macro in yaml.safe_load(SPEC.read_text(encoding="utf-8"))["macros"]
        for part in str(macro.get("meta", {}).get("kind", "")).split(",")
    }
    assert {"money", "date", "timestamp", "cnpj", "email", "enum", "id", "integer", "list"} <= kinds


# ---------------------------------------------------------------- BigQuery emulator (prod)

PROD = settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))


@pytest.mark.prod
@PROD
@given(batch=texts(st.one_of(money_like, hostile)))
def test_prod_money_is_the_one_reading_or_null(bigquery_eval: Evaluate, batch: list[str]) -> None:
    check_money(bigquery_eval, batch)


@pytest.mark.prod
@PROD
@given(batch=texts(st.one_of(date_like, hostile)))
def test_prod_dates_are_the_one_reading_or_null(bigquery_eval: Evaluate, batch: list[str]) -> None:
    check_timestamp(bigquery_eval, batch)


@pytest.mark.prod
@PROD
@given(batch=texts(st.one_of(id_like, enum_like, module_like, hostile)))
def test_prod_ids_enums_lists_and_text(bigquery_eval: Evaluate, batch: list[str]) -> None:
    check_text(bigquery_eval, batch)
    check_id(bigquery_eval, batch)
    check_enum(bigquery_eval, batch)
    check_modules(bigquery_eval, batch)


@pytest.mark.prod
def test_prod_spec_examples_match_dev(duckdb_eval: Evaluate, bigquery_eval: Evaluate) -> None:
    texts_ = sorted({text for _, text, _, _ in spec_examples()})
    dev, prod = duckdb_eval(texts_), bigquery_eval(texts_)
    for text in texts_:
        for column in ("clean_text", "id", "id_problem", "money", "money_problem", "enum", "modules",
                       "module_count"):  # fmt: skip
            assert dev[text][column] == prod[text][column], (column, repr(text))
        assert (dev[text]["timestamp"] is None) == (prod[text]["timestamp"] is None), repr(text)
