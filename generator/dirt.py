"""Dirt injection: the defects real source systems have, each one recorded in a manifest.

Per table, a share `rate` of the rows (default 3%) gets exactly one defect, picked
with the weights below; a row never gets two (so every defect is observable and the
manifest says exactly what to look for). Kinds:

| kind | what it does | where |
|---|---|---|
| null_key | primary or foreign key set to null | ids |
| null_value | a business column set to null | see specs |
| duplicate_exact | the row appears twice in the same file | all tables |
| resent_update | the row is re-sent, identical except a later updated_at | tables with updated_at |
| late_arriving | the row is delivered 1-2 batches after the one it belongs to | all tables |
| date_format_br / date_format_epoch | `dd/mm/aaaa[ hh:mm:ss]` / epoch seconds instead of ISO | text dates |
| date_impossible | a date that does not exist (31/02/2024, 31/04/2024) | text dates |
| money_format_brl / money_format_us | `R$ 1.234,56` / `1,234.56` instead of `1234.56` | text money |
| cnpj_unpunctuated | 14 digits instead of `12.345.678/0001-95` | clientes.cnpj |
| cnpj_invalid_check_digit | punctuated, wrong check digit | clientes.cnpj |
| enum_variant | case/accent/whitespace variant (`ATIVO`, ` ativo`, `Renovacao`, `p1`) | enums |
| email_malformed | missing @, `@@`, no TLD, a space, trailing dot, no local part | emails |
| negative_value / absurd_value | e.g. -12 seats, 99999 seats, 40 days of session, CSAT 7, NPS 11 | numbers |
| future_timestamp | 1-5 years in the future | event/opening times |
| orphan_fk | a foreign key that matches no parent (CLI-9xxxxx, USR-9xxxxxx, CTR-9xxxxxx) | ids |

The manifest's record_key is the row's original primary key (also when the defect
nulls that key); batch_id is the batch whose file actually contains the row.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from generator import fmt
from generator.frame import DATE, Frame, materialize
from generator.units import US_PER_DAY, US_PER_SECOND

# (kind, column, weight)
SPECS: dict[str, list[tuple[str, str | None, float]]] = {
    "clientes": [
        ("null_key", "id_cliente", 1.0),
        ("null_value", "email_contato", 1.0),
        ("null_value", "cidade", 0.5),
        ("null_value", "segmento", 0.5),
        ("duplicate_exact", None, 1.5),
        ("resent_update", "updated_at", 1.5),
        ("late_arriving", None, 1.0),
        ("date_format_br", "data_cadastro", 1.5),
        ("date_format_epoch", "data_cadastro", 0.7),
        ("date_impossible", "data_cadastro", 0.5),
        ("cnpj_unpunctuated", "cnpj", 2.0),
        ("cnpj_invalid_check_digit", "cnpj", 1.0),
        ("enum_variant", "segmento", 1.0),
        ("enum_variant", "porte", 1.0),
        ("enum_variant", "status", 1.0),
        ("email_malformed", "email_contato", 1.5),
        ("future_timestamp", "updated_at", 0.5),
    ],
    "contratos": [
        ("null_key", "id_contrato", 0.5),
        ("null_key", "id_cliente", 0.7),
        ("orphan_fk", "id_cliente", 1.0),
        ("duplicate_exact", None, 1.5),
        ("resent_update", "updated_at", 1.5),
        ("late_arriving", None, 1.0),
        ("date_format_br", "data_inicio", 1.0),
        ("date_format_epoch", "data_inicio", 0.5),
        ("date_format_br", "data_fim", 0.5),
        ("date_impossible", "data_fim", 0.5),
        ("money_format_brl", "valor_mensal", 1.5),
        ("money_format_us", "valor_mensal", 1.0),
        ("negative_value", "licencas", 0.5),
        ("absurd_value", "licencas", 0.5),
        ("negative_value", "valor_mensal", 0.3),
        ("enum_variant", "plano", 1.0),
        ("enum_variant", "status", 1.0),
        ("enum_variant", "tipo_movimento", 0.7),
        ("enum_variant", "ciclo_cobranca", 0.5),
        ("null_value", "modulos", 0.3),
    ],
    "faturas": [
        ("null_key", "id_fatura", 0.5),
        ("null_key", "id_cliente", 0.5),
        ("orphan_fk", "id_cliente", 0.7),
        ("orphan_fk", "id_contrato", 0.5),
        ("duplicate_exact", None, 1.5),
        ("resent_update", "updated_at", 1.5),
        ("late_arriving", None, 1.0),
        ("date_format_br", "data_vencimento", 1.0),
        ("date_format_epoch", "data_emissao", 0.5),
        ("date_impossible", "data_vencimento", 0.4),
        ("date_format_br", "data_pagamento", 0.7),
        ("money_format_brl", "valor", 1.5),
        ("money_format_us", "valor", 1.0),
        ("negative_value", "valor", 0.4),
        ("absurd_value", "valor", 0.4),
        ("enum_variant", "status", 1.2),
        ("null_value", "valor", 0.4),
    ],
    "usuarios": [
        ("null_key", "id_usuario", 0.5),
        ("null_key", "id_cliente", 0.5),
        ("orphan_fk", "id_cliente", 0.7),
        ("duplicate_exact", None, 1.5),
        ("resent_update", "updated_at", 1.0),
        ("late_arriving", None, 1.0),
        ("email_malformed", "email", 1.5),
        ("date_format_br", "data_criacao", 1.0),
        ("date_format_epoch", "data_criacao", 0.5),
        ("date_impossible", "data_criacao", 0.4),
        ("enum_variant", "status", 1.0),
        ("null_value", "email", 0.5),
    ],
    "eventos_uso": [
        ("null_key", "id_evento", 0.6),
        ("null_key", "id_cliente", 0.8),
        ("null_key", "id_usuario", 0.6),
        ("orphan_fk", "id_cliente", 0.8),
        ("orphan_fk", "id_usuario", 0.6),
        ("duplicate_exact", None, 2.0),
        ("late_arriving", None, 1.5),
        ("future_timestamp", "ocorrido_em", 0.8),
        ("null_value", "ocorrido_em", 0.6),
        ("negative_value", "duracao_segundos", 0.8),
        ("absurd_value", "duracao_segundos", 0.8),
    ],
    "tickets": [
        ("null_key", "id_ticket", 0.5),
        ("null_key", "id_cliente", 0.5),
        ("orphan_fk", "id_cliente", 0.7),
        ("duplicate_exact", None, 1.5),
        ("resent_update", "updated_at", 1.0),
        ("late_arriving", None, 1.0),
        ("date_format_br", "aberto_em", 1.0),
        ("date_format_epoch", "aberto_em", 0.6),
        ("date_impossible", "aberto_em", 0.4),
        ("future_timestamp", "aberto_em", 0.4),
        ("enum_variant", "prioridade", 1.0),
        ("enum_variant", "status", 1.0),
        ("enum_variant", "categoria", 0.7),
        ("absurd_value", "csat", 0.6),
        ("null_value", "prioridade", 0.3),
    ],
    "nps_respostas": [
        ("null_key", "id_resposta", 0.5),
        ("null_key", "id_cliente", 0.5),
        ("orphan_fk", "id_cliente", 0.7),
        ("duplicate_exact", None, 1.5),
        ("resent_update", "updated_at", 0.7),
        ("late_arriving", None, 1.0),
        ("date_format_br", "respondido_em", 1.0),
        ("date_format_epoch", "respondido_em", 0.5),
        ("date_impossible", "respondido_em", 0.4),
        ("absurd_value", "nota", 1.0),
        ("future_timestamp", "respondido_em", 0.4),
        ("null_value", "nota", 0.3),
    ],
}

ROW_KINDS = ("duplicate_exact", "resent_update", "late_arriving")
DATE_VARIANT = {
    "date_format_br": fmt.DATE_BR,
    "date_format_epoch": fmt.DATE_EPOCH,
    "date_impossible": fmt.DATE_IMPOSSIBLE,
}
MONEY_VARIANT = {"money_format_brl": fmt.MONEY_BRL, "money_format_us": fmt.MONEY_US}
ORPHAN_BASE = {"CLI-": 900_000, "USR-": 9_000_000, "CTR-": 9_000_000}
ABSURD = {
    "licencas": lambda rng, v: np.where(rng.random(len(v)) < 0.5, 99_999, v * 1000),
    "duracao_segundos": lambda rng, v: rng.integers(1_000_000, 100_000_000, len(v)),
    "csat": lambda rng, v: rng.choice(np.array([0, 6, 7, 10, 55]), len(v)),
    "nota": lambda rng, v: rng.choice(np.array([-1, 11, 12, 100]), len(v)),
    "valor": lambda rng, v: v * 1000,
}


def _manifest(fr: Frame, found: list[tuple[np.ndarray, str | None, str]], emit: np.ndarray) -> pa.Table:
    """One manifest row per (rows, column, kind) entry, in order: the keys rendered in one
    call, the column and kind text taken from the entries (no per-row Python objects)."""
    found = [entry for entry in found if len(entry[0])]
    if not found:
        return _empty_manifest()
    rows = np.concatenate([entry[0] for entry in found])
    which = pa.array(np.repeat(np.arange(len(found), dtype=np.int32), [len(entry[0]) for entry in found]))
    return pa.table(
        {
            "table": pa.array([fr.table] * len(found), pa.string()).take(which),
            "record_key": fr.key_strings(rows),
            "column": pa.array([entry[1] for entry in found], pa.string()).take(which),
            "kind": pa.array([entry[2] for entry in found], pa.string()).take(which),
            "__emit": pa.array(np.asarray(emit[rows], np.int64), pa.int64()),
        }
    )


def _empty_manifest() -> pa.Table:
    return pa.table(
        {
            "table": pa.array([], pa.string()),
            "record_key": pa.array([], pa.string()),
            "column": pa.array([], pa.string()),
            "kind": pa.array([], pa.string()),
            "__emit": pa.array([], pa.int64()),
        }
    )


def _writable(fr: Frame, values) -> np.ndarray:
    """An int64 array the defect may overwrite: the frame's own array when it owns its
    columns (no copy), else a copy (the values may be simulation state)."""
    if fr.owned and isinstance(values, np.ndarray) and values.dtype == np.int64:
        return values
    return np.array(values, dtype=np.int64, copy=True)


def _apply_cell(fr: Frame, kind: str, column: str, rows: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Apply a column-level defect; returns the rows where it took effect (non-null cells)."""
    col = fr.cols[column]
    if col.null is not None:
        rows = rows[~col.null[rows]]
    if len(rows) == 0:
        return rows
    n = fr.n
    values = col.values
    if kind in ("null_key", "null_value"):
        col.ensure_null(n)[rows] = True
    elif kind in DATE_VARIANT:
        col.ensure_variant(n)[rows] = DATE_VARIANT[kind]
    elif kind in MONEY_VARIANT:
        col.ensure_variant(n)[rows] = MONEY_VARIANT[kind]
    elif kind == "cnpj_unpunctuated":
        col.ensure_variant(n)[rows] = fmt.CNPJ_DIGITS
    elif kind == "cnpj_invalid_check_digit":
        col.ensure_variant(n)[rows] = fmt.CNPJ_BAD_DV
    elif kind in ("enum_variant", "email_malformed"):
        col.ensure_variant(n)[rows] = rng.integers(1, 7, len(rows))
    elif kind == "orphan_fk":
        col.values = values = _writable(fr, values)
        values[rows] = ORPHAN_BASE[col.prefix] + rng.integers(0, 99_999, len(rows))
    elif kind == "negative_value":
        col.values = values = _writable(fr, values)
        values[rows] = -np.abs(values[rows]) - 1
    elif kind == "absurd_value":
        col.values = values = _writable(fr, values)
        values[rows] = ABSURD[column](rng, values[rows])
    elif kind == "future_timestamp":
        col.values = values = _writable(fr, values)
        shift_days = rng.integers(365, 5 * 365, len(rows))
        values[rows] += shift_days if col.kind == DATE else shift_days * US_PER_DAY
    else:  # pragma: no cover - a spec typo
        raise ValueError(f"unknown dirt kind {kind}")
    return rows


def inject(
    fr: Frame, rate: float, rng: np.random.Generator, batch: int
) -> tuple[list[tuple[pa.Table, np.ndarray]], pa.Table]:
    """Make a frame dirty and render it.

    Returns parts [(table, emit batch per row), ...] and the manifest (with __emit).
    In the first (big) part, rows delivered in a later batch come last, so the caller
    can split it with a zero-copy slice.
    """
    spec = SPECS[fr.table]
    n = fr.n
    emit = fr.emit.copy()
    manifests = []
    row_ops: dict[str, np.ndarray] = {}
    if rate > 0 and n:
        picked = rng.random(n) < rate
        if fr.clean is not None:
            picked &= ~fr.clean
        dirty = np.flatnonzero(picked)
        weights = np.array([w for _, _, w in spec])
        choice = np.searchsorted(np.cumsum(weights) / weights.sum(), rng.random(len(dirty)), side="right")
        choice = np.minimum(choice, len(spec) - 1)
        for i, (kind, column, _) in enumerate(spec):
            rows = dirty[choice == i]
            if kind in ROW_KINDS:
                row_ops[kind] = rows
                continue
            rows = _apply_cell(fr, kind, column, rows, rng)
            if len(rows):
                manifests.append((rows, column, kind))
    none = np.empty(0, np.int64)
    late = row_ops.get("late_arriving", none)
    emit[late] += rng.integers(1, 3, len(late))
    dup = row_ops.get("duplicate_exact", none)
    resent = row_ops.get("resent_update", none)
    resent_shift = rng.integers(3600, 3 * 86400, len(resent)) * US_PER_SECOND
    manifests += [
        (late, None, "late_arriving"),
        (dup, None, "duplicate_exact"),
        (resent, "updated_at", "resent_update"),
    ]
    manifest = _manifest(fr, manifests, emit)
    # rows for later batches go last (stable), then render
    later = emit > batch
    tail = n - int(later.sum())
    if later.any() and not later[tail:].all():
        # swap the late rows outside the tail with the on-time rows inside it
        out = np.flatnonzero(later[:tail])
        into = tail + np.flatnonzero(~later[tail:])
        fr.emit = emit
        fr = fr.swap(out, into)
        emit = fr.emit
        position = np.arange(n)
        position[out], position[into] = into, out
        dup, resent = position[dup], position[resent]
    table = materialize(fr)
    parts = [(table, emit)]
    if len(dup):
        parts.append((table.take(pa.array(dup)), emit[dup]))
    if len(resent):
        copy = table.take(pa.array(resent))
        at = copy.schema.get_field_index("updated_at")
        shifted = pc.add(copy.column(at).cast(pa.int64()), pa.array(resent_shift)).cast(
            pa.timestamp("us", tz="UTC")
        )
        parts.append((copy.set_column(at, "updated_at", shifted), emit[resent]))
    return parts, manifest
