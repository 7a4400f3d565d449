"""Shared fixtures.

`bq_emulator`: one local BigQuery emulator for the whole test session (started on free
loopback ports in its own virtualenv, stopped at the end); yields its endpoint URL, e.g.
use it as BIGQUERY_EMULATOR_HOST with GOOGLE_CLOUD_PROJECT=local-project.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from warehouse.emulator import PROJECT, running_emulator


@pytest.fixture(scope="session")
def bq_emulator() -> Iterator[str]:
    with running_emulator() as endpoint:
        yield endpoint


@pytest.fixture(scope="session")
def bq_emulator_project() -> str:
    """The project id the emulator serves by default."""
    return PROJECT
