"""WeChat reads: the followers bound to a client the caller already fetched with customer_get_for_actor."""

from django.db.models import QuerySet

from brokerdesk.core.errors import NotFound
from brokerdesk.messaging.wechat.models import WeChatFollower


def followers_of(customer) -> QuerySet[WeChatFollower]:
    return WeChatFollower.objects.filter(customer=customer).order_by("-bound_at")


def follower_of(customer, follower_id) -> WeChatFollower:
    """One of the client's followers; NotFound for anyone else's (or a missing one)."""
    follower = followers_of(customer).filter(pk=follower_id).first() if follower_id is not None else None
    if follower is None:
        raise NotFound()
    return follower
