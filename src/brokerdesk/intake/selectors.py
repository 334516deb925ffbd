from django.db.models import QuerySet

from brokerdesk.core.errors import NotFound
from brokerdesk.core.scoping import database_id
from brokerdesk.intake.models import IntakeBatch


def batches_visible_to(actor) -> QuerySet[IntakeBatch]:
    """Batch history is operations data: whoever may run or view intake sees all of it (no client data)."""
    if actor is None or not actor.is_authenticated or not actor.has_perm("intake.view_intakebatch"):
        return IntakeBatch.objects.none()
    return IntakeBatch.objects.all()


def batch_get_for_actor(actor, batch_id) -> IntakeBatch:
    batch = batches_visible_to(actor).filter(pk=database_id(batch_id)).first()
    if batch is None:
        raise NotFound()
    return batch
