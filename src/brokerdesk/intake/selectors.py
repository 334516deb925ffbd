from django.db.models import QuerySet

from brokerdesk.core.errors import NotFound
from brokerdesk.intake.models import IntakeBatch


def batches_visible_to(actor) -> QuerySet[IntakeBatch]:
    """Batch history is operations data: whoever may run or view intake sees all of it (no client data)."""
    if actor is None or not actor.is_authenticated or not actor.has_perm("intake.view_intakebatch"):
        return IntakeBatch.objects.none()
    return IntakeBatch.objects.all()


def batch_get_for_actor(actor, batch_id) -> IntakeBatch:
    try:
        pk = int(batch_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    batch = batches_visible_to(actor).filter(pk=pk).first() if 0 < pk < 2**63 else None
    if batch is None:
        raise NotFound()
    return batch
