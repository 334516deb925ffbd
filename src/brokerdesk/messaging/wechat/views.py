"""The platform's callback (server verification and messages) and the staff page that issues binding codes.

The callback is public (the platform calls it) and trusts only the signature: a bad one is answered 403 with an
empty body and nothing is stored or audited (an unauthenticated caller must not grow the audit chain).
"""

import logging

from django.conf import settings
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from brokerdesk.core.errors import ApplicationError, NotFound
from brokerdesk.customers.selectors import customer_get_for_actor
from brokerdesk.messaging.wechat import protocol, selectors, services

logger = logging.getLogger(__name__)


def _forbidden() -> HttpResponse:
    return HttpResponse(b"", status=403, content_type="text/plain; charset=utf-8")


@csrf_exempt
@require_http_methods(["GET", "POST"])
def callback(request):
    timestamp, nonce = request.GET.get("timestamp", ""), request.GET.get("nonce", "")
    if not protocol.signature_valid(settings.WECHAT_TOKEN, request.GET.get("signature", ""), timestamp, nonce):
        logger.warning("wechat callback from %s: bad signature", request.META.get("REMOTE_ADDR"))
        return _forbidden()
    if not protocol.timestamp_fresh(timestamp, window_seconds=settings.WECHAT_REPLAY_WINDOW_SECONDS):
        logger.warning("wechat callback from %s: timestamp %r outside the replay window",
                       request.META.get("REMOTE_ADDR"), timestamp[:20])
        return _forbidden()
    if request.method == "GET":  # server verification (接入): echo echostr as it is
        return HttpResponse(request.GET.get("echostr", ""), content_type="text/plain; charset=utf-8")
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > settings.WECHAT_MAX_BYTES:
        return HttpResponse(b"", status=413, content_type="text/plain; charset=utf-8")
    try:
        body = services.wechat_callback_receive(raw=request.body, peer=request.META.get("REMOTE_ADDR"))
    except services.CallbackRejected as error:
        return HttpResponse(error.code, status=400, content_type="text/plain; charset=utf-8")
    if body == protocol.SUCCESS:
        return HttpResponse(body, content_type="text/plain; charset=utf-8")
    return HttpResponse(body.encode("utf-8"), content_type="application/xml; charset=utf-8")


@login_required
@permission_required("wechat.bind_wechatfollower", raise_exception=True)
@require_http_methods(["GET", "POST"])
def binding_code(request, customer_id: int):
    """Issue a client a one-time code to send in WeChat; see and remove the client's bound followers."""
    issued, error, status = None, None, 200
    try:
        customer = customer_get_for_actor(request.user, customer_id)
        if request.method == "POST" and request.POST.get("action") == "unbind":
            follower = selectors.follower_of(customer, _int(request.POST.get("follower")))
            services.wechat_follower_unbind(actor=request.user, follower=follower)
        elif request.method == "POST":
            issued = services.wechat_binding_code_issue(actor=request.user, customer_id=customer.pk)
    except NotFound:
        raise Http404 from None
    except ApplicationError as exc:
        error, status = exc.message, exc.status
    followers = selectors.followers_of(customer)
    return render(request, "wechat/binding_code.html",
                  {"customer": customer, "issued": issued, "error": error, "followers": followers,
                   "ttl_minutes": int(services.CODE_TTL.total_seconds() // 60)}, status=status)


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
