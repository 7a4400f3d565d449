"""Churn model for the CS Ops pipeline.

    python -m ml train [--table <warehouse table | file.parquet>] [--spec ml/feature_spec.yml]
    python -m ml evaluate            # evaluation + model card, no model saved
    python -m ml score               # cs_ops_analytics.churn_scores for the newest snapshot
    python -m ml.bench               # times `ml train` / `ml score` as users run them

Python API for other parts (the app's simulator):

    from ml.model_store import load_model, predict_with_drivers
    model = load_model()                       # verified: sha256, library versions, trusted types
    predict_with_drivers(model, frame)         # -> churn_probability, risk_tier, top_drivers

Modules: spec (feature spec), data (input tables, oracle), model (pipeline, time split,
calibration), metrics, explain (what-if drivers, permutation importance), train,
report (model card), model_store (skops persistence), score, synthetic, bench.
"""
