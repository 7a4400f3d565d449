"""`ml score` writes the columns warehouse/mart_contract.yml promises the app."""

from __future__ import annotations

import pytest
import yaml

from ml.score import HISTORY_TABLE, SCORE_COLUMNS, SCORES_TABLE
from warehouse.config import REPO_ROOT


@pytest.mark.parametrize("table", [SCORES_TABLE, HISTORY_TABLE])
def test_score_columns_are_the_contract_columns(table: str) -> None:
    contract = yaml.safe_load((REPO_ROOT / "warehouse" / "mart_contract.yml").read_text(encoding="utf-8"))
    promised = contract["tables"][table]
    assert promised["written_by"] == "ml score"
    assert SCORE_COLUMNS == promised["columns"]
