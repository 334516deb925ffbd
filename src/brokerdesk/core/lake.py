"""The Parquet lake as the operational DB publishes it: which file is current for each entity and date.

Layout: <lake>/<entity>/date=YYYY-MM-DD/v=<version>/part-0.parquet. A version folder is never changed
after it is written. See LakePartition for why publishing goes through the database.
"""

import shutil
from datetime import date
from pathlib import Path

from django.conf import settings

from brokerdesk.core.models import LakePartition


def lake_root() -> Path:
    return Path(settings.LAKE_DIR)


def version_dir(entity: str, day: date, version: str) -> Path:
    return lake_root() / entity / f"date={day.isoformat()}" / f"v={version}"


def current_files(entity: str, *, since: date | None = None, until: date | None = None) -> list[str]:
    """Absolute paths of the published files of an entity, oldest date first."""
    rows = LakePartition.objects.filter(entity=entity)
    if since:
        rows = rows.filter(date__gte=since)
    if until:
        rows = rows.filter(date__lte=until)
    root = lake_root()
    return [str(root / p) for p in rows.order_by("date").values_list("path", flat=True)]


def latest_files(entity: str) -> list[str]:
    """Absolute paths of the newest published date of an entity (the latest positions, say)."""
    newest = LakePartition.objects.filter(entity=entity).order_by("-date").values_list("date", flat=True).first()
    return current_files(entity, since=newest, until=newest) if newest else []


def publish(entity: str, day: date, relative_path: str, rows: int, version: str) -> str | None:
    """Point (entity, day) at a new version; returns the replaced path. Call inside the batch's transaction."""
    previous = LakePartition.objects.filter(entity=entity, date=day).values_list("path", flat=True).first()
    LakePartition.objects.update_or_create(
        entity=entity, date=day, defaults={"path": relative_path, "rows": rows, "version": version}
    )
    return previous


def remove_unpublished(entities: list[str]) -> int:
    """Delete version folders no published row points at (left by a crash or replaced by a newer batch).

    Only call while holding the intake lock: a folder being written by a running intake is unpublished too.
    """
    root = lake_root()
    published = {str(Path(p).parent) for p in LakePartition.objects.values_list("path", flat=True)}
    removed = 0
    for entity in entities:
        for folder in sorted((root / entity).glob("date=*/v=*")):
            if str(folder.relative_to(root)) not in published:
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
        for day_dir in (root / entity).glob("date=*"):
            if day_dir.is_dir() and not any(day_dir.iterdir()):
                day_dir.rmdir()
    return removed
