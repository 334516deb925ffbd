"""Commission changes to the core trading system as outbound change files (docs/commission-change-file.md).

The CRM never changes a commission itself: it writes each change once into exactly one file, which the core
system picks up. A file is published by its `.ok` flag, written last: the core system reads only flagged files,
so it never sees a half-written one. The order makes every crash recoverable:
1. the rows are written to a temporary file, which is renamed into place (no flag yet);
2. the changes are marked as exported in the database and the export is recorded, in one transaction;
3. after commit the flag is written. If step 2 fails, the unflagged file is removed; if the process dies
   between 2 and 3, the next export writes the missing flag first (`flags_repair`).
"""

import csv
import hashlib
import io
import os
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from brokerdesk.core.audit import audit_record
from brokerdesk.core.permissions import require_permission
from brokerdesk.service_plans.models import CommissionChange, CommissionExport

FORMAT_VERSION = "1"
COLUMNS = ["record_no", "change_id", "customer_no", "capital_account", "old_rate_permille", "new_rate_permille",
           "effective_on", "package_code", "subscription_id"]


def export_dir() -> Path:
    return Path(settings.COMMISSION_EXPORT_DIR)


def flag_path(data_file: Path) -> Path:
    return data_file.with_name(data_file.name + ".ok")


def _flag_text(export: CommissionExport) -> str:
    return f"version={FORMAT_VERSION}\nrows={export.rows}\nsha256={export.sha256}\n"


def flags_repair() -> int:
    """Write the flag of every recorded export whose file is in place but unflagged (a crash after commit)."""
    repaired = 0
    for export in CommissionExport.objects.order_by("id"):
        data_file = export_dir() / export.file_name
        if data_file.exists() and not flag_path(data_file).exists():
            flag_path(data_file).write_text(_flag_text(export), encoding="utf-8")
            repaired += 1
    return repaired


def _render(changes: list[CommissionChange]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for number, change in enumerate(changes, start=1):
        writer.writerow([number, change.pk, change.customer.customer_no, change.capital_account,
                         "" if change.old_rate is None else f"{change.old_rate:.4f}", f"{change.new_rate:.4f}",
                         change.effective_on.isoformat(), change.subscription.package.code, change.subscription_id])
    return buffer.getvalue().encode("utf-8")


def commission_changes_export(*, actor) -> CommissionExport | None:
    """Write every change not yet exported into one new file; None when there is nothing to send."""
    require_permission(actor, "service_plans.export_commission_changes", "commission.export", system_allowed=True)
    folder = export_dir()
    folder.mkdir(parents=True, exist_ok=True)
    flags_repair()
    now = timezone.now()
    file_name = f"commission_changes_{timezone.localtime(now):%Y%m%d_%H%M%S_%f}.csv"
    data_file = folder / file_name
    with transaction.atomic():
        # Locked so that two exports running at once cannot both take a change.
        changes = list(CommissionChange.objects.select_for_update().filter(export__isnull=True).order_by("id")
                       .select_related("customer", "subscription__package"))
        if not changes:
            return None
        body = _render(changes)
        temporary = folder / f".{file_name}.tmp"
        with open(temporary, "wb") as handle:
            handle.write(body)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, data_file)
        try:
            export = CommissionExport.objects.create(file_name=file_name, rows=len(changes),
                                                     sha256=hashlib.sha256(body).hexdigest(), created_at=now,
                                                     created_by=actor)
            updated = CommissionChange.objects.filter(pk__in=[c.pk for c in changes], export__isnull=True).update(
                export=export)
            if updated != len(changes):
                raise RuntimeError("commission changes were exported by someone else meanwhile")
            audit_record(actor=actor, action="commission.export", object_type="commission_export",
                         object_id=export.pk, after={"file": file_name, "rows": len(changes), "sha256": export.sha256})
            transaction.on_commit(lambda: flag_path(data_file).write_text(_flag_text(export), encoding="utf-8"))
        except BaseException:
            data_file.unlink(missing_ok=True)
            raise
    return export
