from brokerdesk.core.registry import nav_for


def navigation(request):
    """Menu entries for the user, and which one is active: the one whose URL namespace the page is in."""
    user = getattr(request, "user", None)
    items = nav_for(user) if user is not None else []
    match = getattr(request, "resolver_match", None)
    section = match.namespace if match else ""
    active = next((i.key for i in items if section and i.url_name.split(":", 1)[0] == section), None)
    return {"nav_items": items, "nav_active": active}
