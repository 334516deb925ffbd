"""Where generated tasks are queued: the client's branch, or contact centers shared out by capacity."""

from datetime import date, timedelta

import pytest

from brokerdesk.visits.assign import DEFAULT_TASKS_PER_AGENT, Routing, daily_capacity, share_out
from brokerdesk.visits.generate import visit_tasks_generate
from brokerdesk.visits.models import CenterCapacity, VisitTask
from brokerdesk.visits.tests.test_generate import D, clients, only
from tests.factories import BranchFactory, CenterFactory


def test_it_keeps_tasks_local_up_to_capacity_and_shares_the_rest_in_proportion_to_spare_capacity():
    routing = share_out({1: 10}, {1: 4, 2: 9, 3: 3})
    assert routing == Routing(keep={1: 4}, moved=[(2, 5), (3, 1)])  # 6 over: 4.5 and 1.5, the tie to center 2


def test_it_leaves_the_overflow_local_when_no_center_has_capacity_left():
    routing = share_out({1: 10, 2: 3}, {1: 4, 2: 5, 3: 0})
    assert routing.keep == {1: 4, 2: 3} and routing.moved == [(2, 2)]  # 6 over, 2 spare: 4 stay with center 1
    assert share_out({1: 5}, {1: 0, 2: -3}) == Routing(keep={1: 0}, moved=[])


def test_it_never_gives_a_center_more_than_its_spare_capacity():
    routing = share_out({1: 100, 2: 1}, {1: 0, 2: 3, 3: 1, 4: 1})
    assert dict(routing.moved) == {2: 2, 3: 1, 4: 1}


@pytest.mark.django_db
def test_it_takes_a_centers_capacity_from_its_row_or_its_visit_agents(org, users):
    CenterCapacity.objects.create(center=org["hq"], daily_tasks=7)

    capacity = daily_capacity()

    assert capacity[org["hq"].pk] == 7
    assert capacity[org["center"].pk] == 2 * DEFAULT_TASKS_PER_AGENT  # the agent and the supervisor


@pytest.mark.django_db
def test_it_balances_call_center_tasks_by_capacity(org):
    programme = only("new_account", assignee_policy="call_center")
    third = CenterFactory(company=org["company"], code="SC-SC")
    branch_c = BranchFactory(company=org["company"], code="BC01", serving_center=third)
    CenterCapacity.objects.bulk_create([CenterCapacity(center=org["center"], daily_tasks=4),
                                        CenterCapacity(center=org["hq"], daily_tasks=5),
                                        CenterCapacity(center=third, daily_tasks=2)])
    fresh = {"opened_on": D - timedelta(days=1)}
    local_a = clients(org["branch_a"], 10, **fresh)  # served by org["center"]: 4 fit, 6 overflow
    local_b = clients(org["branch_b"], 1, **fresh)  # served by HQ: fits, leaving 4 spare

    visit_tasks_generate(business_date=D)

    queues = dict(VisitTask.objects.filter(programme=programme).values_list("customer_id", "center_id"))
    assert [queues[c.pk] for c in local_a[:4]] == [org["center"].pk] * 4  # the first clients stay local
    moved = [queues[c.pk] for c in local_a[4:]]
    assert sorted(moved) == sorted([org["hq"].pk] * 4 + [third.pk] * 2)  # spare 4 and 2: all of it
    assert queues[local_b[0].pk] == org["hq"].pk
    assert not VisitTask.objects.filter(center__isnull=True).exists()
    assert set(VisitTask.objects.values_list("branch_id", flat=True)) == {org["branch_a"].pk, org["branch_b"].pk}

    later = clients(org["branch_a"], 3, **fresh) + clients(branch_c, 1, **fresh)
    visit_tasks_generate(business_date=D)  # every center is full today: the local centers take them anyway

    queues = dict(VisitTask.objects.filter(programme=programme).values_list("customer_id", "center_id"))
    assert [queues[c.pk] for c in later] == [org["center"].pk] * 3 + [third.pk]
    visit_tasks_generate(business_date=date(2026, 11, 16))  # a new day, new capacity; nobody new to visit
    assert VisitTask.objects.count() == 15


@pytest.mark.django_db
def test_it_puts_branch_programme_tasks_in_the_branch_queue(org):
    programme = only("new_account", assignee_policy="branch")
    CenterCapacity.objects.create(center=org["center"], daily_tasks=100)
    customer = clients(org["branch_a"], opened_on=D)[0]

    visit_tasks_generate(business_date=D)

    task = VisitTask.objects.get(programme=programme)
    assert (task.customer, task.branch_id, task.center_id) == (customer, org["branch_a"].pk, None)
