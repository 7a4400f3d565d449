"""A small customer table shaped like the public telecom churn tables (not generator output).

One row per customer, no dates, the label as Yes/No text, and a numeric column stored as text
with a blank (' ') for new customers — the three things a real public table brought up. Churn
depends on the contract, tenure, charges, support and payment method through a logistic hazard.

    python tests/ml/public_like_table.py clientes.csv [rows]   # writes the CSV and its spec
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

SPEC = """\
# Spec for the public-like table: one row per customer, no time column -> stratified holdout
name: churn_assinaturas
id_column: customer_id
label_column: Churn                 # Yes/No
value_column: MonthlyCharges        # revenue at risk
numeric: [tenure, MonthlyCharges, TotalCharges, SeniorCitizen]
categorical: [Contract, InternetService, TechSupport, PaymentMethod, PaperlessBilling, Partner]
levers: {TechSupport: 0, Contract: 0, PaymentMethod: 0}   # what a CSM can change
risk_tiers: {alto: 0.5, médio: 0.2, baixo: 0.0}
"""


def make_table(rows: int = 2000, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    contract = rng.choice(["Month-to-month", "One year", "Two year"], rows, p=[0.55, 0.21, 0.24])
    internet = rng.choice(["DSL", "Fiber optic", "No"], rows, p=[0.34, 0.44, 0.22])
    support = np.where(
        internet == "No", "No internet service", rng.choice(["Yes", "No"], rows, p=[0.35, 0.65])
    )
    payment = rng.choice(
        ["Electronic check", "Mailed check", "Bank transfer (automatic)", "Credit card (automatic)"],
        rows,
        p=[0.34, 0.23, 0.22, 0.21],
    )
    long_contract = np.isin(contract, ["One year", "Two year"])
    tenure = np.where(
        long_contract, rng.integers(0, 73, rows), rng.geometric(0.06, rows).clip(0, 72) - 1
    ).clip(0)
    base = np.select([internet == "Fiber optic", internet == "DSL"], [80.0, 55.0], 20.0)
    monthly = np.round(base + rng.normal(0, 10, rows), 2).clip(18.25)
    total = np.round(monthly * tenure * rng.uniform(0.95, 1.05, rows), 2)
    senior = (rng.random(rows) < 0.16).astype(int)
    logit = (
        -1.2
        + 1.3 * (contract == "Month-to-month")
        - 0.9 * (contract == "Two year")
        - 0.035 * tenure
        + 0.6 * (internet == "Fiber optic")
        - 0.5 * (support == "Yes")
        + 0.5 * (payment == "Electronic check")
        + 0.3 * senior
        + 0.01 * (monthly - 60)
    )
    churn = rng.random(rows) < 1 / (1 + np.exp(-logit))
    ids = [
        f"{rng.integers(1000, 9999)}-{''.join(rng.choice(list('ABCDEFGHIJKLMNOPQRSTUVWXYZ'), 5))}"
        for _ in range(rows)
    ]
    return pd.DataFrame(
        {
            "customer_id": [f"{i}-{n:05d}" for n, i in enumerate(ids)],
            "SeniorCitizen": senior,
            "Partner": rng.choice(["Yes", "No"], rows),
            "tenure": tenure,
            "Contract": contract,
            "InternetService": internet,
            "TechSupport": support,
            "PaymentMethod": payment,
            "PaperlessBilling": rng.choice(["Yes", "No"], rows, p=[0.6, 0.4]),
            "MonthlyCharges": monthly,
            # text, with a blank for customers in their first month (as in the public table)
            "TotalCharges": np.where(tenure == 0, " ", total.astype(str)),
            "Churn": np.where(churn, "Yes", "No"),
        }
    )


def write(path: Path, rows: int = 2000) -> Path:
    """The CSV at `path` and its spec next to it (<stem>.spec.yml); returns the spec path."""
    path = Path(path)
    make_table(rows).to_csv(path, index=False)
    spec = path.with_name(path.stem + ".spec.yml")
    spec.write_text(SPEC, encoding="utf-8")
    return spec


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "clientes.csv")
    spec_path = write(target, int(sys.argv[2]) if len(sys.argv) > 2 else 2000)
    print(f"wrote {target} and {spec_path}")
