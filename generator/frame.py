"""A table under construction: typed numpy columns that know how to render as text.

The simulation fills a `Frame` with numbers (day numbers, cents, category codes, id
numbers); the dirt injector flips per-row variant codes and null masks; `materialize`
renders everything to an Arrow table with exactly the contract's schema.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from generator import fmt
from generator.units import US_PER_DAY, US_PER_SECOND
from warehouse.contract import load_contract

# column kinds
ID, TEXT, DATE, TSTEXT, MONEY, ENUM, CNPJ, EMAIL, INT, TS = (
    "id",
    "text",
    "date",
    "tstext",
    "money",
    "enum",
    "cnpj",
    "email",
    "int",
    "ts",
)

# enum variants (0 = canonical)
ENUM_VARIANTS = ("upper", "lower", "lead_space", "trail_space", "no_accent", "alias")
ENUM_ALIASES = {
    "P1": "Crítica",
    "P2": "Alta",
    "P3": "Média",
    "P4": "Baixa",
    "Em aberto": "Aberta",
    "Paga": "Pago",
}


@dataclass
class Col:
    kind: str
    values: object  # np.ndarray, or pa.Array for TEXT/EMAIL
    prefix: str = ""
    width: int = 0
    vocab: tuple[str, ...] = ()
    null: np.ndarray | None = None
    variant: np.ndarray | None = None  # int8 per row, 0 = clean
    dict_limit: int = 0  # ID only: render dictionary-encoded over ids 0..dict_limit-1 (+ any others)

    def ensure_null(self, n: int) -> np.ndarray:
        if self.null is None:
            self.null = np.zeros(n, dtype=bool)
        return self.null

    def ensure_variant(self, n: int) -> np.ndarray:
        if self.variant is None:
            self.variant = np.zeros(n, dtype=np.int8)
        return self.variant


@dataclass
class Frame:
    table: str
    n: int
    cols: dict[str, Col]
    emit: np.ndarray  # batch number in which each row is delivered
    extra: dict = field(default_factory=dict)
    owned: bool = False  # the numpy columns are this frame's own (may be changed in place)
    clean: np.ndarray | None = None  # rows the dirt injector leaves alone

    def take(self, order: np.ndarray) -> Frame:
        """The same rows in another order (numpy/arrow takes on the unrendered columns)."""
        cols = {}
        for name, col in self.cols.items():
            if isinstance(col.values, (pa.Array, pa.ChunkedArray)):
                values = col.values.take(pa.array(order))
            else:
                values = np.asarray(col.values)[order]
            cols[name] = Col(
                col.kind,
                values,
                prefix=col.prefix,
                width=col.width,
                vocab=col.vocab,
                null=None if col.null is None else col.null[order],
                variant=None if col.variant is None else col.variant[order],
                dict_limit=col.dict_limit,
            )
        return Frame(self.table, self.n, cols, self.emit[order], self.extra)

    def swap(self, a: np.ndarray, b: np.ndarray) -> Frame:
        """The same rows with rows a[i] and b[i] exchanged (a and b disjoint): a copy and a
        few element swaps per column instead of a full gather."""

        def swapped(values):
            if isinstance(values, pa.DictionaryArray) and values.offset == 0:
                indices = np.array(values.indices.to_numpy(zero_copy_only=False), copy=True)
                indices[a], indices[b] = indices[b], indices[a].copy()
                mask = None
                if values.null_count:
                    mask = np.array(values.is_null(), copy=True)
                    mask[a], mask[b] = mask[b], mask[a].copy()
                return pa.DictionaryArray.from_arrays(pa.array(indices, mask=mask), values.dictionary)
            if isinstance(values, (pa.Array, pa.ChunkedArray)):
                order = np.arange(self.n)
                order[a], order[b] = b, a
                return values.take(pa.array(order))
            out = values if self.owned and isinstance(values, np.ndarray) else np.array(values, copy=True)
            out[a], out[b] = out[b], out[a].copy()
            return out

        cols = {}
        for name, col in self.cols.items():
            cols[name] = Col(
                col.kind,
                swapped(col.values),
                prefix=col.prefix,
                width=col.width,
                vocab=col.vocab,
                null=None if col.null is None else swapped(col.null),
                variant=None if col.variant is None else swapped(col.variant),
                dict_limit=col.dict_limit,
            )
        return Frame(self.table, self.n, cols, swapped(self.emit), self.extra, self.owned)

    def key_strings(self, index: np.ndarray) -> pa.Array:
        """Original (clean) primary-key text of the given rows, for the dirt manifest."""
        pk = load_contract().table(self.table).primary_key
        col = self.cols[pk]
        return fmt.fixed_ids(col.prefix, np.asarray(col.values)[index], col.width)


def _enum_variant(text: str, code: int) -> str:
    name = ENUM_VARIANTS[(code - 1) % len(ENUM_VARIANTS)]
    if name == "alias":
        if text in ENUM_ALIASES:
            return ENUM_ALIASES[text]
        name = "lead_space"
    if name == "no_accent":
        plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
        if plain != text:
            return plain
        name = "upper"
    if name == "upper":
        return text.upper() if text.upper() != text else text.lower()
    if name == "lower":
        return text.lower() if text.lower() != text else text.upper()
    if name == "lead_space":
        return " " + text
    return text + " "


def _email_variant(text: str, code: int) -> str:
    user, _, domain = text.partition("@")
    forms = (
        f"{user}{domain}",  # missing @
        f"{user}@@{domain}",
        f"{user}@{domain.split('.')[0]}",  # no TLD
        f"{user} @{domain}",  # space
        f"{user}@{domain}.",  # trailing dot
        f"@{domain}",  # no local part
    )
    return forms[(code - 1) % len(forms)]


def _render(col: Col, n: int) -> pa.Array:
    kind = col.kind
    variant = col.variant
    dirty = np.flatnonzero(variant) if variant is not None else np.empty(0, np.int64)
    if kind == ID and col.dict_limit:
        return fmt.dictionary_ids(col.prefix, col.values, col.width, col.dict_limit, col.null)
    if kind == ID:
        array = fmt.fixed_ids(col.prefix, col.values, col.width)
    elif kind == TEXT:
        array = col.values
    elif kind == EMAIL:
        array = col.values
        if len(dirty):
            old = array.take(pa.array(dirty)).to_pylist()
            array = fmt.patch(
                array, dirty, [_email_variant(t, int(variant[i])) for t, i in zip(old, dirty, strict=True)]
            )
    elif kind == ENUM:
        # dictionary-encoded: the vocabulary plus one entry per dirty variant
        codes = np.asarray(col.values, dtype=np.int32)
        words = list(col.vocab)
        if len(dirty):
            codes = codes.copy()
            words += [_enum_variant(col.vocab[codes[i]], int(variant[i])) for i in dirty]
            codes[dirty] = len(col.vocab) + np.arange(len(dirty), dtype=np.int32)
        array = pa.DictionaryArray.from_arrays(pa.array(codes, pa.int32()), pa.array(words, pa.string()))
    elif kind == DATE:
        days = np.asarray(col.values, dtype=np.int64)
        array = fmt.iso_dates(days)
        if len(dirty):
            array = fmt.patch(array, dirty, [fmt.date_variant(days[i], int(variant[i])) for i in dirty])
    elif kind == TSTEXT:
        micros = np.asarray(col.values, dtype=np.int64)
        array = fmt.iso_timestamps(micros)
        if len(dirty):
            days = micros[dirty] // US_PER_DAY
            secs = (micros[dirty] % US_PER_DAY) // US_PER_SECOND
            array = fmt.patch(
                array,
                dirty,
                [
                    fmt.date_variant(d, int(variant[i]), int(s))
                    for d, s, i in zip(days, secs, dirty, strict=True)
                ],
            )
    elif kind == MONEY:
        cents = np.asarray(col.values, dtype=np.int64)
        array = fmt.plain_money(cents)
        if len(dirty):
            array = fmt.patch(array, dirty, [fmt.money_variant(cents[i], int(variant[i])) for i in dirty])
    elif kind == CNPJ:
        array = fmt.cnpj_text(col.values, variant)
    elif kind == INT:
        array = pa.array(np.asarray(col.values, dtype=np.int64), pa.int64())
    elif kind == TS:
        array = pa.array(np.asarray(col.values, dtype=np.int64), pa.int64()).cast(
            pa.timestamp("us", tz="UTC")
        )
    else:  # pragma: no cover - programming error
        raise ValueError(f"unknown column kind {kind}")
    return fmt.with_nulls(array, col.null)


def materialize(frame: Frame) -> pa.Table:
    """Render to an Arrow table with the contract's schema (column order and types)."""
    schema = load_contract().table(frame.table).arrow_schema()
    arrays = []
    for field_ in schema:
        col = frame.cols.get(field_.name)
        if col is None:
            arrays.append(pa.nulls(frame.n, field_.type))
            continue
        array = _render(col, frame.n)
        if array.type != field_.type and not pa.types.is_dictionary(array.type):
            array = array.cast(field_.type)
        arrays.append(array)
    return pa.Table.from_arrays(arrays, names=schema.names)


def index_type(size: int) -> type:
    """The narrowest signed integer type that indexes a dictionary of `size` entries."""
    return np.int8 if size <= 127 else np.int16 if size <= 32_767 else np.int32


def pool_dictionary(codes: np.ndarray, pool: pa.Array) -> pa.DictionaryArray:
    """A column drawn from a pool, dictionary-encoded (no per-row string copies), with the
    narrowest index type the pool allows (the dictionary is the pool: the column's values
    never leave it, so concatenated parts still fit the index type)."""
    return pa.DictionaryArray.from_arrays(pa.array(np.asarray(codes, dtype=index_type(len(pool)))), pool)
