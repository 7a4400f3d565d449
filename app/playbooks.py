"""Playbooks: from an at-risk account's signs to the actions a CSM should take.

The rules live in app/playbooks.yml (pt-BR and English text side by side). A playbook
applies to an account whose risk tier is in its `risk_tiers` when any of its conditions
holds: a lever's value crosses a threshold (`feature`/`op`/`value`) or the model names
the lever among the top drivers raising the account's risk (`driver`). A `fallback`
playbook applies only when no other one does.

Only levers a CS team can move (usage, adoption, support, NPS, billing) and the renewal
date may be conditions. Segment, company size, UF, plan, MRR, seats and tenure are
context: a condition on them is refused when the file is read, so they can never be the
reason an action is recommended.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from app.i18n import tr
from warehouse.action_log import ACTION_TYPES

PLAYBOOKS_FILE = Path(__file__).with_name("playbooks.yml")
# What a condition may look at: levers the CS team can move, and the renewal date (timing).
LEVERS = frozenset(
    {
        "active_users_30d",
        "adoption_rate",
        "events_30d",
        "events_per_active_user",
        "usage_trend_pct",
        "modules_used_30d",
        "modules_used_share",
        "tickets_90d",
        "p1_tickets_90d",
        "avg_csat_90d",
        "avg_first_response_hours_90d",
        "last_nps",
        "late_invoices_90d",
        "avg_payment_delay_days_90d",
        "failed_payments_90d",
        "open_overdue_invoices",
        "max_days_overdue_open",
        "is_suspended_risk",
        "health_score",
        "days_to_renewal",
    }
)
CONTEXT = frozenset(
    {"segment", "company_size", "uf", "city", "plan", "mrr", "current_mrr", "seats", "tenure_months"}
)
OPERATORS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
PRIORITIES = ("high", "medium", "low")
RISK_TIERS = ("alto", "médio", "baixo")


class PlaybookError(ValueError):
    """app/playbooks.yml is wrong; the message names the playbook and field."""


@dataclass(frozen=True)
class Condition:
    feature: str
    op: str = ""  # "" for a driver condition
    value: float = 0.0

    @property
    def is_driver(self) -> bool:
        return not self.op

    def holds(self, row: Mapping[str, Any], risk_drivers: set[str]) -> bool:
        if self.is_driver:
            return self.feature in risk_drivers
        value = row.get(self.feature)
        if value is None or value != value:  # missing / NaN never triggers
            return False
        return OPERATORS[self.op](float(value), self.value)


@dataclass(frozen=True)
class Playbook:
    id: str
    title: dict[str, str]
    why: dict[str, str]
    action_type: str
    priority: str
    due_in_days: int
    risk_tiers: tuple[str, ...]
    conditions: tuple[Condition, ...]
    fallback: bool = False

    def applies(self, row: Mapping[str, Any], risk_drivers: set[str]) -> bool:
        if str(row.get("risk_tier")) not in self.risk_tiers:
            return False
        return any(condition.holds(row, risk_drivers) for condition in self.conditions)


def _text(entry: dict, key: str, where: str) -> dict[str, str]:
    value = entry.get(key)
    if not isinstance(value, dict) or not value.get("pt") or not value.get("en"):
        raise PlaybookError(f"{where}: '{key}' needs a pt and an en text, e.g. {key}: {{pt: ..., en: ...}}")
    return {"pt": str(value["pt"]), "en": str(value["en"])}


def _condition(raw: Any, where: str) -> Condition:
    if not isinstance(raw, dict):
        raise PlaybookError(f"{where}: a condition is {{feature, op, value}} or {{driver}}, got {raw!r}")
    name = str(raw.get("driver") or raw.get("feature") or "")
    if name in CONTEXT:
        raise PlaybookError(
            f"{where}: '{name}' is context nobody can change (segment, size, UF, plan, MRR, seats, "
            "tenure), never a reason to act; use a lever such as usage, adoption, tickets, NPS or billing"
        )
    if name not in LEVERS:
        raise PlaybookError(f"{where}: '{name}' is not a known lever; use one of {', '.join(sorted(LEVERS))}")
    if "driver" in raw:
        return Condition(name)
    if raw.get("op") not in OPERATORS:
        raise PlaybookError(f"{where}: op must be one of {' '.join(OPERATORS)}, got {raw.get('op')!r}")
    try:
        return Condition(name, str(raw["op"]), float(raw["value"]))
    except (KeyError, TypeError, ValueError):
        raise PlaybookError(f"{where}: value must be a number, got {raw.get('value')!r}") from None


def _playbook(entry: dict, index: int, source: str) -> Playbook:
    where = f"{source}: playbook {entry.get('id') or index + 1}"
    if entry.get("action_type") not in ACTION_TYPES:
        raise PlaybookError(f"{where}: action_type must be one of {', '.join(ACTION_TYPES)}")
    if entry.get("priority") not in PRIORITIES:
        raise PlaybookError(f"{where}: priority must be one of {', '.join(PRIORITIES)}")
    tiers = tuple(str(t) for t in entry.get("risk_tiers") or ("alto", "médio"))
    if not set(tiers) <= set(RISK_TIERS):
        raise PlaybookError(f"{where}: risk_tiers must be among {', '.join(RISK_TIERS)}")
    conditions = tuple(
        _condition(raw, f"{where}, condition {n + 1}") for n, raw in enumerate(entry.get("when") or [])
    )
    fallback = bool(entry.get("fallback", False))
    if not conditions and not fallback:
        raise PlaybookError(f"{where}: needs at least one condition under 'when' (or fallback: true)")
    try:
        due = int(entry.get("due_in_days", 7))
    except (TypeError, ValueError):
        raise PlaybookError(f"{where}: due_in_days must be a whole number of days") from None
    return Playbook(
        id=str(entry.get("id") or f"playbook_{index + 1}"),
        title=_text(entry, "title", where),
        why=_text(entry, "why", where),
        action_type=str(entry["action_type"]),
        priority=str(entry["priority"]),
        due_in_days=due,
        risk_tiers=tiers,
        conditions=conditions,
        fallback=fallback,
    )


def parse(text: str, source: str = "playbooks.yml") -> tuple[Playbook, ...]:
    """Playbooks from YAML text; PlaybookError names the playbook and field of a mistake."""
    try:
        document = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise PlaybookError(f"{source} is not valid YAML: {exc}") from None
    entries = document.get("playbooks") if isinstance(document, dict) else None
    if not isinstance(entries, list) or not entries:
        raise PlaybookError(f"{source}: expected a list under 'playbooks:'")
    return tuple(_playbook(entry, n, source) for n, entry in enumerate(entries))


@lru_cache(maxsize=4)
def load(path: Path = PLAYBOOKS_FILE) -> tuple[Playbook, ...]:
    return parse(path.read_text(encoding="utf-8"), str(path.name))


def risk_driver_features(drivers: list[dict[str, Any]]) -> set[str]:
    """The features the model names as raising this account's risk."""
    return {d["feature"] for d in drivers if (d.get("contribution") or 0) > 0}


def recommend(
    row: Mapping[str, Any], drivers: list[dict[str, Any]], playbooks: tuple[Playbook, ...] | None = None
) -> list[Playbook]:
    """The playbooks that apply to one account, highest priority first."""
    playbooks = load() if playbooks is None else playbooks
    risk_drivers = risk_driver_features(drivers)
    found = [p for p in playbooks if not p.fallback and p.applies(row, risk_drivers)]
    if not found:
        found = [p for p in playbooks if p.fallback and str(row.get("risk_tier")) in p.risk_tiers]
    return sorted(found, key=lambda p: PRIORITIES.index(p.priority))


def due_date(playbook: Playbook, today: dt.date) -> dt.date:
    return today + dt.timedelta(days=playbook.due_in_days)


def priority_label(priority: str, lang: str) -> str:
    labels = {"high": ("alta", "high"), "medium": ("média", "medium"), "low": ("baixa", "low")}
    return tr(*labels.get(priority, (priority, priority)), lang)
