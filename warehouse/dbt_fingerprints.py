"""Fingerprints of the incremental dbt models: rebuild one when what wrote its rows changed.

An incremental model keeps rows written by earlier runs. If the code that computes them
changed since (its own SQL, a model upstream of it, a macro any of them calls, a var or a
seed they read), those rows are stale, and a plain `dbt build` would only append new
rows computed the new way next to them. So each incremental model stores, in the same
transaction as its rows (the post-hook `store_fingerprint`), a fingerprint of all it
depends on: a hash per component, in `cs_ops_analytics.incremental_fingerprints`.

Before a build, `python -m warehouse.dbt` parses the project, computes each incremental
model's fingerprint (`model_fingerprints`), compares it with the stored one
(`stale_models`) and marks the models that differ for a full refresh, printing one line
each that says which components changed. A model with rows but no stored fingerprint (a
plain `dbt` run outside the wrapper, or rows from before fingerprints) is rebuilt too.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

FINGERPRINT_TABLE = "incremental_fingerprints"
PROJECT = "cs_ops_dbt"
META_FINGERPRINT = "fingerprint"  # node meta keys the post-hook stores
META_COMPONENTS = "fingerprint_components"

_CALL = re.compile(r"\b([A-Za-z_]\w*)\s*\(")
_VAR = re.compile(r"\bvar\(\s*['\"](\w+)['\"]")


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _lineage(manifest: Any, unique_id: str) -> list[Any]:
    """The node and every model, seed or snapshot upstream of it (sources are data, not code)."""
    seen: dict[str, Any] = {}
    todo = [unique_id]
    while todo:
        current = todo.pop()
        if current in seen or current not in manifest.nodes:
            continue
        node = manifest.nodes[current]
        seen[current] = node
        todo.extend(node.depends_on.nodes)
    return list(seen.values())


def _macros_called(texts: Iterable[str], macros: Mapping[str, Any], adapter: str) -> dict[str, Any]:
    """The project macros the texts call, directly or through other macros (with their
    adapter-dispatched implementations). Read from the text, so a macro called only in
    a branch that parsing did not take counts too."""
    found: dict[str, Any] = {}
    todo = list(texts)
    while todo:
        for name in _CALL.findall(todo.pop()):
            for candidate in (name, f"{adapter}__{name}", f"default__{name}"):
                macro = macros.get(candidate)
                if macro is not None and candidate not in found:
                    found[candidate] = macro
                    todo.append(macro.macro_sql)
    return found


def components(manifest: Any, unique_id: str, variables: Mapping[str, Any], adapter: str) -> dict[str, str]:
    """What the rows of one model depend on, each with a short hash: its own and every upstream
    model's, seed's and snapshot's file, the project macros they call and the vars they read."""
    nodes = _lineage(manifest, unique_id)
    macros = {m.name: m for m in manifest.macros.values() if m.package_name == PROJECT}
    called = _macros_called((node.raw_code for node in nodes), macros, adapter)
    texts = [node.raw_code for node in nodes] + [macro.macro_sql for macro in called.values()]
    used_vars = {name for text in texts for name in _VAR.findall(text)}
    # a model's SQL text; a seed has none, its file checksum stands for its rows
    found = {
        f"{node.resource_type} {node.name}": _sha(node.raw_code)
        if node.raw_code
        else node.checksum.checksum[:16]
        for node in nodes
    }
    found.update({f"macro {name}": _sha(macro.macro_sql) for name, macro in called.items()})
    found.update({f"var {name}": _sha(json.dumps(variables.get(name), sort_keys=True)) for name in used_vars})
    return dict(sorted(found.items()))


def fingerprint(parts: Mapping[str, str]) -> str:
    return _sha(json.dumps(parts, sort_keys=True))


def incremental_models(manifest: Any) -> dict[str, Any]:
    """unique_id -> node of every enabled incremental model of the project."""
    return {
        unique_id: node
        for unique_id, node in manifest.nodes.items()
        if node.resource_type == "model"
        and node.package_name == PROJECT
        and node.config.materialized == "incremental"
    }


@dataclass(frozen=True)
class Stored:
    fingerprint: str
    components: dict[str, str]


@dataclass(frozen=True)
class Stale:
    """An incremental model whose stored rows were written by other code, and why."""

    model: str
    changed: tuple[str, ...]  # the components that differ; empty = no fingerprint stored

    def describe(self) -> str:
        if not self.changed:
            why = "no fingerprint is stored with its rows (written before fingerprints or by plain dbt)"
        else:
            shown = ", ".join(self.changed[:4])
            more = f" and {len(self.changed) - 4} more" if len(self.changed) > 4 else ""
            why = f"{shown}{more} changed since its rows were written"
        return f"{self.model}: rebuilding in full: {why}"


def changed_components(stored: Mapping[str, str], current: Mapping[str, str]) -> tuple[str, ...]:
    names = sorted(set(stored) | set(current))
    return tuple(name for name in names if stored.get(name) != current.get(name))


def stale_models(
    current: Mapping[str, Mapping[str, str]], stored: Mapping[str, Stored], existing: set[str]
) -> list[Stale]:
    """The models that hold rows (`existing`) whose stored fingerprint is not the current one."""
    stale = []
    for model, parts in sorted(current.items()):
        if model not in existing:
            continue  # built from scratch anyway
        kept = stored.get(model)
        if kept is None:
            stale.append(Stale(model, ()))
        elif kept.fingerprint != fingerprint(parts):
            stale.append(Stale(model, changed_components(kept.components, parts) or ("the fingerprint",)))
    return stale


def read_stored(wh: Any) -> dict[str, Stored]:
    """The fingerprints stored with the incremental models (none before the first build)."""
    if not wh.table_exists(FINGERPRINT_TABLE):
        return {}
    rows = wh.query_arrow(
        f"select model_name, fingerprint, components from {{analytics}}.{FINGERPRINT_TABLE}"
    )
    return {
        row["model_name"]: Stored(row["fingerprint"], json.loads(row["components"] or "{}"))
        for row in rows.to_pylist()
    }
