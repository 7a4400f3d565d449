"""Every quarantine reason code the dbt project can write has a pt-BR label on the quality page."""

from __future__ import annotations

import re
from pathlib import Path

from app.reasons import reason_label

DBT = Path(__file__).resolve().parents[2] / "cs_ops_dbt"


def reason_codes() -> set[str]:
    """The codes written by the models and macros: literal `then '<code>'` / `'<code>' as reason`
    and the ones the reason macros build from a column name."""
    codes: set[str] = set()
    for path in [*DBT.glob("models/**/*.sql"), *DBT.glob("macros/business/*.sql")]:
        sql = path.read_text(encoding="utf-8")
        codes |= set(re.findall(r"then '([a-z]+(?:_[a-z]+)+)'", sql))
        codes |= set(re.findall(r"'([a-z]+_[a-z_]+)'\)\]", sql))  # classify_records checks
        for name in re.findall(r"cs_id_reason\('[^']+', '([a-z_]+)'\)", sql):
            codes |= {f"missing_{name}", f"invalid_{name}"}
        for name in re.findall(r"cs_id_problem\('([a-z_]+)_raw'\) = 'invalid'", sql):
            codes.add(f"invalid_{name}")
        for name in re.findall(r"cs_enum_reason\('[^']+', '[^']+', '([a-z_]+)'\)", sql):
            codes.add(f"invalid_{name}")
        for name, rest in re.findall(r"cs_date_reason\('[^']+', '[^']+', '([a-z_]+)'([^}]*)\}\}", sql):
            codes |= {f"invalid_{name}", f"implausible_{name}"}
            if "required=false" not in rest:
                codes.add(f"missing_{name}")
        if "cs_money_reason" in sql:
            codes |= {"missing_money", "ambiguous_money", "invalid_money"}
    prefixes = ("missing_", "invalid_", "implausible_", "ambiguous_", "orphan_", "future_", "negative_",
                "absurd_", "score_", "end_before_", "customer_")  # fmt: skip
    return {code for code in codes if code.startswith(prefixes)}


def test_every_reason_code_has_a_portuguese_label() -> None:
    codes = reason_codes()
    expected = {"missing_customer_id", "ambiguous_money", "implausible_cancelled_date", "orphan_contract",
                "customer_quarantined"}  # fmt: skip
    assert expected <= codes
    unlabelled = sorted(code for code in codes if reason_label(code) == code)
    assert not unlabelled, unlabelled


def test_labels_read_as_words() -> None:
    assert reason_label("ambiguous_money").startswith("Valor monetário ambíguo")
    assert reason_label("implausible_signup_date") == "Data de cadastro fora da janela plausível"
    assert reason_label("missing_customer_id", "en") == "Customer id missing"
    assert reason_label("customer_quarantined").startswith("Cliente em quarentena")
    assert reason_label("something_new") == "something_new"
