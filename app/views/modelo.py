"""Modelo: metrics, calibration, lift, backtest, baselines and oracle, from <data dir>/ml/evaluation.json."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from app import data, fmt, ui
from app.i18n import feature_label, tr

METRICS = ["roc_auc", "pr_auc", "brier", "ece", "top_decile_lift"]
METRIC_LABELS = {
    "roc_auc": "ROC AUC",
    "pr_auc": "PR AUC",
    "brier": "Brier",
    "ece": "ECE",
    "top_decile_lift": "Lift top 10%",
}


def _when(value, lang: str) -> str:
    try:
        return fmt.timestamp(value, lang)
    except (TypeError, ValueError):
        return str(value or "—")


def scorers(evaluation: dict) -> dict[str, dict]:
    """Every scored ranking in the evaluation (model, baselines, oracle): entries that carry a ROC AUC."""
    return {
        name: value for name, value in evaluation.items() if isinstance(value, dict) and "roc_auc" in value
    }


SCORER_LABELS = {  # every ranking evaluation.json may hold, in words (pt, en)
    "model": ("Modelo (calibrado)", "Model (calibrated)"),
    "model_uncalibrated": ("Modelo sem calibração", "Model, uncalibrated"),
    "logistic_regression": ("Regressão logística", "Logistic regression"),
    "logistic_regression_same_inputs": (
        "Regressão logística (mesmas variáveis do modelo)",
        "Logistic regression (the model's inputs)",
    ),
    "health_score": ("Health score (referência)", "Health score (baseline)"),
    "oracle": ("Oráculo (risco verdadeiro do gerador)", "Oracle (generator's true risk)"),
    "oracle_realised_path": ("Oráculo (risco realizado do gerador)", "Oracle (generator's realised risk)"),
    "oracle_point_in_time": ("Oráculo (risco no fechamento do mês)", "Oracle (risk at the month-end)"),
}


def scorer_label(name: str, lang: str | None = None) -> str:
    """A scorer in words; one the page does not know yet reads as words, never as an identifier."""
    if name in SCORER_LABELS:
        return tr(*SCORER_LABELS[name], lang)
    return feature_label(name, lang)


def source_text(source: object, lang: str) -> str:
    """Where the model learnt from: the warehouse's monthly snapshots in words, or the file it read."""
    text = str(source or "—")
    if text.endswith("fct_clientes_snapshot_mensal"):
        return tr(
            "fechamentos mensais dos clientes (warehouse)", "customers' month-end snapshots (warehouse)", lang
        )
    return text.rsplit("/", 1)[-1]


def label_text(evaluation: dict, lang: str) -> str:
    """What the model predicts, in the UI language (evaluation.json's own label is English)."""
    days = evaluation.get("horizon_days")
    if not days:
        return ""
    return tr(
        f"Prevê: cancela em até {days} dias após o fechamento do mês",
        f"Predicts: churn within {days} days after the month-end snapshot",
        lang,
    )


def target_lines(targets: dict, lang: str | None = None) -> list[str]:
    """Each checked target: what it measures in plain words, the value, the goal, met or not."""
    lang = lang or ui.lang()

    def num(value, decimals: int) -> str:
        return fmt.number(value, decimals, lang)

    def verdict(ok) -> str:
        return tr("atingida", "met") if ok else tr("**não atingida**", "**not met**")

    out = []
    if targets.get("ece") is not None:
        floor = targets.get("ece_noise_floor")
        chance = (
            tr(
                f" (com estes clientes, uma nota perfeita erraria {num(floor, 3)} por acaso)",
                f" (on these customers a perfect score would miss by {num(floor, 3)} by chance)",
            )
            if floor is not None
            else ""
        )
        out.append(
            tr(
                "Calibração (ECE): quanto a chance prevista erra a taxa de cancelamento observada, em média "
                f"— {num(targets['ece'], 4)}, meta ≤ {num(targets['ece_max'], 2)}: ",
                "Calibration (ECE): how far the predicted chance is from the observed churn rate, on average "
                f"— {num(targets['ece'], 4)}, goal ≤ {num(targets['ece_max'], 2)}: ",
            )
            + verdict(targets.get("ece_ok"))
            + chance
        )
    if "auc_ratio_vs_oracle" in targets:
        out.append(
            tr(
                "Ordenação vs oráculo (ROC AUC do modelo ÷ ROC AUC do risco verdadeiro do simulador): quão "
                "bem o modelo põe quem cancela à frente de quem fica — "
                f"{num(targets['auc_ratio_vs_oracle'], 3)}×, "
                f"meta ≥ {num(targets['auc_vs_oracle_min'], 2)}×: ",
                "Ranking vs oracle (model ROC AUC ÷ ROC AUC of the simulator's true risk): how well the "
                f"model puts churners ahead of stayers — {num(targets['auc_ratio_vs_oracle'], 3)}×, "
                f"goal ≥ {num(targets['auc_vs_oracle_min'], 2)}×: ",
            )
            + verdict(targets.get("auc_ok"))
        )
    if "lift_ratio_vs_oracle" in targets:
        ci = targets.get("lift_ratio_vs_oracle_ci95")
        interval = f" [{num(ci[0], 3)} – {num(ci[1], 3)}]" if ci else ""
        out.append(
            tr(
                "Top 10% vs oráculo (lift do modelo ÷ lift do risco verdadeiro): quantos dos que cancelam a "
                "lista dos 10% de maior nota pega, comparado à lista do risco verdadeiro — "
                f"{num(targets['lift_ratio_vs_oracle'], 3)}×{interval}, "
                f"meta ≥ {num(targets['lift_vs_oracle_min'], 2)}×: ",
                "Top 10% vs oracle (model lift ÷ true-risk lift): how many churners the list of the 10% "
                "highest scores catches, compared with the true-risk list — "
                f"{num(targets['lift_ratio_vs_oracle'], 3)}×{interval}, "
                f"goal ≥ {num(targets['lift_vs_oracle_min'], 2)}×: ",
            )
            + verdict(targets.get("lift_ok"))
        )
    if targets.get("oracle_note"):
        out.append(
            tr(
                "Sem oráculo (dados reais ou sem a verdade do simulador): as metas vs oráculo não valem.",
                "No oracle (real data or no simulator truth): the targets vs the oracle do not apply.",
            )
        )
    return out


# Chart builders (module level, data in the arguments: ui.chart caches their specs).


def calibration_chart(curve: pd.DataFrame, lang: str) -> alt.LayerChart:
    diagonal = (
        alt.Chart(pd.DataFrame({"x": [0, curve["mean_predicted"].max()]}))
        .mark_line(strokeDash=[4, 4], color="gray")
        .encode(x="x:Q", y="x:Q")
    )
    points = (
        alt.Chart(curve)
        .mark_line(point=True)
        .encode(
            x=alt.X("mean_predicted:Q", title=tr("Probabilidade prevista", "Predicted probability", lang)),
            y=alt.Y("observed_rate:Q", title=tr("Taxa observada", "Observed rate", lang)),
            tooltip=["mean_predicted:Q", "observed_rate:Q", "rows:Q"],
        )
    )
    return (diagonal + points).properties(height=300)


def _scorer_color() -> alt.Color:
    """One colour per scorer, legend below the chart with full names, one to a line (fits a phone)."""
    return alt.Color("scorer:N", title=None, legend=alt.Legend(labelLimit=300, orient="bottom", columns=1))


def _with_legend(plot_height: int, frame: pd.DataFrame) -> int:
    """The chart's height: Streamlit fits legend and axes inside it, so a tall legend would leave the
    plot itself a few pixels high (a flat line, no y scale)."""
    return plot_height + 60 + 20 * frame["scorer"].nunique()


def lift_chart(lift: pd.DataFrame, lang: str) -> alt.Chart:
    return (
        alt.Chart(lift)
        .mark_line(point=True)
        .encode(
            x=alt.X(
                "k:Q",
                title=tr("Top k% dos clientes", "Top k% of customers", lang),
                axis=alt.Axis(format="%"),
            ),
            y=alt.Y("lift:Q", title="Lift"),
            color=_scorer_color(),
            tooltip=["scorer:N", "k:Q", "lift:Q"],
        )
        .properties(height=_with_legend(220, lift))
    )


def backtest_chart(table: pd.DataFrame, lang: str) -> alt.Chart:
    """ROC AUC per earlier cutoff (snapshot date) and scorer."""
    data = table.assign(cutoff_text=table["cutoff"].map(lambda d: fmt.day(d, lang)))
    order = [fmt.day(d, lang) for d in sorted(table["cutoff"].unique())]
    return (
        alt.Chart(data)
        .mark_line(point=True)
        .encode(
            x=alt.X(
                "cutoff_text:O",
                title=tr("Data de corte", "Cutoff date", lang),
                sort=order,
                axis=alt.Axis(labelAngle=0),
            ),
            y=alt.Y("roc_auc:Q", title="ROC AUC", scale=alt.Scale(zero=False, padding=8)),
            color=_scorer_color(),
            tooltip=[
                alt.Tooltip("cutoff_text:N", title=tr("Corte", "Cutoff", lang)),
                alt.Tooltip("scorer:N", title=tr("Modelo", "Scorer", lang)),
                alt.Tooltip("roc_auc:Q", title="ROC AUC", format=".3f"),
            ],
        )
        .properties(height=_with_legend(220, data))
    )


def importance_chart(frame: pd.DataFrame, lang: str) -> alt.Chart:
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y("feature:N", sort="-x", title=None, axis=alt.Axis(labelLimit=260)),
            x=alt.X("importance:Q", title=tr("Queda no ROC AUC", "Drop in ROC AUC", lang)),
        )
        .properties(height=28 * len(frame))
    )


WINDOWS = {
    "fit": ("Treino", "Training"),
    "calibration": ("Calibração", "Calibration"),
    "validation": ("Validação", "Validation"),
}


def windows_table(split: dict, rows: dict, lang: str) -> pd.DataFrame:
    """The training, calibration and validation windows (snapshot dates) and their rows, in words."""
    out = []
    for key, names in WINDOWS.items():
        first, last = (list(split.get(key) or []) + [None, None])[:2]
        out.append(
            {
                tr("Janela", "Window", lang): tr(*names, lang),
                tr("De", "From", lang): fmt.day(first, lang) if first else "—",
                tr("Até", "To", lang): fmt.day(last, lang) if last else "—",
                tr("Linhas", "Rows", lang): fmt.number(rows.get(key), 0, lang),
            }
        )
    return pd.DataFrame(out)


def main() -> None:
    lang = ui.lang()
    st.title(tr("Modelo de churn", "Churn model"))
    evaluation = data.evaluation()
    found = scorers(evaluation)
    model = found.get("model")
    if not model:
        st.warning(
            tr(
                "evaluation.json não tem métricas do modelo; rode `just train`.",
                "evaluation.json has no model metrics; run `just train`.",
            )
        )
        return
    st.caption(
        " · ".join(
            x
            for x in [
                tr("Versão", "Version") + f": `{evaluation.get('model_version', '—')}`",
                tr("Treinado em", "Trained at") + f": {_when(evaluation.get('trained_at'), lang)}",
                tr("Fonte", "Source") + ": " + source_text(evaluation.get("source"), lang),
                label_text(evaluation, lang),
            ]
            if x
        )
    )

    k = st.columns(5)
    ui.metric(k[0], "ROC AUC", fmt.number(model["roc_auc"], 3, lang))
    ui.metric(k[1], "PR AUC", fmt.number(model["pr_auc"], 3, lang))
    ui.metric(k[2], "Brier", fmt.number(model.get("brier"), 4, lang))
    ui.metric(
        k[3],
        "ECE",
        fmt.number(model.get("ece"), 4, lang),
        help=tr(
            "Erro de calibração esperado (menor é melhor)", "Expected calibration error (lower is better)"
        ),
    )
    ui.metric(
        k[4], tr("Lift no top 10%", "Top-decile lift"), fmt.ratio(model.get("top_decile_lift"), 2, lang)
    )

    st.subheader(tr("Comparação com baselines e oráculo", "Comparison with baselines and the oracle"))
    rows = []
    for name, report in found.items():
        row = {tr("Modelo", "Scorer"): scorer_label(name, lang)}
        for metric in METRICS:
            row[metric] = fmt.number(report.get(metric), 4 if metric in ("brier", "ece") else 3, lang)
        rows.append(row)
    ui.table(pd.DataFrame(rows).rename(columns=METRIC_LABELS))
    if evaluation.get("oracle") is None and evaluation.get("oracle_note"):
        st.caption(
            tr(
                "Sem oráculo: a verdade do gerador não cobre estes clientes (dados reais?).",
                f"Oracle: {evaluation['oracle_note']}",
            )
        )
    targets = evaluation.get("targets") or {}
    lines = target_lines(targets, lang)
    if lines:
        st.markdown("**" + tr("Metas", "Targets") + "**\n\n" + "\n".join(f"- {line}" for line in lines))

    left, right = st.columns(2)
    with left:
        st.markdown("**" + tr("Curva de calibração", "Calibration curve") + "**")
        curve = pd.DataFrame(model.get("calibration_curve") or [])
        if curve.empty:
            st.caption(tr("Sem curva de calibração.", "No calibration curve."))
        else:
            ui.chart(calibration_chart, curve, lang)
    with right:
        st.markdown("**" + tr("Lift por fração do ranking", "Lift by ranking fraction") + "**")
        lift_rows = [
            {"scorer": scorer_label(name, lang), "k": item.get("k_fraction"), "lift": item.get("lift")}
            for name, report in found.items()
            for item in report.get("top_k") or []
        ]
        if lift_rows:
            ui.chart(lift_chart, pd.DataFrame(lift_rows), lang)
        else:
            st.caption(tr("Sem dados de lift.", "No lift data."))

    backtest = evaluation.get("backtest") or []
    if backtest:
        st.subheader(tr("Backtest (janelas anteriores)", "Backtest (earlier windows)"))
        rows = []
        for item in backtest:
            for name, report in item.items():
                if isinstance(report, dict) and "roc_auc" in report:
                    rows.append(
                        {
                            "cutoff": item.get("cutoff"),
                            "scorer": scorer_label(name, lang),
                            "roc_auc": report.get("roc_auc"),
                            "pr_auc": report.get("pr_auc"),
                            "top_decile_lift": report.get("top_decile_lift"),
                            "ece": report.get("ece"),
                        }
                    )
        if rows:
            table = pd.DataFrame(rows)
            ui.chart(backtest_chart, table, lang)
            table["cutoff"] = table["cutoff"].map(lambda d: fmt.day(d, lang))
            for column in ("roc_auc", "pr_auc", "top_decile_lift", "ece"):
                table[column] = table[column].map(lambda v: fmt.number(v, 3, lang))
            table = table.rename(columns={"cutoff": tr("Corte", "Cutoff"), "scorer": tr("Modelo", "Scorer")})
            ui.table(table.rename(columns=METRIC_LABELS))

    importance = evaluation.get("permutation_importance") or []
    if importance:
        st.subheader(tr("Importância das variáveis (permutação)", "Feature importance (permutation)"))
        frame = pd.DataFrame(importance).head(12)
        frame["feature"] = frame["feature"].map(lambda f: feature_label(f, lang))
        ui.chart(importance_chart, frame, lang)

    split = evaluation.get("split")
    if split:
        windows = ui.lazy_expander(
            tr("Janelas de treino e validação", "Training and validation windows"), key="model_windows"
        )
        if windows.open:
            with windows:
                ui.table(windows_table(split, evaluation.get("split_rows") or {}, lang))
    card = data.model_card()
    if card:
        with st.expander(tr("Model card (em inglês)", "Model card"), expanded=False):
            st.markdown(card)


ui.run_page(main)
