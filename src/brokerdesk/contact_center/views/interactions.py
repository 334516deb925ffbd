"""One contact's page (/cc/interactions/<id>/): linked from the client's timeline."""

from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from brokerdesk.contact_center import selectors
from brokerdesk.core.errors import NotFound
from brokerdesk.core.masking import mask_name


@login_required
@permission_required("contact_center.view_interaction", raise_exception=True)
@require_GET
def interaction_detail(request, interaction_id: int):
    try:
        interaction = selectors.interaction_get_for_actor(request.user, interaction_id)
    except NotFound:
        raise Http404 from None
    legs = selectors.call_legs(interaction.call) if interaction.call_id else []
    customer = interaction.customer
    return render(request, "contact_center/interaction.html", {
        "interaction": interaction, "legs": legs,
        "customer_name": mask_name(customer.name, customer.kind) if customer else "",
        "can_open_customer": customer is not None and request.user.has_perm("customers.view_customer"),
    })
