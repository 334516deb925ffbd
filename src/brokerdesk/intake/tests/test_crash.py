"""A SIGKILL in the middle of applying a batch leaves the database and the published lake as they were;
running the batch again completes it."""

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from brokerdesk.core.models import LakePartition
from brokerdesk.customers.models import (
    CapitalAccount,
    Customer,
    CustomerAssetsAsOf,
    CustomerPhone,
    TradingPermission,
)
from brokerdesk.intake.models import BatchStatus, IntakeBatch
from brokerdesk.intake.tests import batchkit
from tests.processes import brokerdesk_command, database_url_of_test_db

pytestmark = pytest.mark.django_db(transaction=True)


def _state(lake: Path) -> tuple:
    """What the platform shows: the client tables, the published partitions and their files' bytes."""
    published = sorted(LakePartition.objects.values_list("entity", "date", "path", "rows"))
    files = {}
    for *_, path, _rows in published:
        for file in sorted(lake.glob(path)):
            files[str(file.relative_to(lake))] = file.read_bytes()
    return (
        sorted(Customer.objects.values_list("customer_no", "name", "assets__total_assets", "assets__changed_on")),
        CustomerPhone.objects.count(), CapitalAccount.objects.count(), TradingPermission.objects.count(),
        published, files, list(CustomerAssetsAsOf.objects.values_list("as_of")),
    )


def _big_batch(folder: Path) -> Path:
    """A batch with real volume (300k trades), so the kill interrupts substantial uncommitted work."""
    rows = batchkit.sample_rows()
    template = rows["trades"][0]
    rows["trades"] = [{**template, "trade_id": f"K{i:07d}"} for i in range(300_000)]
    return batchkit.build_batch(folder, rows, fmt="parquet")


def _start(folder: Path, env: dict) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603  (our own command)
        [brokerdesk_command(), "intake", str(folder)], env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_it_survives_a_sigkill_while_applying_and_completes_on_rerun(tmp_path, settings):
    lake, intake_dir = tmp_path / "lake", tmp_path / "intake"
    env = {**os.environ, "DATABASE_URL": database_url_of_test_db(), "BROKERDESK_LAKE_DIR": str(lake),
           "BROKERDESK_INTAKE_DIR": str(intake_dir)}
    # A first batch already applied, so "as before" is not just "empty".
    first = batchkit.build_batch(tmp_path / "first", batchkit.sample_rows())
    assert subprocess.run([brokerdesk_command(), "intake", str(first)], env=env, check=False,  # noqa: S603
                          capture_output=True, timeout=120).returncode == 0
    settings.LAKE_DIR = lake
    before = _state(lake)
    assert before[0] and before[4]

    second = _big_batch(tmp_path / "second")
    # Held just before commit: every row and lake file of the batch is written, nothing is committed.
    process = _start(second, {**env, "BROKERDESK_INTAKE_PAUSE_AT": "before_commit:120"})
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        assert line or process.poll() is None, "the intake ended before reaching the pause"
        if "pausing at before_commit" in line:
            break
    else:
        pytest.fail("the intake never reached the point before commit")
    published_before = {str((lake / p).parent) for *_, p, _ in before[4]}
    written = {str(d) for d in lake.glob("trades/date=*/v=*")} - published_before
    assert written, "the new lake version should be written (unpublished) when the process is killed"
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL

    assert _state(lake) == before, "a killed intake changed what the platform shows"

    rerun = _start(second, env)
    output, _ = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, output
    assert "interrupted" in output
    assert IntakeBatch.objects.filter(status=BatchStatus.FAILED, message__contains="interrupted").count() == 1
    assert IntakeBatch.objects.filter(status=BatchStatus.APPLIED).count() == 2
    after = _state(lake)
    trades = [row for row in after[4] if row[0] == "trades"]
    assert sum(row[3] for row in trades) == 300_000
    # Nothing unpublished is left behind.
    published_dirs = {str((lake / p).parent) for *_, p, _ in after[4]}
    version_dirs = {str(d) for d in lake.glob("*/date=*/v=*")}
    assert version_dirs == published_dirs
