"""Migration 0006 moves the latest assets out of customers_customer into customers_customerassets, and back."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = ("customers", "0005_fewer_indexes_for_nightly_loads")
AFTER = ("customers", "0006_latest_assets_in_a_narrow_table")


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    return executor.loader.project_state([target]).apps


def _old_customers(apps) -> None:
    """Two clients a batch of 2025-06-30 covered, one an older batch brought, one created by hand since."""
    company = apps.get_model("org", "Company").objects.create(name="迁移测试证券")
    center = apps.get_model("org", "ContactCenter").objects.create(company=company, code="MC", name="中心",
                                                                    kind="sub", province="广东")
    branch = apps.get_model("org", "Branch").objects.create(company=company, code="MB01", name="营业部",
                                                             serving_center=center)
    customer = apps.get_model("customers", "Customer")
    rows = [("M1", Decimal("100.50"), Decimal("0.50"), date(2025, 6, 30)),
            ("M2", Decimal("0"), Decimal("0"), date(2025, 6, 30)),
            ("M3", Decimal("7"), Decimal("7"), date(2025, 6, 27)),
            ("M4", Decimal("0"), Decimal("0"), None)]
    for no, total, cash, as_of in rows:
        customer.objects.create(customer_no=no, name=no, id_type="passport", id_number=f"E{no}", home_branch=branch,
                                opened_on=date(2020, 1, 2), total_assets=total, cash_balance=cash,
                                market_value=total - cash, assets_as_of=as_of)


@pytest.mark.django_db(transaction=True)
def test_it_copies_the_latest_assets_into_their_own_table_and_back():
    try:
        _old_customers(_migrate(BEFORE))

        apps = _migrate(AFTER)

        moved = {a.customer.customer_no: (a.total_assets, a.cash_balance, a.market_value, a.changed_on)
                 for a in apps.get_model("customers", "CustomerAssets").objects.select_related("customer")}
        assert moved == {
            "M1": (Decimal("100.50"), Decimal("0.50"), Decimal("100.00"), date(2025, 6, 30)),
            "M2": (Decimal("0.00"), Decimal("0.00"), Decimal("0.00"), date(2025, 6, 30)),
            "M3": (Decimal("7.00"), Decimal("7.00"), Decimal("0.00"), date(2025, 6, 27)),
        }  # M4 never had a snapshot: no row
        assert apps.get_model("customers", "CustomerAssetsAsOf").objects.get().as_of == date(2025, 6, 30)

        apps = _migrate(BEFORE)

        back = apps.get_model("customers", "Customer").objects.order_by("customer_no").values_list(
            "customer_no", "total_assets", "cash_balance", "assets_as_of")
        assert list(back) == [("M1", Decimal("100.50"), Decimal("0.50"), date(2025, 6, 30)),
                              ("M2", Decimal("0.00"), Decimal("0.00"), date(2025, 6, 30)),
                              ("M3", Decimal("7.00"), Decimal("7.00"), date(2025, 6, 30)),
                              ("M4", Decimal("0.00"), Decimal("0.00"), None)]
    finally:
        # The whole schema the other tests expect, not just customers 0006: going back to 0005 also unapplied
        # every later migration that depends on customers (messaging, tickets, ...).
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
