"""Trading permissions from the core system: granted, then revoked by a later batch; the same batch twice is a no-op."""

from datetime import date, timedelta

import pytest

from brokerdesk.core.calendar import is_trading_day
from brokerdesk.customers.models import TradingPermission
from brokerdesk.intake.models import BatchStatus
from brokerdesk.intake.services import intake_run
from brokerdesk.intake.tests import batchkit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _isolated_dirs(settings, tmp_path):
    settings.LAKE_DIR = tmp_path / "lake"
    settings.INTAKE_DIR = tmp_path / "intake"


def test_it_revokes_a_permission_a_later_batch_withdraws(tmp_path):
    intake_run(actor=None, path=batchkit.build_batch(tmp_path / "b1", batchkit.sample_rows()))
    granted = TradingPermission.objects.get(customer__customer_no="C0001", kind="chinext")
    assert granted.revoked_on is None

    later = next(d for d in (batchkit.BUSINESS_DATE + timedelta(days=n) for n in range(1, 15)) if is_trading_day(d))
    rows = batchkit.sample_rows(later)
    rows["permission_changes"] = [
        {"customer_no": "C0001", "permission": "chinext", "action": "revoke", "changed_on": later}]
    folder = batchkit.build_batch(tmp_path / "b2", rows, business_date=later)
    second = intake_run(actor=None, path=folder)[0].batch
    assert second.status == BatchStatus.APPLIED, second.errors_sample

    granted.refresh_from_db()
    assert granted.revoked_on == later and granted.granted_on == date(2020, 8, 24)
    assert intake_run(actor=None, path=folder)[0].batch.status == BatchStatus.UNCHANGED
