"""Saving and loading the churn model safely.

The estimator is stored with skops (no pickle: loading never runs code from the
file) and loaded with an explicit list of trusted types. Beside it, a JSON file
holds the metadata: library versions, feature spec, training-data fingerprint and
time window, metrics, the reference values for explanations and the sha256 of the
.skops file.

`load_model(path=None)` is THE way to get a model (scorer, app simulator):
it refuses a file whose hash does not match, whose library versions are
incompatible, or that contains types outside the trusted list, with a clear message.
"""

from __future__ import annotations

import hashlib
import json
import platform
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import sklearn

from ml.explain import drivers_json, top_drivers, what_if_deltas
from ml.spec import FeatureSpec, coerce_features
from warehouse.config import get_settings
from warehouse.files import write_atomic, write_text_atomic

MODEL_FILE = "churn_model.skops"
METADATA_SUFFIX = ".meta.json"
FORMAT_VERSION = 1

# Types outside skops' default-trusted set that our model is allowed to contain.
# Anything else in a file is refused.
TRUSTED_TYPES: tuple[str, ...] = (
    "numpy.dtype",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.isotonic.IsotonicRegression",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "sklearn.ensemble._hist_gradient_boosting.binning._BinMapper",
    "sklearn.frozen._frozen.FrozenEstimator",
    "sklearn.utils._bunch.Bunch",  # the blend's (VotingClassifier) named estimators: a plain dict
    "ml.features.DerivedFeatures",
    "ml.features.AsFloat",
    "ml.features.CategoryCodes",
)


class ModelLoadError(RuntimeError):
    """The model file cannot be trusted or used; the message says why and what to do."""


def library_versions() -> dict[str, str]:
    import skops

    return {
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "skops": skops.__version__,
        "numpy": np.__version__,
        "pandas": pd.__version__,
    }


def _minor(version: str) -> tuple[str, ...]:
    return tuple(version.split(".")[:2])


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def metadata_path(model_path: Path) -> Path:
    return model_path.with_name(model_path.stem + METADATA_SUFFIX)


def default_model_path() -> Path:
    return get_settings().ml_dir / MODEL_FILE


@dataclass
class ChurnModel:
    """A loaded, verified model plus what is needed to explain its predictions."""

    estimator: object
    spec: FeatureSpec
    reference: dict
    metadata: dict

    @property
    def version(self) -> str:
        return self.metadata["model_version"]

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        return self.estimator.predict_proba(frame[self.spec.features])[:, 1]


def save_model(estimator, spec: FeatureSpec, reference: dict, metadata: dict, path: Path) -> ChurnModel:
    """Write <path> (.skops) and <path stem>.meta.json; returns the model as load_model would."""
    import skops.io as sio  # here, not at the top: importing it imports every scikit-learn estimator

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    digests: list[str] = []
    found: list[str] = []

    def dump(tmp: Path) -> None:  # serialised once; its types checked before the file is moved in place
        sio.dump(estimator, tmp)
        found.extend(sio.get_untrusted_types(file=tmp))
        unexpected = sorted(set(found) - set(TRUSTED_TYPES))
        if unexpected:
            raise ModelLoadError(
                f"refusing to save: the model contains types not in ml.model_store.TRUSTED_TYPES: "
                f"{unexpected}. Review them and add them to the list if they are safe."
            )
        digests.append(sha256_file(tmp))

    # model first, then its metadata: a reader in between sees a hash mismatch and re-reads
    # the metadata once (load_model) instead of loading a half-written file
    write_atomic(path, dump)
    digest = digests[0]
    meta = dict(metadata)
    meta.update(
        {
            "format_version": FORMAT_VERSION,
            "model_file": path.name,
            "sha256": digest,
            "model_version": meta.get("model_version") or f"{spec.name}-{digest[:12]}",
            "saved_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "library_versions": library_versions(),
            "trusted_types": sorted(found),
            "feature_spec": spec.to_dict(),
            "reference_values": reference,
        }
    )
    write_text_atomic(metadata_path(path), json.dumps(meta, indent=2, ensure_ascii=False, default=str))
    return ChurnModel(estimator=estimator, spec=spec, reference=reference, metadata=meta)


def check_compatible(saved: dict) -> None:
    """Same scikit-learn and skops minor version as the one that saved the file."""
    current = library_versions()
    problems = []
    for lib in ("scikit-learn", "skops"):
        was = saved.get(lib)
        if was is None or _minor(was) != _minor(current[lib]):
            problems.append(f"{lib} {was} (file) vs {current[lib]} (installed)")
    if problems:
        raise ModelLoadError(
            "model file was saved with incompatible library versions: "
            + "; ".join(problems)
            + ". Retrain it with `just train` (python -m ml train) in this environment."
        )


def _read_metadata(meta_file: Path) -> dict:
    try:
        return json.loads(meta_file.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ModelLoadError(
            f"metadata {meta_file} is not valid JSON ({exc}); refusing to load the model"
        ) from exc


def load_model(path: str | Path | None = None) -> ChurnModel:
    """Load and verify the churn model (default: <data dir>/ml/churn_model.skops)."""
    path = Path(path) if path else default_model_path()
    meta_file = metadata_path(path)
    if not path.is_file():
        raise ModelLoadError(f"no model at {path}: run `just train` (python -m ml train) first")
    if not meta_file.is_file():
        raise ModelLoadError(f"model {path} has no metadata file {meta_file.name}; refusing to load it")
    meta = _read_metadata(meta_file)
    if meta.get("format_version") != FORMAT_VERSION:
        raise ModelLoadError(
            f"{meta_file}: format_version {meta.get('format_version')!r}, expected {FORMAT_VERSION}; "
            "retrain the model"
        )
    actual = sha256_file(path)
    if actual != meta.get("sha256"):  # maybe caught between a new model and its metadata: look again
        time.sleep(0.5)
        meta = _read_metadata(meta_file)
        actual = sha256_file(path)
    if actual != meta.get("sha256"):
        raise ModelLoadError(
            f"model file {path} has sha256 {actual[:16]}..., but its metadata says "
            f"{str(meta.get('sha256'))[:16]}...: the file was modified or corrupted. Refusing to load it; "
            "retrain with `just train`."
        )
    check_compatible(meta.get("library_versions", {}))
    import skops.io as sio  # here, not at the top: importing it imports every scikit-learn estimator

    try:
        untrusted = sio.get_untrusted_types(file=path)
    except Exception as exc:  # noqa: BLE001 - any parse failure means the file is unusable
        raise ModelLoadError(f"model file {path} is not a readable skops file: {exc}") from exc
    unexpected = sorted(set(untrusted) - set(TRUSTED_TYPES))
    if unexpected:
        raise ModelLoadError(
            f"model file {path} contains types that are not trusted: {unexpected}. Refusing to load it."
        )
    try:
        estimator = sio.load(path, trusted=list(TRUSTED_TYPES))
    except Exception as exc:  # noqa: BLE001
        raise ModelLoadError(f"model file {path} could not be loaded safely: {exc}") from exc
    spec = FeatureSpec.from_dict(meta["feature_spec"])
    return ChurnModel(
        estimator=estimator, spec=spec, reference=meta.get("reference_values", {}), metadata=meta
    )


def predict_with_drivers(
    model: ChurnModel, frame: pd.DataFrame, top: int = 3, drivers_as_json: bool = False
) -> pd.DataFrame:
    """Probability, risk tier and top drivers (list of dicts; JSON text with `drivers_as_json`, as
    churn_scores stores them) for each row of `frame`.

    `frame` needs the spec's feature columns (extra columns are ignored), e.g.
    what-if rows from the app's simulator. Index is preserved.
    """
    spec = model.spec
    work = coerce_features(frame, spec, "predict_with_drivers input")
    probability, deltas = what_if_deltas(model.estimator, work, spec, model.reference)
    prob = pd.Series(probability, index=frame.index)
    explain = drivers_json if drivers_as_json else top_drivers
    return pd.DataFrame(
        {
            "churn_probability": prob,
            "risk_tier": spec.risk_tier(prob),
            "top_drivers": explain(work, deltas, spec, model.reference, top=top),
        },
        index=frame.index,
    )
