"""Reads. Every list starts from customers_visible_to(actor); every fetch is scoped the same way.

The exception is matching what arrives on a channel (an email's sender, a web form's phone) to a client: the
system does that for everyone, and staff then see the result through their own scope.
"""

from dataclasses import dataclass
from functools import cache

from django.db import connection
from django.db.models import QuerySet, Subquery

from brokerdesk.core.errors import NotFound
from brokerdesk.core.rawsql import hot_cursor, model_columns, set_prefetched
from brokerdesk.core.scoping import ALL_BRANCHES, database_id, visible_branch, visible_to
from brokerdesk.customers.identity import InvalidValue, normalize_phone
from brokerdesk.customers.models import (
    CapitalAccount,
    Customer,
    CustomerAssets,
    CustomerAssetsAsOf,
    CustomerPhone,
    ShareholderAccount,
)
from brokerdesk.customers.presenters import ASSETS_AS_OF
from brokerdesk.customers.rules import classify_search, prefix_upper_bound
from brokerdesk.org.models import Branch, Staff


def _may_view_customers(actor) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False) and actor.has_perm("customers.view_customer")


def customers_visible_to(actor) -> QuerySet[Customer]:
    """Customers the actor may see: none without the view permission, else the actor's scope.

    Each comes with its latest assets (a LEFT JOIN on the primary key of the narrow CustomerAssets) and the date
    they are as of (presenters.latest_assets), so cards built from any list need no query per customer.
    """
    if not _may_view_customers(actor):
        return Customer.objects.none()
    return visible_to(actor, _with_latest_assets(Customer.objects.all()), branch_field="home_branch_id")


def _with_latest_assets(customers: QuerySet[Customer]) -> QuerySet[Customer]:
    newest = CustomerAssetsAsOf.objects.filter(pk=CustomerAssetsAsOf.SINGLETON).values("as_of")
    return customers.select_related("assets").annotate(**{ASSETS_AS_OF: Subquery(newest)})


def customer_get_for_actor(actor, customer_id) -> Customer:
    """The customer, or NotFound whether it is missing or outside the actor's scope."""
    pk = database_id(customer_id)
    customer = (
        customers_visible_to(actor)
        .select_related("home_branch", "home_branch__serving_center", "client_manager")
        .filter(pk=pk)
        .first()
    )
    if customer is None:
        raise NotFound()
    return customer


@dataclass
class SearchPage:
    items: list[Customer]
    count: int
    page: int
    page_size: int


def _range(field: str, text: str) -> dict:
    """Exact-or-prefix match as a B-tree range (uses the index on SQLite and PostgreSQL alike)."""
    upper = prefix_upper_bound(text)
    return {f"{field}__gte": text, f"{field}__lt": upper} if upper else {f"{field}__gte": text}


SEARCH_MATCH_CAP = 1000


def _phone_prefix(text: str) -> str:
    """Phones are stored as national significant numbers (75583688888): a number typed the way people write
    it, with the trunk 0 (0755-83688888) or the country code (+86, 0086), still finds them."""
    for lead in ("+86", "0086", "0"):
        if text.startswith(lead) and len(text) > len(lead):
            return text[len(lead) :]
    return text


def _identifier_matches(text: str) -> list[int]:
    """Customer ids whose ID number, phone, capital or shareholder account starts with text.

    Each source is read through its own index and capped, then merged: one OR across four subqueries
    would make the planner scan every customer.
    """
    sources = [
        Customer.objects.filter(**_range("id_number", text)).values_list("pk", flat=True),
        CustomerPhone.objects.filter(**_range("number", _phone_prefix(text))).values_list("customer_id", flat=True),
        CapitalAccount.objects.filter(**_range("account_no", text)).values_list("customer_id", flat=True),
        ShareholderAccount.objects.filter(**_range("account_no", text)).values_list("customer_id", flat=True),
    ]
    found: set[int] = set()
    for source in sources:
        found.update(source[: SEARCH_MATCH_CAP + 1])
    return sorted(found)[: SEARCH_MATCH_CAP + 1]


def customer_search(actor, query: str, *, page: int = 1, page_size: int = 20) -> SearchPage:
    """Search by Chinese name, phone, ID number, capital or shareholder account: exact and prefix.

    An empty query lists every visible customer. Identifier searches stop counting at SEARCH_MATCH_CAP
    (the page says "more than ..."); a clerk refines rather than pages through thousands.
    """
    term = classify_search(query)
    base = customers_visible_to(actor)
    if term.is_name:
        matches = base.filter(**_range("name", term.text))
    elif term.is_identifier:
        matches = base.filter(pk__in=_identifier_matches(term.text))
    else:
        matches = base
    count = matches.count()
    offset = (page - 1) * page_size
    items = list(
        matches.select_related("home_branch", "client_manager")
        .prefetch_related("phones")
        .order_by("name", "pk")[offset : offset + page_size]
    )
    return SearchPage(items=items, count=count, page=page, page_size=page_size)


def customers_by_phone(actor, phone_number: str, *, limit: int = 5) -> list[Customer]:
    """Screen-pop: the customers whose normalised phone equals phone_number (a family may share one).

    Each comes with its branch, client manager, latest assets and phones (primary first), in one query. This
    runs on every incoming call, so it is SQL written once instead of a queryset compiled per call
    (core.rawsql); the scoping is the same visible_branch() rule customers_visible_to() applies.
    """
    if not _may_view_customers(actor):
        return []
    branch = visible_branch(actor)
    if branch is None:
        return []
    scoped = branch != ALL_BRANCHES
    params = [phone_number, branch, limit] if scoped else [phone_number, limit]
    with hot_cursor() as cursor:
        cursor.execute(_phone_lookup_sql(connection.vendor, scoped), params)
        rows = cursor.fetchall()
    customer_columns, branch_columns, manager_columns, assets_columns, as_of_columns, phone_columns = (
        _phone_lookup_columns())
    found: dict[int, Customer] = {}
    phones: dict[int, list[CustomerPhone]] = {}
    for row in rows:
        customer_id = row[0]
        if customer_id not in found:
            customer = customer_columns.instance(row)
            position = customer_columns.width
            customer.home_branch = branch_columns.instance(row, position)
            position += branch_columns.width
            customer.client_manager = manager_columns.instance(row, position)
            position += manager_columns.width
            # As select_related("assets") leaves it: the row, or None cached (reading it raises DoesNotExist).
            Customer.assets.related.set_cached_value(customer, assets_columns.instance(row, position))
            position += assets_columns.width
            newest = as_of_columns.instance(row, position)
            setattr(customer, ASSETS_AS_OF, newest.as_of if newest else None)
            found[customer_id] = customer
            phones[customer_id] = []
        phone = phone_columns.instance(row, len(row) - phone_columns.width)
        if phone is not None:
            phones[customer_id].append(phone)
    for customer_id, customer in found.items():
        set_prefetched(customer, "phones", phones[customer_id])
    return list(found.values())


def _phone_lookup_columns():
    return (
        model_columns(Customer, "c"),
        model_columns(Branch, "b"),
        # The manager is shown by name: the password hash stays out of the row.
        model_columns(Staff, "m", exclude=("password",)),
        model_columns(CustomerAssets, "a"),
        model_columns(CustomerAssetsAsOf, "g"),
        model_columns(CustomerPhone, "ph"),
    )


@cache
def _phone_lookup_sql(vendor: str, scoped: bool) -> str:
    customer_columns, branch_columns, manager_columns, assets_columns, as_of_columns, phone_columns = (
        _phone_lookup_columns())
    assert customer_columns.attnames[0] == "id"  # customers_by_phone groups rows by the first column
    # The LIMIT counts customers, so it sits in the subquery; the scope filter sits there too, so that a
    # number shared with clients of other branches still finds the actor's own.
    if scoped:
        matching = """SELECT p.customer_id FROM customers_customerphone p
            JOIN customers_customer s ON s.id = p.customer_id
            WHERE p.number = %s AND s.home_branch_id = %s ORDER BY p.customer_id LIMIT %s"""
    else:
        matching = """SELECT p.customer_id FROM customers_customerphone p
            WHERE p.number = %s ORDER BY p.customer_id LIMIT %s"""
    return f"""
        SELECT {customer_columns.select_list}, {branch_columns.select_list}, {manager_columns.select_list},
            {assets_columns.select_list}, {as_of_columns.select_list}, {phone_columns.select_list}
        FROM customers_customer c
        JOIN org_branch b ON b.id = c.home_branch_id
        LEFT JOIN org_staff m ON m.id = c.client_manager_id
        LEFT JOIN customers_customerassets a ON a.customer_id = c.id
        LEFT JOIN customers_customerassetsasof g ON g.id = {CustomerAssetsAsOf.SINGLETON}
        LEFT JOIN customers_customerphone ph ON ph.customer_id = c.id
        WHERE c.id IN ({matching})
        ORDER BY c.id, ph.is_primary DESC, ph.id"""  # noqa: S608 - column lists only; values are parameters


def customer_360(actor, customer_id, *, unmasked: bool = False) -> dict:
    """Everything the 360 page and API show about one customer, masked unless unmasked is True.

    unmasked=True is only for callers that went through services.customer_unmask (audited).
    """
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    from brokerdesk.analytics.engine import lake as lake_reader
    from brokerdesk.core.lake import current_files, latest_files
    from brokerdesk.customers.presenters import age_on, customer_card, latest_assets, masked_account
    from brokerdesk.customers.timeline import timeline_for

    customer = customer_get_for_actor(actor, customer_id)
    today = timezone.localdate()
    # 250 trading days span about 365 calendar days.
    since = today - timedelta(days=int(settings.ASSET_TREND_DAYS * 365 / 250) + 7)
    assets = current_files(lake_reader.ASSET_SNAPSHOTS, since=since)
    history = lake_reader.asset_history(assets, customer.customer_no, since)[-settings.ASSET_TREND_DAYS :]
    # The newest 60 trade and transfer days are enough for "recent" (and keep the read small).
    recent_since = today - timedelta(days=90)
    return {
        "customer": customer,
        "card": customer_card(customer, unmasked=unmasked),
        "latest_assets": latest_assets(customer),
        "age": age_on(customer.birth_date, today),
        "capital_accounts": [
            {"account_no": masked_account(a.account_no, unmasked), "currency": a.currency,
             "is_primary": a.is_primary, "status": a.get_status_display(), "opened_on": a.opened_on}
            for a in customer.capital_accounts.order_by("-is_primary", "pk")
        ],
        "shareholder_accounts": [
            {"market": s.market, "market_label": s.get_market_display(),
             "account_no": masked_account(s.account_no, unmasked)}
            for s in customer.shareholder_accounts.order_by("market")
        ],
        "permissions": [
            {"kind": p.kind, "label": p.get_kind_display(), "granted_on": p.granted_on, "revoked_on": p.revoked_on}
            for p in customer.permissions.order_by("granted_on")
        ],
        "consents": [
            {"channel": c.channel, "label": c.get_channel_display(), "consented": c.consented,
             "changed_at": c.changed_at}
            for c in customer.consents.order_by("channel")
        ],
        # Positions are facts: the newest positions partition in the lake, not a copy in this database.
        "holdings": _with_security_names(lake_reader.positions(latest_files(lake_reader.POSITIONS),
                                                               customer.customer_no)),
        "tags": list(customer.tags.order_by("name").values_list("name", flat=True)),
        "asset_history": history,
        "trades": _with_security_names(lake_reader.recent_trades(
            current_files(lake_reader.TRADES, since=recent_since), customer.customer_no, 20)),
        "fund_transfers": lake_reader.recent_fund_transfers(
            current_files(lake_reader.FUND_TRANSFERS, since=recent_since), customer.customer_no, 20),
        "timeline": timeline_for(customer, actor, 50),
    }


def _with_security_names(rows: list[dict]) -> list[dict]:
    """Lake facts carry codes only; names come from the securities master."""
    from brokerdesk.customers.models import Security

    wanted = {(r["market"], r["security_code"]) for r in rows}
    names = {
        (s.market, s.security_code): s.name
        for s in Security.objects.filter(security_code__in={code for _, code in wanted})
    }
    return [{**r, "security_name": names.get((r["market"], r["security_code"]), r["security_code"])} for r in rows]


# --- Matching contact details that arrive on a channel ------------------------------------------------------


def customer_ids_with_email(email: str, *, limit: int = 20) -> list[int]:
    """Up to `limit` clients whose email is this address, compared case-insensitively (customer_email_upper_idx)."""
    email = (email or "").strip()
    if not email:
        return []
    return list(Customer.objects.filter(email__iexact=email).values_list("pk", flat=True)[:limit])


def customer_identified_by(*, phone: str = "", email: str = "") -> Customer | None:
    """The one client with this email or else this phone, or None when there is none or more than one (a shared
    family phone must not link a complaint to the wrong person)."""
    ids = customer_ids_with_email(email, limit=2)
    if len(ids) != 1 and phone:
        try:
            number = normalize_phone(phone)
        except InvalidValue:
            number = ""
        ids = list(CustomerPhone.objects.filter(number=number).values_list("customer_id", flat=True)
                   .distinct()[:2]) if number else []
    return Customer.objects.filter(pk=ids[0]).select_related("home_branch").first() if len(ids) == 1 else None
