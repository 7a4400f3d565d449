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

# One run per data dir: the whole pipeline holds the data dir's lock (warehouse/lock.py)
_pipeline *ARGS:
    {{python}} -m warehouse.lock just _pipeline_steps {{ARGS}}

# Readers see the previous release until this run publishes the next one, after scoring
# (`ml score` publishes): marts and scores of one release, never marts without scores.
_pipeline_steps *ARGS:
    #!/usr/bin/env bash
    set -euo pipefail
    start=$(date +%s.%N)
    stage() {  # stage <name> <command...>: run one step and say how long it took
        local name=$1 began
        shift
        began=$(date +%s.%N)
        "$@"
        echo "[stage] $name $(awk -v a="$began" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
    }
    {{python}} -m warehouse check
    if [ "${CS_OPS_TARGET:-dev}" = "dev" ]; then stage reset {{python}} -m warehouse.reset; fi
    stage generate {{python}} -m generator --overwrite {{ARGS}}
    stage load {{python}} -m warehouse load
    # the data tests check every build; dbt's unit tests check the SQL on fixed rows, not the
    # data, so they run in `just test` / CI (pytest tests/dbt) and `just transform`, not here
    stage dbt {{python}} -m warehouse.dbt build --exclude-resource-type unit_test
    stage train {{python}} -m ml train
    stage score {{python}} -m ml score
    {{python}} -m warehouse info
    echo
    echo "Done in $(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", b - a }') s on CS_OPS_TARGET=${CS_OPS_TARGET:-dev}."
    echo "Outputs are under ${CS_OPS_DATA_DIR:-./data}: raw/ (Parquet batches), warehouse/ (DuckDB), ml/ (model, evaluation.json, model_card.md)."
    echo "Open the app:  just app        (CS Ops Command Center on http://localhost:8501)"
    echo "Exec report:   just report"

# Generate raw Parquet batches under <data dir>/raw (e.g. just generate --customers 500 --months 12)
generate *ARGS:
    {{python}} -m generator {{ARGS}}

# Load new raw batches into cs_ops_raw_data (idempotent; ledger-checked)
load:
    {{python}} -m warehouse load

# Build and test the dbt project on the target named by CS_OPS_TARGET (extra args go to dbt build; a batch loaded late makes it a --full-refresh, with --select it only warns). Readers see it after `just score` (or `python -m warehouse publish`)
transform *ARGS:
    {{python}} -m warehouse.dbt build {{ARGS}}

# Train and evaluate the churn model from the snapshot mart (writes <data dir>/ml/)
train *ARGS:
    {{python}} -m ml train {{ARGS}}

# Score every active customer, write cs_ops_analytics.churn_scores and publish a release for readers
score:
    {{python}} -m ml score

# Start the Streamlit CS Ops Command Center
app *ARGS:
    {{python}} -m streamlit run app/streamlit_app.py {{ARGS}}

# Write the self-contained HTML executive report to <data dir>/reports/
report:
    {{python}} -m app.report

# Run the test suite, one worker per core (unit, dbt, end-to-end on DuckDB and the BigQuery emulator, app)
test *ARGS:
    {{python}} -m pytest -n auto {{ARGS}}

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
    # BigQuery bytes billed at 100M events, estimated from a prod run on the emulator and bench_dbt's sizes
    {{python}} tests/dbt/bench_bytes_billed.py
    echo "benchmark results: $(ls "$data"/reports/bench_*.json | tr '\n' ' ')"

# Scale bench (not CI): `just dev` at ~11M raw rows and ~100M usage events, stage breakdown, RSS, disk, app pages -> <data dir>/reports/bench_scale.json
bench-scale *ARGS:
    {{python}} -m warehouse.bench_scale {{ARGS}}

# Lint and format-check Python (ruff) and parse the dbt project; fails on any finding
lint:
    {{python}} -m ruff check .
    {{python}} -m ruff format --check .
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
