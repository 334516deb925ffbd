"""The clients kept between segmentation runs: a read takes only what changed and always equals a full read."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from brokerdesk.customers.models import Customer
from brokerdesk.segmentation import client_cache
from brokerdesk.segmentation.sources import customers_table, customers_table_in_full

pytestmark = pytest.mark.django_db


@pytest.fixture
def clients(org, settings, tmp_path):
    from tests.factories import make_customer

    settings.LAKE_DIR = tmp_path / "lake"
    return [make_customer(org["branch_a"] if i % 2 else org["branch_b"]) for i in range(6)]


def _rows(table) -> list[dict]:
    return sorted(table.to_pylist(), key=lambda row: row["customer_id"])


def test_it_reads_every_client_the_first_time_and_keeps_them(clients):
    assert _rows(customers_table()) == _rows(customers_table_in_full())
    meta = json.loads((client_cache.cache_dir() / "clients.json").read_text())
    assert meta["clients"] == 6 and meta["max_id"] == max(c.pk for c in clients)


def test_it_merges_changed_and_new_clients_into_the_kept_ones(clients, org):
    from tests.factories import make_customer

    customers_table()
    Customer.objects.filter(pk=clients[0].pk).update(status="dormant", updated_at=timezone.now())
    added = make_customer(org["branch_a"])
    table = customers_table()
    assert _rows(table) == _rows(customers_table_in_full())
    by_id = {row["customer_id"]: row for row in table.to_pylist()}
    assert by_id[clients[0].pk]["status"] == "dormant" and added.pk in by_id


def test_it_reads_again_what_a_late_committing_writer_changed_before_the_last_read(clients):
    customers_table()
    # A writer that stamped its rows just before the read took its lock, and wrote them after it.
    stamped = timezone.now() - client_cache.REREAD_MARGIN / 2
    Customer.objects.filter(pk=clients[1].pk).update(investor_category="professional", updated_at=stamped)
    assert _rows(customers_table()) == _rows(customers_table_in_full())


def test_it_takes_only_the_clients_changed_since_the_last_read(clients):
    customers_table()
    # A change stamped long before the previous read is not looked for again: the read is incremental.
    Customer.objects.filter(pk=clients[2].pk).update(status="frozen", updated_at=timezone.now() - timedelta(days=1))
    by_id = {row["customer_id"]: row for row in customers_table().to_pylist()}
    assert by_id[clients[2].pk]["status"] != "frozen"


def test_it_reads_everything_again_when_the_count_differs_from_the_database(clients):
    customers_table()
    Customer.objects.filter(pk=clients[3].pk).delete()
    assert _rows(customers_table()) == _rows(customers_table_in_full())


@pytest.mark.parametrize("damage", ["other database", "other columns", "unreadable"])
def test_it_ignores_a_cache_it_cannot_trust(clients, damage):
    customers_table()
    Customer.objects.filter(pk=clients[4].pk).update(status="closed", updated_at=timezone.now() - timedelta(days=1))
    folder = client_cache.cache_dir()
    meta = json.loads((folder / "clients.json").read_text())
    if damage == "other database":
        meta["database"] = "sqlite:/elsewhere.sqlite3"
    elif damage == "other columns":
        meta["columns"] = meta["columns"][:-1]
    else:
        (folder / "clients.parquet").write_bytes(b"not parquet")
    (folder / "clients.json").write_text(json.dumps(meta))
    assert _rows(customers_table()) == _rows(customers_table_in_full())
