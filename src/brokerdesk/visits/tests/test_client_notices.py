"""After a return visit's last unsuccessful attempt the client gets "we tried to reach you" through the outbound
messaging pipeline (visits/client_notices.py): once, at the local SMS gateway."""

import pytest
from django.utils import timezone

from brokerdesk.messaging.models import OutboundMessage
from brokerdesk.messaging.tests import outbound_fixtures
from brokerdesk.visits.models import VisitTask
from brokerdesk.visits.tests.lifecycle_support import make_task, work

pytestmark = pytest.mark.django_db

# pytest finds the shared fixtures by these names
outbound_settings = outbound_fixtures.outbound_settings
sms_gateway = outbound_fixtures.sms_gateway


def test_it_tells_the_client_once_the_last_visit_attempt_failed(users, org, customer_a, sms_gateway,
                                                                 django_capture_on_commit_callbacks):
    task = make_task("annual_sample", customer_a, center=org["center"])
    task.programme.max_attempts, task.programme.retry_hours = 2, [1]
    task.programme.save()

    with django_capture_on_commit_callbacks(execute=True):
        work(users["agent"], task, "unreachable")
    assert not OutboundMessage.objects.exists()  # attempts are left: no message yet

    VisitTask.objects.filter(pk=task.pk).update(not_before=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        work(users["agent"], task, "unreachable")

    message = OutboundMessage.objects.get()
    assert message.dedupe_key == f"visit:{task.pk}:unreachable" and message.status == "sent"
    assert len(sms_gateway.delivered) == 1 and "95xxx" in sms_gateway.delivered[0].text
