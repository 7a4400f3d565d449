# CS Ops Pipeline — `just` lists the recipes. One flag picks the backend:
# CS_OPS_TARGET=dev (DuckDB, default) or prod (BigQuery); `just dev` / `just prod` set it for you.

set shell := ["bash", "-euo", "pipefail", "-c"]
set positional-arguments := false

python := env("CS_OPS_PYTHON", "python")

# List the recipes
default:
    @just --list --unsorted

# Everything offline on DuckDB: generate -> load -> dbt build -> train -> score -> publish (args go to the generator)
dev *ARGS:
    CS_OPS_TARGET=dev just _pipeline {{ARGS}}

# The same pipeline on BigQuery (GOOGLE_CLOUD_PROJECT + ADC, or BIGQUERY_EMULATOR_HOST for the emulator)
prod *ARGS:
    CS_OPS_TARGET=prod just _pipeline {{ARGS}}

_pipeline *ARGS:
    #!/usr/bin/env bash
    set -euo pipefail
    start=$(date +%s)
    {{python}} -m warehouse check
    if [ "${CS_OPS_TARGET:-dev}" = "dev" ]; then {{python}} -m warehouse.reset; fi
    {{python}} -m generator --overwrite {{ARGS}}
    {{python}} -m warehouse load
    {{python}} -m warehouse.dbt build
    {{python}} -m warehouse publish
    {{python}} -m ml train
    {{python}} -m ml score
    {{python}} -m warehouse publish
    {{python}} -m warehouse info
    echo
    echo "Done in $(( $(date +%s) - start )) s on CS_OPS_TARGET=${CS_OPS_TARGET:-dev}."
    echo "Outputs are under ${CS_OPS_DATA_DIR:-./data}: raw/ (Parquet batches), warehouse/ (DuckDB), ml/ (model, evaluation.json, model_card.md)."
    echo "Open the app:  just app        (CS Ops Command Center on http://localhost:8501)"
    echo "Exec report:   just report"

# Generate raw Parquet batches under <data dir>/raw (e.g. just generate --customers 500 --months 12)
generate *ARGS:
    {{python}} -m generator {{ARGS}}

# Load new raw batches into cs_ops_raw_data (idempotent; ledger-checked)
load:
    {{python}} -m warehouse load

# Build and test the dbt project on the target named by CS_OPS_TARGET (extra args go to dbt build; a batch loaded late makes it a --full-refresh, with --select it only warns)
transform *ARGS:
    {{python}} -m warehouse.dbt build {{ARGS}}
    {{python}} -m warehouse publish

# Train and evaluate the churn model from the snapshot mart (writes <data dir>/ml/)
train *ARGS:
    {{python}} -m ml train {{ARGS}}

# Score every active customer and write cs_ops_analytics.churn_scores
score:
    {{python}} -m ml score
    {{python}} -m warehouse publish

# Start the Streamlit CS Ops Command Center
app *ARGS:
    {{python}} -m streamlit run app/streamlit_app.py {{ARGS}}

# Write the self-contained HTML executive report to <data dir>/reports/
report:
    {{python}} -m app.report

# Run the test suite (unit, dbt, end-to-end on DuckDB and on the BigQuery emulator, app)
test *ARGS:
    {{python}} -m pytest {{ARGS}}

# Run the speed/memory benchmarks side by side; results go to <data dir>/reports/bench_*.json
bench:
    #!/usr/bin/env bash
    set -euo pipefail
    data="${CS_OPS_DATA_DIR:-data}"
    {{python}} -m generator.bench
    {{python}} -m warehouse.bench
    {{python}} tests/dbt/bench_dbt.py
    {{python}} -m ml.bench
    # the app bench renders every page at 100k customers over a real pipeline build of its own
    # (<data>/bench-app-100k, reused while its inputs fingerprint matches; --rebuild forces it)
    {{python}} -m app.bench
    echo "benchmark results: $(ls "$data"/reports/bench_*.json | tr '\n' ' ')"

# Lint Python (ruff) and parse the dbt project
lint:
    {{python}} -m ruff check .
    {{python}} -m ruff format --check . || true
    {{python}} -m warehouse.dbt parse

# Start the local BigQuery emulator in the foreground (try `prod` offline; prints the env to export)
emulator *ARGS:
    {{python}} -m warehouse.emulator {{ARGS}}

# Generate the dbt docs site with lineage on dev (then: just docs-serve)
docs:
    CS_OPS_TARGET=dev {{python}} -m warehouse.dbt docs generate
    @echo "Docs written to cs_ops_dbt/target/ (index.html). Serve them with: just docs-serve"

# Serve the dbt docs site on http://localhost:8080
docs-serve:
    CS_OPS_TARGET=dev {{python}} -m warehouse.dbt docs serve --port 8080
