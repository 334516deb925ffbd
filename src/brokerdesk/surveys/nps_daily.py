"""The NPS counts per day and per month (models.NpsDaily, NpsMonthly): added to by each scored response, rebuilt
from the responses in bulk.

The submission adds one to its key's row in the same transaction as the response, so the counts never disagree
with the responses; a concurrent first response of the same key is settled by the unique key (retry the update).
"""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q

from brokerdesk.core.business_time import SHANGHAI
from brokerdesk.surveys.models import NpsDaily, NpsMonthly, Response
from brokerdesk.surveys.nps import group

COUNT_FIELD = {"promoter": "promoters", "passive": "passives", "detractor": "detractors"}


def _day(moment: datetime):
    return moment.astimezone(SHANGHAI).date()


def nps_daily_add(response: Response) -> None:
    """Count one scored response, in its day's and its month's rows (call inside the submission's transaction)."""
    if response.nps_score is None:
        return
    field = COUNT_FIELD[group(response.nps_score)]
    day = _day(response.submitted_at)
    key = {"branch_key": response.branch_id or 0, "theme_id": response.theme_id, "channel": response.channel,
           "is_experience_officer": response.is_experience_officer}
    _count(NpsDaily, {"day": day, **key}, field)
    _count(NpsMonthly, {"day": day.replace(day=1), **key}, field)


def _count(model, key: dict, field: str) -> None:
    for _attempt in range(2):
        if model.objects.filter(**key).update(**{field: F(field) + 1}):
            return
        try:
            with transaction.atomic():
                model.objects.create(**key, **{field: 1})
            return
        except IntegrityError:  # the same key's first response committed meanwhile: update it
            continue
    raise RuntimeError("could not count the response in the NPS counts")


def nps_daily_rebuild(*, batch: int = 10_000) -> int:
    """Recount every day and month from the responses (after a bulk load, or to check the kept counts); returns
    the daily rows."""
    from brokerdesk.surveys.analytics import PeriodStart

    total = 0
    with transaction.atomic():
        for model, unit in ((NpsDaily, "day"), (NpsMonthly, "month")):
            grouped = (Response.objects.filter(nps_score__isnull=False).order_by()
                       .annotate(period=PeriodStart("submitted_at", unit))
                       .values("period", "branch_id", "theme_id", "channel", "is_experience_officer")
                       .annotate(promoters=Count("pk", filter=Q(nps_score__gte=9)),
                                 passives=Count("pk", filter=Q(nps_score__gte=7, nps_score__lte=8)),
                                 detractors=Count("pk", filter=Q(nps_score__lte=6))))
            model.objects.all().delete()
            rows = [model(day=r["period"], branch_key=r["branch_id"] or 0, theme_id=r["theme_id"],
                          channel=r["channel"], is_experience_officer=r["is_experience_officer"],
                          promoters=r["promoters"], passives=r["passives"], detractors=r["detractors"])
                    for r in grouped.iterator()]
            model.objects.bulk_create(rows, batch_size=batch)
            total = total or len(rows)
    return total
