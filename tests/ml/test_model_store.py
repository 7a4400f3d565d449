from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import skops.io as sio
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from ml.model_store import (
    MODEL_FILE,
    ModelLoadError,
    load_model,
    metadata_path,
    predict_with_drivers,
    sha256_file,
)


@pytest.fixture
def saved(trained, tmp_path):
    """A private copy of the trained artefacts (tests tamper with them)."""
    _, out = trained
    for name in (MODEL_FILE, metadata_path(out / MODEL_FILE).name):
        (tmp_path / name).write_bytes((out / name).read_bytes())
    return tmp_path / MODEL_FILE


def test_round_trip_gives_the_same_predictions(trained, saved, synthetic):
    result, _ = trained
    frame, _ = synthetic
    loaded = load_model(saved)
    rows = frame.tail(200)
    np.testing.assert_allclose(loaded.predict_proba(rows), result.model.predict_proba(rows))
    meta = loaded.metadata
    assert meta["sha256"] == sha256_file(saved)
    assert meta["library_versions"]["scikit-learn"] and meta["library_versions"]["skops"]
    assert meta["feature_spec"]["numeric"] == list(loaded.spec.numeric)
    assert len(meta["training_fingerprint"]) == 64
    assert meta["training_window"]["fit"][0] <= meta["training_window"]["calibration"][1]
    assert meta["metrics"]["model"]["roc_auc"] > 0.5
    assert loaded.version.startswith("churn_90d-")


def test_tampered_model_file_is_refused(saved):
    data = bytearray(saved.read_bytes())
    data[len(data) // 2] ^= 0xFF
    saved.write_bytes(bytes(data))
    with pytest.raises(ModelLoadError, match="modified or corrupted"):
        load_model(saved)


def test_incompatible_library_version_is_refused(saved):
    meta_file = metadata_path(saved)
    meta = json.loads(meta_file.read_text())
    meta["library_versions"]["scikit-learn"] = "0.24.2"
    meta_file.write_text(json.dumps(meta))
    with pytest.raises(ModelLoadError, match=r"scikit-learn 0\.24\.2 \(file\)"):
        load_model(saved)


def test_untrusted_type_is_refused_even_with_a_matching_hash(saved):
    # A file that would call os.system when used: swap it in and fix the hash, as an attacker could.
    evil = Pipeline([("x", FunctionTransformer(os.system))])
    sio.dump(evil, saved)
    meta_file = metadata_path(saved)
    meta = json.loads(meta_file.read_text())
    meta["sha256"] = sha256_file(saved)
    meta_file.write_text(json.dumps(meta))
    with pytest.raises(ModelLoadError, match="not trusted"):
        load_model(saved)


def test_missing_model_says_how_to_make_one(tmp_path):
    with pytest.raises(ModelLoadError, match="just train"):
        load_model(tmp_path / MODEL_FILE)


def test_predict_with_drivers_is_consistent_with_the_model(saved, synthetic):
    frame, _ = synthetic
    model = load_model(saved)
    rows = frame[frame["snapshot_date"] == frame["snapshot_date"].max()].head(300)
    out = predict_with_drivers(model, rows)
    assert list(out.columns) == ["churn_probability", "risk_tier", "top_drivers"]
    assert out.index.equals(rows.index)
    np.testing.assert_allclose(out["churn_probability"], model.predict_proba(rows))
    assert set(out["risk_tier"]) <= {"alto", "médio", "baixo"}
    riskiest = out["churn_probability"].idxmax()
    drivers = out.loc[riskiest, "top_drivers"]
    assert 1 <= len(drivers) <= 3
    assert all(d["text"] and d["direction"] in {"aumenta o risco", "reduz o risco"} for d in drivers)
    assert abs(drivers[0]["delta"]) >= abs(drivers[-1]["delta"])
    # what-if: setting the top driver to its reference moves the probability by exactly its delta
    top = drivers[0]
    changed = rows.loc[[riskiest]].copy()
    changed[top["feature"]] = top["reference"]
    p_changed = model.predict_proba(changed)[0]
    assert out.loc[riskiest, "churn_probability"] - p_changed == pytest.approx(top["delta"], abs=1e-4)


def test_predict_with_drivers_on_what_if_rows_without_ids(saved, synthetic):
    frame, _ = synthetic
    model = load_model(saved)
    base = frame[list(model.spec.features)].tail(1)
    worse = base.assign(p1_tickets_90d=5.0, usage_trend_pct=-60.0, adoption_rate=0.1)
    out = predict_with_drivers(model, __import__("pandas").concat([base, worse], ignore_index=True))
    assert out["churn_probability"].iloc[1] > out["churn_probability"].iloc[0]
    assert any("adoção" in d["text"] for d in out["top_drivers"].iloc[1])


@pytest.fixture(scope="module")
def boosted(synthetic, spec):
    """The gradient-boosting candidate, calibrated as ml.model builds it (the per-tree path's input)."""
    from ml.explain import reference_values
    from ml.model import fit_models, time_split

    frame, _ = synthetic
    split = time_split(frame, spec, validation_periods=0)
    models = fit_models(frame, spec, split, with_logistic=False, candidate="gradient_boosting")
    return models.calibrated, reference_values(frame[split.fit], spec)


def _awkward_rows(frame):
    rows = frame.tail(700).copy()
    rows.loc[rows.index[:5], "segment"] = np.nan  # missing and unseen categories, missing numbers
    rows.loc[rows.index[5:10], "uf"] = "XX"
    rows.loc[rows.index[10:15], "events_30d"] = np.nan
    return rows


def test_tree_what_ifs_equal_stacked_what_ifs(boosted, synthetic, spec):
    """The per-tree shortcut gives exactly what predict_proba gives on each stacked what-if frame."""
    from ml.explain import TreeWhatIf, stacked_what_if_deltas, what_if_deltas

    model, reference = boosted
    assert TreeWhatIf.for_model(model, spec) is not None  # our model takes the fast path
    rows = _awkward_rows(synthetic[0])
    fast_p, fast_d = what_if_deltas(model, rows, spec, reference, chunk_rows=256)
    slow_p, slow_d = stacked_what_if_deltas(model, rows, spec, reference)
    np.testing.assert_allclose(fast_p, model.predict_proba(rows[spec.features])[:, 1], atol=1e-12)
    np.testing.assert_allclose(fast_d, slow_d, atol=1e-12)
    assert (np.abs(fast_d) > 1e-3).any()
    context = [j for j, c in enumerate(spec.features) if c not in spec.levers]
    assert context and not fast_d[:, context].any()  # context features are never drivers


def test_driver_json_is_each_rows_drivers_one_by_one(boosted, synthetic, spec):
    """churn_scores' drivers text, built per distinct value, equals the drivers built row by row."""
    from ml.explain import MIN_DELTA, describe, drivers_json, what_if_deltas

    model, reference = boosted
    rows = _awkward_rows(synthetic[0])
    _, deltas = what_if_deltas(model, rows, spec, reference)
    deltas[:40] = -deltas[:40]  # risk-lowering drivers too
    deltas[40:45] = MIN_DELTA / 2  # and rows with none shown
    expected = []
    for i in range(len(rows)):
        drivers = []
        for j in np.argsort(-np.abs(deltas[i]), kind="stable")[:3]:
            col, d = spec.features[j], float(deltas[i, j])
            value = rows[col].iloc[i]
            value = None if value is None or (isinstance(value, float) and np.isnan(value)) else value
            value = float(value) if isinstance(value, (float, np.floating)) else value
            if abs(d) >= MIN_DELTA:
                drivers.append(
                    {
                        "feature": col,
                        "value": value,
                        "reference": reference.get(col),
                        "delta": round(d, 4),
                        "direction": "aumenta o risco" if d > 0 else "reduz o risco",
                        "text": describe(col, value, reference.get(col), spec),
                        "lever": col in spec.levers,
                    }
                )
        expected.append(json.dumps(drivers, ensure_ascii=False))
    got = drivers_json(rows, deltas, spec, reference)
    assert list(got) == expected
    assert "[]" in expected and any('"reduz o risco"' in e for e in expected)
    assert any('"value": null' in e for e in expected)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.floats(allow_nan=True, allow_infinity=True),
            st.floats(min_value=-1, max_value=1),
            # half-way points of the 4th decimal, where x * 10**4 in floats can round the other way
            st.integers(-20_000, 20_000).map(lambda k: (k + 0.5) / 10**4),
        ),
        max_size=50,
    )
)
def test_rounded_json_writes_what_json_dumps_of_round_writes(values):
    """The drivers' deltas, written once per distinct rounded value, as json.dumps(round(x, 4))."""
    from ml.explain import DELTA_DECIMALS, rounded_json

    got = rounded_json(np.asarray(values, dtype=float), DELTA_DECIMALS)
    assert list(got) == [json.dumps(round(x, DELTA_DECIMALS)) for x in values]


def test_rounded_json_at_the_half_way_points_and_signed_zero():
    from ml.explain import rounded_json

    values = [0.00125, -0.00125, 0.00135, 2.5e-05, -2.5e-05, -0.0, 0.0, -1e-07, 1e-07, 0.30000000000000004]
    assert list(rounded_json(np.asarray(values), 4)) == [json.dumps(round(x, 4)) for x in values]


def test_an_unchecked_scikit_learn_version_takes_the_public_what_ifs(boosted, synthetic, spec, monkeypatch):
    import ml.explain
    from ml.explain import TreeWhatIf, stacked_what_if_deltas, what_if_deltas

    model, reference = boosted
    monkeypatch.setattr(ml.explain, "TREE_WHAT_IF_SKLEARN", ("0.1",))
    assert TreeWhatIf.for_model(model, spec) is None
    rows = _awkward_rows(synthetic[0]).head(100)
    p, d = what_if_deltas(model, rows, spec, reference)
    np.testing.assert_array_equal(d, stacked_what_if_deltas(model, rows, spec, reference)[1])


def test_no_private_scikit_learn_import_at_module_level():
    """A scikit-learn upgrade must not break importing ml before any fallback can run."""
    import ast
    from pathlib import Path

    import ml

    for path in Path(ml.__file__).parent.glob("*.py"):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:  # module level only
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            private = [n for n in names if n.startswith("sklearn") and "._" in n]
            assert not private, f"{path.name} imports {private} at module level"


def test_a_reader_between_new_model_and_new_metadata_gets_the_new_model(trained, saved, tmp_path):
    import threading
    import time

    from ml.model_store import save_model

    result, _ = trained
    other_dir = tmp_path / "other"
    other = save_model(
        result.eval_models.calibrated, result.model.spec, result.model.reference, {}, other_dir / MODEL_FILE
    )
    assert other.metadata["sha256"] != load_model(saved).metadata["sha256"]
    # a writer replaces the model file first and its metadata a moment later (ml.model_store.save_model)
    saved.write_bytes((other_dir / MODEL_FILE).read_bytes())
    later = threading.Timer(
        0.2, lambda: metadata_path(saved).write_text(metadata_path(other_dir / MODEL_FILE).read_text())
    )
    later.start()
    started = time.perf_counter()
    loaded = load_model(saved)
    later.join()
    assert loaded.metadata["sha256"] == other.metadata["sha256"]
    assert time.perf_counter() - started < 5


def test_other_pipelines_fall_back_to_stacked_what_ifs(trained, synthetic):
    from sklearn.ensemble import HistGradientBoostingClassifier

    from ml.explain import TreeWhatIf, stacked_what_if_deltas, what_if_deltas
    from ml.model import build_preprocessor, calibrate

    result, _ = trained
    frame, _ = synthetic
    spec = result.model.spec
    rows = frame[frame["is_label_complete"]]
    fit, cal = rows.head(6000), rows.iloc[6000:9000]
    # gradient boosting behind one-hot + imputer indicators (a model saved by an older ml version)
    one_hot = Pipeline(
        [
            ("preprocess", build_preprocessor(spec, scale=False)),
            ("model", HistGradientBoostingClassifier(max_iter=20)),
        ]
    ).fit(fit[spec.features], fit["churn_status"])
    older = calibrate(one_hot, cal[spec.features], cal["churn_status"])
    for model in (older, result.eval_models.logistic):
        assert TreeWhatIf.for_model(model, spec) is None
        probe = frame.tail(50)
        p, d = what_if_deltas(model, probe, spec, result.model.reference)
        p2, d2 = stacked_what_if_deltas(model, probe, spec, result.model.reference)
        np.testing.assert_array_equal(d, d2)


def test_the_commands_import_skops_only_to_save_or_load():
    """skops.io imports every scikit-learn estimator (~1.3 CPU-s): only save_model/load_model may."""
    code = "import sys, ml.cli, ml.train, ml.model_store; print('skops.io' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
