"""Executive report: one self-contained HTML file that opens offline and can be mailed.

    python -m app.report [--lang pt|en] [--top 15] [--out PATH]     (`just report`)

Reads the published warehouse through the same queries as the app (app/queries.py)
and writes <data dir>/reports/executive_report.html: KPIs, MRR trend and movements,
churn, top at-risk accounts and a data-quality summary. Charts are inline SVG; the CSS
is inline; nothing is fetched from the network.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from html import escape
from pathlib import Path

import pandas as pd

from app import fmt, queries
from app.i18n import tr, value_label
from app.queries import DataUnavailable
from warehouse import get_warehouse, svg
from warehouse.config import get_settings
from warehouse.files import write_text_atomic

REPORT_NAME = "executive_report.html"

CSS = """
body{font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:#1f2933;margin:0;
  background:#f5f7f8}
main{max-width:980px;margin:0 auto;padding:24px}
h1{margin:0 0 4px;font-size:26px}
h2{margin:32px 0 8px;font-size:19px;border-bottom:2px solid #0b6e4f;padding-bottom:4px}
.meta{color:#52606d;font-size:13px}
.cards{display:grid;grid-template-columns:repeat(4,1fr);gap:10px;margin-top:16px}
.card{background:#fff;border-radius:8px;padding:10px 12px;box-shadow:0 1px 2px rgba(0,0,0,.08)}
.card .label{font-size:12px;color:#52606d}.card .value{font-size:20px;font-weight:600;margin-top:2px}
.card .delta{font-size:12px;color:#52606d}
table{border-collapse:collapse;width:100%;background:#fff;font-size:13px}
th,td{padding:6px 8px;border-bottom:1px solid #e4e7eb;text-align:left}th{background:#eef2f1}
td.num,th.num{text-align:right;white-space:nowrap}
.chart{width:100%;height:auto;background:#fff;border-radius:8px}
.grid{stroke:#e4e7eb;stroke-width:1}.axis{stroke:#7b8794;stroke-width:1}
.tick{font-size:11px;fill:#52606d}.line{fill:none;stroke:#0b6e4f;stroke-width:2.5}.dot{fill:#0b6e4f}
.note{background:#fff8e1;border-left:4px solid #f9a825;padding:8px 12px;font-size:13px}
.ok{color:#2e7d32;font-weight:600}.bad{color:#c62828;font-weight:600}
footer{margin-top:32px;font-size:12px;color:#7b8794}
.scroll{overflow-x:auto;max-width:100%}
@media (max-width:640px){main{padding:12px}.cards{grid-template-columns:repeat(2,1fr)}
  h1{font-size:21px}.card .value{font-size:17px}th,td{padding:5px 6px}}
"""


def _table(headers: list[str], rows: list[list[str]], numeric: set[int] | None = None) -> str:
    numeric = numeric or set()
    head = "".join(
        f'<th class="{"num" if i in numeric else ""}">{escape(h)}</th>' for i, h in enumerate(headers)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="{"num" if i in numeric else ""}">{escape(str(c))}</td>' for i, c in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    # the wrapper scrolls a wide table by itself, so the page never scrolls sideways on a phone
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def _card(label: str, value: str, delta: str = "") -> str:
    delta_html = f'<div class="delta">{escape(delta)}</div>' if delta else ""
    return (
        f'<div class="card"><div class="label">{escape(label)}</div>'
        f'<div class="value">{escape(value)}</div>{delta_html}</div>'
    )


def _note(exc: DataUnavailable, lang: str) -> str:
    return (
        f'<p class="note">{escape(tr("Seção indisponível", "Section unavailable", lang))}: '
        f"{escape(exc.what)}. "
        f"{escape(tr('Rode', 'Run', lang))} <code>{escape(exc.command)}</code>.</p>"
    )


def section(build: Callable[[], str], lang: str) -> str:
    try:
        return build()
    except DataUnavailable as exc:
        return _note(exc, lang)


def kpi_section(wh, lang: str) -> str:
    monthly = queries.kpis_mensais(wh)
    last = monthly.iloc[-1]
    prev = monthly.iloc[-2] if len(monthly) > 1 else None

    def change_brl(column: str) -> str:
        if prev is None:
            return ""
        return tr("vs mês anterior: ", "vs previous month: ", lang) + fmt.brl(
            last[column] - prev[column], 2, lang
        )

    cards = [
        _card("MRR", fmt.brl(last["mrr"], 2, lang), change_brl("mrr")),
        _card(tr("ARR (MRR × 12)", "ARR (MRR × 12)", lang), fmt.brl_compact(last["arr"], lang)),
        _card(tr("Clientes ativos", "Active customers", lang), fmt.number(last["active_customers"], 0, lang)),
        _card(tr("Churn de logos", "Logo churn", lang), fmt.pct(last["logo_churn_rate"], 2, lang)),
        _card(
            tr("Churn bruto de MRR", "Gross MRR churn", lang), fmt.pct(last["gross_mrr_churn_rate"], 2, lang)
        ),
        _card(tr("NRR mensal", "Monthly NRR", lang), fmt.pct(last["nrr"], 1, lang)),
        _card(tr("GRR mensal", "Monthly GRR", lang), fmt.pct(last["grr"], 1, lang)),
        _card(tr("NRR 12 meses", "NRR trailing 12 months", lang), fmt.pct(last["nrr_t12m"], 1, lang)),
        _card("Quick ratio", fmt.ratio(last["quick_ratio"], 2, lang)),
    ]
    title = tr("Indicadores de", "KPIs for", lang) + " " + fmt.month(last["month"], lang)
    labels = [fmt.month(m, lang) for m in monthly["month"]]
    trend = svg.line_chart(
        "MRR",
        {"MRR": list(enumerate(float(v) for v in monthly["mrr"]))},
        categories=labels,
        fmt_y=lambda v: fmt.brl_compact(v, lang),
    )
    colors = {
        tr("Novo", "New", lang): ("new_mrr", "#2e7d32", 1),
        tr("Expansão", "Expansion", lang): ("expansion_mrr", "#66bb6a", 1),
        tr("Reativação", "Reactivation", lang): ("reactivation_mrr", "#a5d6a7", 1),
        tr("Contração", "Contraction", lang): ("contraction_mrr", "#ef9a9a", -1),
        tr("Churn", "Churn", lang): ("churned_mrr", "#c62828", -1),
    }
    moves = colors.items()
    movements = svg.stacked_bars(
        tr("Movimentos de MRR", "MRR movements", lang),
        labels,
        {name: [sign * abs(float(v)) for v in monthly[col].fillna(0)] for name, (col, _, sign) in moves},
        fmt_y=lambda v: fmt.brl_compact(v, lang),
        colors={name: color for name, (_, color, _) in moves},
    )
    bridge_rows = [
        [tr("MRR inicial", "Starting MRR", lang), fmt.brl(last["starting_mrr"], 2, lang)],
        *[
            [name, ("+" if sign > 0 else "−") + " " + fmt.brl(abs(float(last[col] or 0)), 2, lang)]
            for name, (col, _, sign) in colors.items()
        ],
        [tr("MRR final", "Ending MRR", lang), fmt.brl(last["mrr"], 2, lang)],
    ]
    churn_title = tr("Churn de logos", "Logo churn", lang)
    churn_pct = [float(v) * 100 if pd.notna(v) else 0.0 for v in monthly["logo_churn_rate"]]
    churn = svg.line_chart(
        churn_title,
        {churn_title: list(enumerate(churn_pct))},
        categories=labels,
        fmt_y=lambda v: fmt.number(v, 1, lang) + "%",
    )
    churn_rows = [
        [
            fmt.month(r.month, lang),
            fmt.number(r.churned_customers, 0, lang),
            fmt.pct(r.logo_churn_rate, 2, lang),
            fmt.brl(r.churned_mrr, 2, lang),
            fmt.pct(r.nrr, 1, lang),
        ]
        for r in monthly.tail(6).itertuples()
    ]
    return (
        f"<h2>{escape(title)}</h2><div class='cards'>{''.join(cards)}</div>"
        f"<h2>{escape(tr('Evolução do MRR', 'MRR trend', lang))}</h2>{trend}"
        f"<h2>{escape(tr('Movimentos de MRR por mês', 'MRR movements by month', lang))}</h2>{movements}"
        f"<p class='meta'>{escape(tr('Ponte do último mês', 'Last month bridge', lang))}</p>"
        + _table([tr("Componente", "Component", lang), "R$"], bridge_rows, {1})
        + f"<h2>{escape(tr('Churn', 'Churn', lang))}</h2>{churn}"
        + _table(
            [
                tr("Mês", "Month", lang),
                tr("Clientes perdidos", "Customers lost", lang),
                tr("Churn de logos", "Logo churn", lang),
                tr("MRR perdido", "Churned MRR", lang),
                "NRR",
            ],
            churn_rows,
            {1, 2, 3, 4},
        )
    )


def risk_section(wh, lang: str, top: int) -> str:
    frame, totals = queries.portfolio_page(wh, top)
    customers, total_risk, high = totals["customers"], totals["mrr_at_risk"], totals["high_risk"]
    active = fmt.count(
        customers,
        tr("cliente ativo", "active customer", lang),
        tr("clientes ativos", "active customers", lang),
        lang,
    )
    summary = tr(
        f"MRR em risco (probabilidade × MRR) em {active}: "
        f"{fmt.brl(total_risk, 2, lang)}; {fmt.number(high, 0, lang)} em risco alto.",
        f"MRR at risk (probability × MRR) across {active}: "
        f"{fmt.brl(total_risk, 2, lang)}; {fmt.number(high, 0, lang)} at high risk.",
        lang,
    )
    rows = [
        [
            r.customer_id,
            r.company_name or "—",
            r.csm_owner or "—",
            fmt.brl(r.current_mrr, 2, lang),
            fmt.pct(r.churn_probability, 1, lang),
            fmt.brl(r.mrr_at_risk, 2, lang),
            value_label(r.health_tier, lang),
            r.drivers or "—",
            fmt.day(r.renewal_date, lang),
        ]
        for r in frame.head(top).itertuples()
    ]
    headers = [
        "ID",
        tr("Cliente", "Customer", lang),
        "CSM",
        "MRR",
        tr("Prob. churn", "Churn prob.", lang),
        tr("MRR em risco", "MRR at risk", lang),
        tr("Saúde", "Health", lang),
        tr("Principais fatores", "Top drivers", lang),
        tr("Renovação", "Renewal", lang),
    ]
    title = tr(f"Top {top} contas em risco", f"Top {top} accounts at risk", lang)
    return f"<h2>{escape(title)}</h2><p>{escape(summary)}</p>" + _table(headers, rows, {3, 4, 5})


def quality_section(wh, lang: str) -> str:
    quality = queries.quality(wh)
    by_table = quality.groupby("table_name", as_index=False)[
        ["raw_rows", "clean_rows", "duplicate_rows", "quarantined_rows"]
    ].sum()
    rows = []
    for r in by_table.itertuples():
        ok = r.raw_rows == r.clean_rows + r.duplicate_rows + r.quarantined_rows
        rows.append(
            [
                r.table_name,
                fmt.number(r.raw_rows, 0, lang),
                fmt.number(r.clean_rows, 0, lang),
                fmt.number(r.duplicate_rows, 0, lang),
                fmt.number(r.quarantined_rows, 0, lang),
                "OK" if ok else tr("DIVERGE", "MISMATCH", lang),
            ]
        )
    parts = [f"<h2>{escape(tr('Qualidade de dados', 'Data quality', lang))}</h2>"]
    try:
        ledger = queries.load_ledger(wh)
        loaded = ledger[ledger["status"] == "loaded"]
        failed = fmt.number((ledger["status"] != "loaded").sum(), 0, lang)
        parts.append(
            "<p>"
            + escape(
                tr(
                    f"{fmt.number(loaded['batch_id'].nunique(), 0, lang)} lotes carregados; última carga em "
                    f"{fmt.timestamp(loaded['loaded_at'].max(), lang)}; {failed} "
                    "arquivos com falha.",
                    f"{fmt.number(loaded['batch_id'].nunique(), 0, lang)} batches loaded; last load at "
                    f"{fmt.timestamp(loaded['loaded_at'].max(), lang)}; {failed} "
                    "failed files.",
                    lang,
                )
            )
            + "</p>"
        )
    except DataUnavailable as exc:
        parts.append(_note(exc, lang))
    parts.append(
        _table(
            [
                tr("Tabela", "Table", lang),
                tr("Bruto", "Raw", lang),
                tr("Limpo", "Clean", lang),
                tr("Duplicados", "Duplicates", lang),
                tr("Quarentena", "Quarantined", lang),
                tr("Reconciliação", "Reconciliation", lang),
            ],
            rows,
            {1, 2, 3, 4},
        )
    )
    summary = queries.quarantine_summary(wh).head(10)
    if not summary.empty:
        parts.append(
            "<p class='meta'>"
            + escape(tr("Principais motivos de quarentena", "Top quarantine reasons", lang))
            + "</p>"
        )
        parts.append(
            _table(
                [tr("Tabela", "Table", lang), tr("Motivo", "Reason", lang), tr("Linhas", "Rows", lang)],
                [
                    [r.table_name, r.reason, fmt.number(r.rows_quarantined, 0, lang)]
                    for r in summary.itertuples()
                ],
                {2},
            )
        )
    return "".join(parts)


def render(wh, lang: str = "pt", top: int = 15, backend: str = "", data_as_of: object = None) -> str:
    """The whole report as one HTML string."""
    generated = datetime.now(UTC)
    body = [
        f"<h1>{escape(tr('CS Ops — Relatório executivo', 'CS Ops — Executive report', lang))}</h1>",
        f"<p class='meta'>{escape(tr('Dados publicados em', 'Data published at', lang))} "
        f"{escape(fmt.timestamp(data_as_of, lang))} · {escape(tr('gerado em', 'generated at', lang))} "
        f"{escape(fmt.timestamp(generated, lang))} · backend {escape(backend)}</p>",
        section(lambda: kpi_section(wh, lang), lang),
        section(lambda: risk_section(wh, lang, top), lang),
        section(lambda: quality_section(wh, lang), lang),
        f"<footer>{escape(tr('Gerado por', 'Generated by', lang))} <code>python -m app.report</code> "
        "(cs-ops-pipeline). "
        + escape(tr("Valores em reais (R$).", "Amounts in Brazilian reais (R$).", lang))
        + "</footer>",
    ]
    html_lang = "pt-BR" if lang == "pt" else "en"
    return (
        f'<!DOCTYPE html><html lang="{html_lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(tr('CS Ops — Relatório executivo', 'CS Ops — Executive report', lang))}</title>"
        f"<style>{CSS}</style></head><body><main>{''.join(body)}</main></body></html>"
    )


def write_report(out: Path | None = None, lang: str = "pt", top: int = 15) -> Path:
    settings = get_settings()
    try:
        wh = get_warehouse(read_only=True).pinned()  # one release for the whole report
        stamp = wh.data_timestamp()
    except Exception as exc:  # NotPublishedError and friends
        raise DataUnavailable(f"no published warehouse data ({exc})", "just dev") from exc
    if stamp is None:
        raise DataUnavailable("no published warehouse data", "just dev")
    out = out or settings.reports_dir / REPORT_NAME
    html = render(wh, lang=lang, top=top, backend=settings.describe(), data_as_of=stamp)
    return write_text_atomic(out, html)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.report", description=__doc__.splitlines()[0])
    parser.add_argument("--lang", choices=["pt", "en"], default="pt", help="report language (default pt)")
    parser.add_argument("--top", type=int, default=15, help="how many at-risk accounts to list (default 15)")
    parser.add_argument(
        "--out", type=Path, default=None, help=f"output file (default <data dir>/reports/{REPORT_NAME})"
    )
    args = parser.parse_args(argv)
    try:
        path = write_report(args.out, args.lang, args.top)
    except DataUnavailable as exc:
        print(f"error: {exc.what}. Run `{exc.command}` first.", file=sys.stderr)
        return 1
    # config, warehouse and disk errors: one line from warehouse.cli.run_cli (below)
    print(f"executive report written to {path}")
    return 0


if __name__ == "__main__":
    from warehouse.cli import run_cli

    raise SystemExit(run_cli(main))
