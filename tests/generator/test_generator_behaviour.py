"""The behaviour: churn is driven by health and preceded by signals; plausible mixes and seasonality."""

from __future__ import annotations

import datetime as dt
import unicodedata

import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score


def _plain(text) -> str:
    if not isinstance(text, str):
        return ""
    stripped = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return stripped.strip().casefold()


def _iso_dates(series: pd.Series) -> pd.Series:
    """Parse only the clean ISO renderings (the dirty ones are the pipeline's job)."""
    return pd.to_datetime(series.where(series.str.fullmatch(r"\d{4}-\d{2}-\d{2}", na=False)), errors="coerce")


FIRST_MONTH = "2024-01-01"  # conftest.SHARED start; earlier churn dates are pre-history


def _window_churners(truth) -> set[str]:
    """Customers who churned during the simulated months (not the pre-history churners)."""
    clientes = truth["clientes"].dropna(subset=["churn_date"])
    return set(clientes.loc[pd.to_datetime(clientes["churn_date"]) >= FIRST_MONTH, "id_cliente"])


@pytest.fixture(scope="module")
def customers(raw) -> pd.DataFrame:
    """One row per customer with clean attributes (first clean-looking row wins)."""
    clientes = raw["clientes"].dropna(subset=["id_cliente"])
    clientes = clientes.assign(porte=clientes["porte"].map(_plain), segmento=clientes["segmento"].map(_plain))
    return clientes.sort_values("updated_at").drop_duplicates("id_cliente").set_index("id_cliente")


def test_monthly_logo_churn_is_plausible(truth) -> None:
    mensal = truth["clientes_mensal"]
    rate = mensal.groupby("mes")["churned_in_month"].mean()
    assert 0.008 <= rate.mean() <= 0.03, rate.mean()
    assert rate.max() < 0.06


def test_truth_health_predicts_90_day_churn(truth) -> None:
    mensal = truth["clientes_mensal"].copy()
    mensal["m"] = pd.to_datetime(mensal["mes"]).dt.year * 12 + pd.to_datetime(mensal["mes"]).dt.month
    churn_month = mensal[mensal["churned_in_month"]].groupby("id_cliente")["m"].min().rename("cm")
    snap = mensal.join(churn_month, on="id_cliente")
    snap = snap[(snap["cm"].isna() | (snap["cm"] > snap["m"])) & (snap["m"] <= snap["m"].max() - 3)]
    label = (snap["cm"] > snap["m"]) & (snap["cm"] <= snap["m"] + 3)
    assert label.sum() > 100
    assert roc_auc_score(label, -snap["health"]) >= 0.78


def test_churners_use_the_product_less_in_the_60_days_before_churn(raw, truth) -> None:
    events = raw["eventos_uso"].dropna(subset=["id_cliente", "ocorrido_em"])
    days = events["ocorrido_em"].dt.tz_localize(None).dt.normalize()
    churn = truth["clientes"].dropna(subset=["churn_date"])
    churn = churn[churn["reactivation_date"].isna() & (pd.to_datetime(churn["churn_date"]) >= "2024-05-01")]
    churn_at = pd.to_datetime(churn.set_index("id_cliente")["churn_date"])
    ev = pd.DataFrame({"id_cliente": events["id_cliente"], "day": days})
    ev = ev.join(churn_at.rename("churn_at"), on="id_cliente")
    before = ev[(ev["day"] < ev["churn_at"]) & (ev["day"] >= ev["churn_at"] - pd.Timedelta(days=60))]
    churner_rate = before.groupby("id_cliente").size().reindex(churn_at.index, fill_value=0).mean() / 60
    never = set(truth["clientes"].loc[truth["clientes"]["churn_date"].isna(), "id_cliente"])
    window = ev[ev["id_cliente"].isin(never) & (ev["day"] >= "2024-09-01") & (ev["day"] < "2024-10-31")]
    stayer_rate = window.groupby("id_cliente").size().reindex(sorted(never), fill_value=0).mean() / 60
    assert churner_rate < 0.6 * stayer_rate, (churner_rate, stayer_rate)


def test_churners_show_support_nps_and_payment_signals(raw, truth) -> None:
    churned = _window_churners(truth)
    nps = raw["nps_respostas"].dropna(subset=["id_cliente", "nota"])
    nps = nps[nps["nota"].between(0, 10)]
    assert (
        nps[nps["id_cliente"].isin(churned)]["nota"].mean()
        < nps[~nps["id_cliente"].isin(churned)]["nota"].mean() - 1
    )
    tickets = raw["tickets"].dropna(subset=["id_cliente"]).drop_duplicates("id_ticket")
    p1 = tickets["prioridade"].map(_plain).isin(["p1", "critica"])
    assert (
        p1[tickets["id_cliente"].isin(churned)].mean() > 1.5 * p1[~tickets["id_cliente"].isin(churned)].mean()
    )
    faturas = raw["faturas"].dropna(subset=["id_cliente"])
    paid = faturas[faturas["status"].map(_plain) == "paga"].drop_duplicates("id_fatura")
    delay = (_iso_dates(paid["data_pagamento"]) - _iso_dates(paid["data_vencimento"])).dt.days
    late = delay > 0
    assert (
        late[paid["id_cliente"].isin(churned)].mean() > 1.5 * late[~paid["id_cliente"].isin(churned)].mean()
    )


def test_churn_rate_differs_by_size_and_segment(customers, truth) -> None:
    churned = truth["clientes"]["id_cliente"].isin(_window_churners(truth))
    churned.index = truth["clientes"]["id_cliente"]
    frame = customers.join(churned.rename("churned"), how="inner")
    by_size = frame.groupby("porte")["churned"].mean()
    assert by_size["pequena"] > 1.5 * by_size["enterprise"], by_size.to_dict()
    by_segment = frame.groupby("segmento")["churned"].mean()
    assert by_segment.max() > 1.3 * by_segment.min(), by_segment.to_dict()


def test_churn_is_a_cancelled_contract_and_stops_usage_and_billing(raw, truth) -> None:
    contratos = raw["contratos"].dropna(subset=["id_cliente"])
    cancelled = contratos[contratos["status"].map(_plain) == "cancelado"]
    cancel_day = _iso_dates(cancelled["data_cancelamento"])
    churn = truth["clientes"].dropna(subset=["churn_date"]).set_index("id_cliente")
    final = churn[churn["reactivation_date"].isna()]
    found = 0
    for customer, row in final.iterrows():
        mine = cancel_day[cancelled["id_cliente"] == customer]
        found += bool((mine == pd.Timestamp(row["churn_date"])).any())
    assert found >= 0.93 * len(final)  # a few cancellations carry dirt in their date or are late
    assert cancelled["motivo_cancelamento"].notna().mean() > 0.95
    manifest = truth["dirt_manifest"]
    dirty = set(manifest.loc[manifest["table"] == "eventos_uso", "record_key"])
    events = raw["eventos_uso"].dropna(subset=["id_cliente", "ocorrido_em"])
    events = events[events["id_cliente"].isin(final.index) & ~events["id_evento"].isin(dirty)]
    after = events["ocorrido_em"].dt.tz_localize(None) > pd.to_datetime(
        events["id_cliente"].map(final["churn_date"])
    ) + pd.Timedelta(days=1, hours=3)  # usage on the churn day itself, in Brasília time (UTC-3)
    assert after.sum() == 0
    faturas = raw["faturas"].dropna(subset=["id_cliente"])
    faturas = faturas[faturas["id_cliente"].isin(final.index)]
    issued = _iso_dates(faturas["data_emissao"])
    assert (issued > pd.to_datetime(faturas["id_cliente"].map(final["churn_date"]))).sum() == 0


def test_reactivations_upgrades_and_downgrades_exist(raw, truth) -> None:
    contratos = raw["contratos"]
    kinds = contratos["tipo_movimento"].map(_plain)
    reactivated = contratos.loc[kinds == "reativacao", "id_cliente"].dropna().nunique()
    churners = truth["clientes"]["churn_date"].notna().sum()
    assert 1 <= reactivated <= 0.2 * churners
    assert (kinds == "upgrade").sum() > (kinds == "downgrade").sum() > 0
    assert (kinds == "renovacao").sum() > 0


def test_mrr_is_heavy_tailed_and_mixes_are_plausible(raw, customers) -> None:
    contratos = raw["contratos"].dropna(subset=["id_cliente"])
    contratos = contratos[contratos["valor_mensal"].str.fullmatch(r"\d+\.\d{2}", na=False)]
    months = contratos["ciclo_cobranca"].map(_plain).map({"mensal": 1, "trimestral": 3, "anual": 12})
    mrr = (contratos["valor_mensal"].astype(float) / months).groupby(contratos["id_cliente"]).last().dropna()
    top = mrr.sort_values(ascending=False)
    assert top.iloc[: len(top) // 10].sum() > 0.35 * top.sum()
    assert top.mean() > 1.5 * top.median()  # right-skewed
    sizes = customers["porte"].value_counts(normalize=True)
    assert sizes["pequena"] > sizes["media"] > sizes["grande"] > sizes["enterprise"] > 0.02
    plans = contratos.assign(plano=contratos["plano"].map(_plain)).join(customers["porte"], on="id_cliente")
    enterprise = plans[plans["porte"] == "enterprise"]["plano"].value_counts(normalize=True)
    small = plans[plans["porte"] == "pequena"]["plano"].value_counts(normalize=True)
    assert enterprise.get("corporativo", 0) > 0.5 > small.get("corporativo", 0)
    assert customers["uf"].value_counts().index[0] == "SP"


def test_usage_has_weekend_and_carnaval_seasonality(raw) -> None:
    events = raw["eventos_uso"].dropna(subset=["ocorrido_em"])
    local = events["ocorrido_em"].dt.tz_convert("America/Sao_Paulo").dt.tz_localize(None)
    per_day = local.dt.normalize().value_counts()
    weekday = per_day[per_day.index.day_of_week < 5]
    weekend = per_day[per_day.index.day_of_week >= 5]
    assert weekend.mean() < 0.3 * weekday.mean()
    carnaval = per_day.get(pd.Timestamp("2024-02-13"), 0)
    normal_tuesdays = per_day[[pd.Timestamp(d) for d in ("2024-02-06", "2024-02-20", "2024-02-27")]].mean()
    assert carnaval < 0.5 * normal_tuesdays
    hours = local.dt.hour.value_counts(normalize=True)
    assert hours.reindex(range(9, 18)).sum() > 0.7


def test_ids_and_names_look_brazilian(raw) -> None:
    clientes = raw["clientes"].dropna(subset=["razao_social", "cidade"])
    assert clientes["razao_social"].str.contains(r"\b(?:Ltda|S\.A\.|ME|EPP|S/A)$").mean() > 0.95
    assert clientes["cidade"].isin(["São Paulo", "Campinas", "Belo Horizonte", "Curitiba", "Recife"]).any()
    assert raw["eventos_uso"]["id_evento"].dropna().str.fullmatch(r"EVT-\d{12}").all()
    assert raw["contratos"]["id_contrato"].dropna().str.fullmatch(r"CTR-\d{7}").all()
    created = pd.to_datetime(_iso_dates(raw["usuarios"]["data_criacao"].dropna()).dropna())
    assert created.min() >= pd.Timestamp(dt.date(2012, 1, 1)) and created.max() < pd.Timestamp("2025-04-01")


def _status_history(raw, table: str, key: str) -> pd.DataFrame:
    """Rows with a clean key, their plain status and updated_at, in time order."""
    rows = raw[table].dropna(subset=[key, "updated_at"])
    rows = rows.assign(plain=rows["status"].map(_plain)).drop_duplicates([key, "updated_at", "plain"])
    return rows.sort_values([key, "updated_at"])


def test_suspensions_follow_overdue_invoices_block_usage_and_end_in_payment_or_churn(raw, truth) -> None:
    clientes = _status_history(raw, "clientes", "id_cliente")
    clientes = clientes.assign(next_status=clientes.groupby("id_cliente")["plain"].shift(-1))
    clientes = clientes.assign(next_at=clientes.groupby("id_cliente")["updated_at"].shift(-1))
    suspended = clientes[clientes["plain"] == "suspenso"]
    assert len(suspended) >= 20, len(suspended)
    # behaviour-driven: an invoice of the customer was due 30 days before the suspension
    faturas = raw["faturas"].dropna(subset=["id_cliente"])
    due = _iso_dates(faturas["data_vencimento"])
    due_days = set(zip(faturas["id_cliente"], due.dt.date, strict=True))
    start = suspended["updated_at"].dt.tz_convert(None).dt.normalize()
    matched = [  # updated_at is UTC: business hours in Brasília can fall on the next UTC day
        any((customer, (day - pd.Timedelta(days=30 + lag)).date()) in due_days for lag in (0, 1))
        for customer, day in zip(suspended["id_cliente"], start, strict=True)
    ]
    assert sum(matched) >= 0.9 * len(suspended), (sum(matched), len(suspended))
    # it ends with a payment (Ativo) or a cancellation, both happen
    outcomes = suspended["next_status"].value_counts()
    assert outcomes.get("ativo", 0) > 0 and outcomes.get("cancelado", 0) > 0, outcomes.to_dict()
    # no usage while blocked (a day of margin at both ends: times are UTC, business hours BRT)
    manifest = truth["dirt_manifest"]
    dirty = set(manifest.loc[manifest["table"] == "eventos_uso", "record_key"])
    events = raw["eventos_uso"].dropna(subset=["id_cliente", "ocorrido_em"])
    events = events[~events["id_evento"].isin(dirty)]
    closed = suspended.dropna(subset=["next_at"])
    closed = closed[closed["next_at"] - closed["updated_at"] > pd.Timedelta(days=3)]
    assert len(closed) >= 10
    inside = 0
    for row in closed.itertuples():
        mine = events.loc[events["id_cliente"] == row.id_cliente, "ocorrido_em"]
        lo, hi = row.updated_at + pd.Timedelta(days=1), row.next_at - pd.Timedelta(days=1)
        inside += int(((mine > lo) & (mine < hi)).sum())
    assert inside == 0, inside
    # suspended accounts churn far more often than the base
    ever = set(suspended["id_cliente"])
    churned = _window_churners(truth)
    base = set(truth["clientes"]["id_cliente"])
    assert len(ever & churned) / len(ever) > 2 * len(churned) / len(base)


def test_users_are_deactivated_and_stop_using_the_product(raw, truth) -> None:
    users = _status_history(raw, "usuarios", "id_usuario")
    last = users.groupby("id_usuario").tail(1).set_index("id_usuario")
    inactive = last[last["plain"] == "inativo"]
    assert 0.02 < len(inactive) / len(last) < 0.6, len(inactive) / len(last)
    # an Inativo user has no usage after the deactivation (dirty event rows aside)
    manifest = truth["dirt_manifest"]
    dirty = set(manifest.loc[manifest["table"] == "eventos_uso", "record_key"])
    events = raw["eventos_uso"].dropna(subset=["id_usuario", "ocorrido_em"])
    events = events[~events["id_evento"].isin(dirty)]
    events = events.join(inactive["updated_at"].rename("off_at"), on="id_usuario", how="inner")
    assert len(events) > 0  # they did use the product before
    assert (events["ocorrido_em"] > events["off_at"] + pd.Timedelta(hours=12)).sum() == 0
    # every user of an account that churned for good ends Inativo; idle users leave healthy accounts too
    final = truth["clientes"]
    final = final[final["churn_date"].notna() & final["reactivation_date"].isna()]
    gone = last[last["id_cliente"].isin(_window_churners(truth) & set(final["id_cliente"]))]
    assert len(gone) > 50 and (gone["plain"] == "inativo").mean() > 0.95
    staying = last[~last["id_cliente"].isin(set(final["id_cliente"]))]
    assert 0.01 < (staying["plain"] == "inativo").mean() < 0.5


def test_first_batch_carries_the_prehistory_churners(raw, truth) -> None:
    first = raw["clientes"][raw["clientes"]["_batch_id"] == "b0001_2024-01"].dropna(subset=["id_cliente"])
    cancelled = first[first["status"].map(_plain) == "cancelado"]
    before = cancelled[cancelled["updated_at"] < pd.Timestamp(FIRST_MONTH, tz="UTC")]
    n_base = first["id_cliente"].nunique()
    assert 0.15 * n_base < len(before) < 0.4 * n_base, (len(before), n_base)
    # each comes with its last contract term, cancelled before the first month, with a reason
    contratos = raw["contratos"][raw["contratos"]["_batch_id"] == "b0001_2024-01"]
    ended = contratos[contratos["status"].map(_plain) == "cancelado"]
    ended_on = _iso_dates(ended["data_cancelamento"])
    early = ended[ended_on < pd.Timestamp(FIRST_MONTH)]
    assert len(early) > 0.9 * len(before)
    assert len(set(before["id_cliente"]) - set(early["id_cliente"])) < 0.05 * len(before)
    assert early["motivo_cancelamento"].notna().mean() > 0.95
    # in the truth: churned before the first month (or came back since, and maybe left again)
    clientes = truth["clientes"].set_index("id_cliente")
    assert clientes.loc[sorted(set(before["id_cliente"])), "churn_date"].notna().all()
    prehistory = clientes[clientes["churn_date"] < dt.date(2024, 1, 1)]
    assert len(set(before["id_cliente"]) & set(prehistory.index)) > 0.9 * len(before)
