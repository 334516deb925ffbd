"""How the segmentation app plugs into the shell: its menu entry and the segments section of the customer 360."""

from django.utils.translation import gettext_lazy as _

from brokerdesk.core.registry import CustomerSection, NavItem, register_customer_section, register_nav
from brokerdesk.segmentation.choices import DimensionChoice

HISTORY_ROWS = 20


def _segments_section(actor, customer) -> dict:
    """Current segments as chips grouped by dimension, and the latest periods of the history."""
    from brokerdesk.segmentation.selectors import customer_segments

    current, history = customer_segments(actor, customer.pk)
    groups = []
    for dimension in DimensionChoice:
        segments = [m.segment for m in current if m.segment.dimension == dimension]
        if segments:
            groups.append({"dimension": dimension, "label": dimension.label, "segments": segments})
    return {"groups": groups, "history": history[:HISTORY_ROWS], "more": max(0, len(history) - HISTORY_ROWS)}


register_nav(NavItem("segments", _("Segments"), "segmentation:catalogue", order=20,
                     permission="customers.view_customer"))
register_customer_section(CustomerSection(
    key="segmentation.segments", title=_("Segments"), template="segmentation/customer_section.html",
    context=_segments_section, order=10, permission="customers.view_customer", column="side",
))
