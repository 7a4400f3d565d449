"""The simulation state: the customer base as arrays (one entry per customer ever created)
plus the run's counters. `simulation.step` advances it a month; `storage` saves it losslessly
after every batch (`--continue` picks it up).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from generator import bizcal

# every customer array and its dtype, in the order the state files store them
CUSTOMER_ARRAYS = {
    "seg": np.int8,
    "porte": np.int8,
    "plan": np.int8,
    "uf": np.int16,
    "city": np.int16,
    "csm": np.int16,
    "sobrenome": np.int32,
    "atividade": np.int32,
    "sufixo": np.int32,
    "contato_first": np.int32,
    "contato_last": np.int32,
    "cnpj_base": np.int64,
    "signup": np.int64,
    "mod_order": np.int16,
    "nmods": np.int8,
    "seats": np.int64,
    "price_factor": np.float64,
    "cycle": np.int8,
    "ctr_id": np.int64,
    "ctr_start": np.int64,
    "ctr_end": np.int64,
    "ctr_tipo": np.int8,
    "mrr_cents": np.int64,
    "active": np.bool_,
    "churn_day": np.int64,
    "churn_reason": np.int8,
    "react_day": np.int64,
    "z": np.float64,
    "mu": np.float64,
    "drift": np.float64,
    "drift_left": np.int8,
    "tickets_recent": np.float64,
    "ublock": np.int64,
    "ucap": np.int64,
    "ucreated": np.int64,
    "uemitted": np.int64,
    "ulo": np.int64,
    "susp_start": np.int64,
    "susp_end": np.int64,
}


@dataclass
class Customers:
    """One array per attribute, one entry per customer (customer i is CLI-(i + 1)).
    Days are days since 1970-01-01; -1 means "none"."""

    # who: segment, size, plan, place, CSM, name parts, CNPJ root, signup day
    seg: np.ndarray
    porte: np.ndarray
    plan: np.ndarray
    uf: np.ndarray
    city: np.ndarray
    csm: np.ndarray
    sobrenome: np.ndarray
    atividade: np.ndarray
    sufixo: np.ndarray
    contato_first: np.ndarray
    contato_last: np.ndarray
    cnpj_base: np.ndarray
    signup: np.ndarray
    # what they license: module order and count, seats, price, billing cycle
    mod_order: np.ndarray
    nmods: np.ndarray
    seats: np.ndarray
    price_factor: np.ndarray
    cycle: np.ndarray
    # the contract term in force
    ctr_id: np.ndarray
    ctr_start: np.ndarray
    ctr_end: np.ndarray
    ctr_tipo: np.ndarray
    mrr_cents: np.ndarray
    # churn and win-back
    active: np.ndarray
    churn_day: np.ndarray
    churn_reason: np.ndarray
    react_day: np.ndarray
    # latent health: z, its mean-reversion level mu, the decline/boost regime and months left
    z: np.ndarray
    mu: np.ndarray
    drift: np.ndarray
    drift_left: np.ndarray
    tickets_recent: np.ndarray  # decayed ticket count (the Suporte churn reason)
    # user slots: ids ublock..ublock+ucap-1; created, exported; slots below ulo are Inativo
    ublock: np.ndarray
    ucap: np.ndarray
    ucreated: np.ndarray
    uemitted: np.ndarray
    ulo: np.ndarray
    # the latest suspension interval [start, end), -1 = never
    susp_start: np.ndarray
    susp_end: np.ndarray

    @classmethod
    def empty(cls) -> Customers:
        return cls(**{name: np.empty(0, dtype=dtype) for name, dtype in CUSTOMER_ARRAYS.items()})

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> Customers:
        return cls(**{name: arrays[name].astype(dtype) for name, dtype in CUSTOMER_ARRAYS.items()})

    def arrays(self) -> dict[str, np.ndarray]:
        """Every array by name, in CUSTOMER_ARRAYS order."""
        return {name: getattr(self, name) for name in CUSTOMER_ARRAYS}

    def append(self, new: dict[str, np.ndarray]) -> None:
        """Add customers: `new` has every attribute, cast to the state's dtypes."""
        for name, dtype in CUSTOMER_ARRAYS.items():
            setattr(self, name, np.concatenate([getattr(self, name), np.asarray(new[name]).astype(dtype)]))

    def __len__(self) -> int:
        return len(self.signup)


@dataclass
class SimState:
    """Everything a month of the simulation reads and changes, and nothing else."""

    seed: int
    usage_scale: float
    base_customers: int  # the initial base (acquisition is a share of it)
    start: tuple[int, int]  # first simulated (year, month)
    customers: Customers
    next_month: int = 0  # month index k of the next `step`
    next_id: dict[str, int] = field(
        default_factory=lambda: {"CTR-": 1, "FAT-": 1, "USR-": 1, "EVT-": 1, "TCK-": 1, "NPS-": 1}
    )
    u_created: np.ndarray | None = None  # creation day of every user slot (-1 = not yet)
    options: dict | None = None  # the run's options, saved with the state (generator.run)
    generator_version: str | None = None

    def month_bounds(self, k: int) -> tuple[int, int, int, int]:
        """(year, month, first day, first day of the next month) of month k."""
        year, month = self.start
        index = year * 12 + month - 1 + k
        y, m = index // 12, index % 12 + 1
        return y, m, bizcal.month_start(y, m), bizcal.month_start(y, m, 1)

    def batch_number_of_days(self, days: np.ndarray) -> np.ndarray:
        """1-based batch number of the month each day falls in."""
        return bizcal.month_index(days, *self.start) + 1

    def copy(self) -> SimState:
        """A deep copy (the arrays too): what a batch's state file holds."""
        return dataclasses.replace(
            self,
            customers=Customers(**{name: array.copy() for name, array in self.customers.arrays().items()}),
            next_id=dict(self.next_id),
            u_created=None if self.u_created is None else self.u_created.copy(),
        )

    def meta(self) -> dict:
        """The counters as saved in the state JSON (the arrays go to the binary file)."""
        meta = {
            "seed": self.seed,
            "usage_scale": self.usage_scale,
            "base_customers": self.base_customers,
            "start": list(self.start),
            "next_month": self.next_month,
            "next": dict(self.next_id),
        }
        if self.options is not None:
            meta["options"] = self.options
        if self.generator_version is not None:
            meta["generator_version"] = self.generator_version
        return meta

    @classmethod
    def from_meta(cls, meta: dict, customers: Customers, u_created: np.ndarray | None) -> SimState:
        return cls(
            seed=int(meta["seed"]),
            usage_scale=float(meta.get("usage_scale", 1.0)),  # saved before --usage-scale existed: 1.0
            base_customers=int(meta["base_customers"]),
            start=(int(meta["start"][0]), int(meta["start"][1])),
            customers=customers,
            next_month=int(meta["next_month"]),
            next_id=dict(meta["next"]),
            u_created=u_created,
            options=meta.get("options"),
            generator_version=meta.get("generator_version"),
        )
