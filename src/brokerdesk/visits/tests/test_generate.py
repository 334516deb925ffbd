"""visit_tasks_generate: whom each audience targets, idempotence, one open task per programme and client, the
annual sample, and where the tasks are queued."""

import itertools
from collections import Counter
from datetime import date, timedelta

import pytest
from django.db.models import Count
from django.utils import timezone

from brokerdesk.core.errors import PermissionDenied
from brokerdesk.core.models import AuditEvent
from brokerdesk.customers.models import Customer
from brokerdesk.segmentation.models import RuleSet, Segment, SegmentMembership, SegmentRun
from brokerdesk.visits.choices import TaskStatus
from brokerdesk.visits.generate import add_working_days, visit_tasks_generate
from brokerdesk.visits.models import AnnualSampleMember, AnnualSampleStratum, GenerationRun, Programme, VisitTask
from brokerdesk.visits.sample import sample_draw
from brokerdesk.visits.targeting import period_cycle

pytestmark = pytest.mark.django_db

D = date(2026, 11, 13)  # a Friday
_numbers = itertools.count(1)


def clients(branch, n: int = 1, **fields) -> list[Customer]:
    """n clients of a branch in one bulk insert (open since 2020 and normal unless told otherwise)."""
    rows = []
    for _ in range(n):
        k = next(_numbers)
        rows.append(Customer(customer_no=f"7{k:08d}", name=f"客户{k}", id_type="other", id_number=f"X{k:09d}",
                             home_branch=branch, opened_on=fields.get("opened_on", date(2020, 1, 2)),
                             closed_on=fields.get("closed_on"), status=fields.get("status", "normal"),
                             birth_date=fields.get("birth_date")))
    return Customer.objects.bulk_create(rows)


def only(code: str, **changes) -> Programme:
    """Make `code` the only active programme, with changes to its parameters."""
    Programme.objects.exclude(code=code).update(is_active=False)
    programme = Programme.objects.get(code=code)
    for name, value in changes.items():
        setattr(programme, name, value)
    programme.is_active = True
    programme.save()
    return programme


def tasks(programme: Programme) -> dict[int, VisitTask]:
    return {t.customer_id: t for t in VisitTask.objects.filter(programme=programme)}


def segmentation(*codes: str) -> dict:
    """Segments of dimension "group" and two successful runs (the first is the installation's initial run)."""
    rule_set = RuleSet.objects.create(version=900, name="test", status="retired")
    segments = {code: Segment.objects.get_or_create(dimension="group", code=code,
                                                    defaults={"label_zh": code})[0] for code in codes}
    runs = [SegmentRun.objects.create(business_date=D - timedelta(days=60 - i), rule_set=rule_set, status="succeeded",
                                      trigger="nightly", started_at=timezone.now()) for i in range(2)]
    return {"rule_set": rule_set, "segments": segments, "initial": runs[0], "later": runs[1]}


def member(seg: dict, code: str, customer: Customer, *, run: str = "later", since: date = D - timedelta(days=3),
           until: date | None = None) -> SegmentMembership:
    return SegmentMembership.objects.create(customer=customer, segment=seg["segments"][code], valid_from=since,
                                            valid_to=until, rule_set=seg["rule_set"], entered_run=seg[run])


# --- Whom each audience targets ------------------------------------------------------------------------------

def test_it_visits_clients_opened_in_the_last_n_days_once_in_their_branch_queue(org):
    programme = only("new_account", opened_within_days=30)
    inside = clients(org["branch_a"], opened_on=D - timedelta(days=29)) + clients(org["branch_b"], opened_on=D)
    outside = (clients(org["branch_a"], opened_on=D - timedelta(days=30))
               + clients(org["branch_a"], opened_on=D + timedelta(days=1))
               + clients(org["branch_a"], opened_on=D - timedelta(days=5), status="closed"))

    run = visit_tasks_generate(business_date=D)

    made = tasks(programme)
    assert set(made) == {c.pk for c in inside} and not set(made) & {c.pk for c in outside}
    task = made[inside[1].pk]
    assert (task.branch, task.center, task.assignee, task.status) == (org["branch_b"], None, None, "pending")
    assert (task.cycle, task.business_date, task.priority) == ("once", D, programme.priority)
    assert task.due_on == add_working_days(D, programme.due_working_days) and task.generation_run == run
    assert run.created == {"new_account": 2} and run.total_created == 2 and run.finished_at


def test_it_counts_due_dates_in_working_days():
    assert add_working_days(D, 0) == D
    assert add_working_days(D, 1) == date(2026, 11, 16)  # Friday -> Monday
    assert add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)  # over the National Day holiday


def test_it_visits_segment_members_once_per_period(org):
    programme = only("core_client", repeat_after_months=3)
    seg = segmentation("core")
    inside, left = clients(org["branch_a"], 2)
    member(seg, "core", inside, run="initial", since=D - timedelta(days=400))
    member(seg, "core", left, until=D - timedelta(days=1))

    visit_tasks_generate(business_date=D)

    task = tasks(programme)[inside.pk]
    assert set(tasks(programme)) == {inside.pk} and task.cycle == "p2026-10/3" == period_cycle(D, 3)
    task.status = TaskStatus.COMPLETED
    task.save()
    visit_tasks_generate(business_date=date(2026, 12, 30))  # the same quarter: visited already
    assert VisitTask.objects.filter(programme=programme).count() == 1
    visit_tasks_generate(business_date=date(2027, 1, 4))  # the next quarter
    assert sorted(VisitTask.objects.filter(programme=programme).values_list("cycle", flat=True)) == [
        "p2026-10/3", "p2027-01/3"]


def test_it_names_periods_from_calendar_months():
    assert period_cycle(D, 12) == "p2026-01/12" and period_cycle(D, 6) == "p2026-07/6"
    assert period_cycle(D, 1) == "p2026-11/1" and period_cycle(D, 0) == "once"


def test_it_visits_clients_who_entered_a_segment_lately_but_not_on_the_initial_run(org):
    programme = only("abnormal_activity")
    seg = segmentation("abnormal_activity")
    fresh, initial, old, gone = clients(org["branch_a"], 4)
    entered = member(seg, "abnormal_activity", fresh)
    member(seg, "abnormal_activity", initial, run="initial")
    member(seg, "abnormal_activity", old, since=D - timedelta(days=30))
    member(seg, "abnormal_activity", gone, until=D)

    visit_tasks_generate(business_date=D)

    made = tasks(programme)
    assert set(made) == {fresh.pk}
    assert (made[fresh.pk].cycle, made[fresh.pk].source_ref) == (f"m{entered.pk}", f"membership:{entered.pk}")


def test_it_says_why_a_segment_programme_generated_nothing(org):
    only("abnormal_activity")

    run = visit_tasks_generate(business_date=D)

    assert run.created == {"abnormal_activity": 0} and "abnormal_activity" in run.messages


def test_it_calls_back_tickets_awaiting_a_satisfaction_callback(org):
    from brokerdesk.tickets.models import Ticket

    programme = only("complaint_callback")
    customer, other = clients(org["branch_a"], 2)

    def ticket(status, who):
        return Ticket.objects.create(kind="complaint", channel="phone", subject="s", status=status, customer=who,
                                     branch=org["branch_a"])

    first, second = ticket("satisfaction_callback", customer), ticket("satisfaction_callback", customer)
    ticket("resolved", other)
    Ticket.objects.create(kind="complaint", channel="phone", subject="s", status="satisfaction_callback")

    visit_tasks_generate(business_date=D)

    made = tasks(programme)
    assert set(made) == {customer.pk}  # one open task at a time: the second ticket waits for the first
    assert (made[customer.pk].cycle, made[customer.pk].source_ref) == (f"t{first.pk}", f"ticket:{first.pk}")
    made[customer.pk].status = TaskStatus.COMPLETED
    made[customer.pk].save()
    visit_tasks_generate(business_date=D)
    assert set(VisitTask.objects.filter(programme=programme).values_list("cycle", flat=True)) == {
        f"t{first.pk}", f"t{second.pk}"}


def test_it_visits_after_service_events_of_the_last_30_days(org):
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    from brokerdesk.service_plans.models import ServiceEvent

    programme = only("special_business")
    recent, old, other_kind = clients(org["branch_a"], 3)
    shanghai = ZoneInfo("Asia/Shanghai")

    def event(kind, who, day, key):
        return ServiceEvent.objects.create(kind=kind, customer=who, key=key,
                                           occurred_at=datetime.combine(day, time(9), shanghai))

    granted = event("permission_granted", recent, D - timedelta(days=29), "a")
    event("high_risk_sale", old, D - timedelta(days=30), "b")
    event("package_changed", other_kind, D, "c")

    visit_tasks_generate(business_date=D)

    made = tasks(programme)
    assert set(made) == {recent.pk}
    assert (made[recent.pk].cycle, made[recent.pk].source_ref) == (
        f"e{granted.pk}", f"event:permission_granted:{granted.pk}")


# --- Idempotence and one open task -----------------------------------------------------------------------------

def test_it_creates_nothing_on_a_second_run_the_same_day(org):
    seg = segmentation("core", "dormant", "abnormal_activity")
    for customer in clients(org["branch_a"], 3):
        member(seg, "core", customer)
    for customer in clients(org["branch_b"], 2):
        member(seg, "abnormal_activity", customer)
    clients(org["branch_a"], 4, opened_on=D - timedelta(days=3))
    clients(org["branch_b"], 15)
    first = visit_tasks_generate(business_date=D)
    rows = list(VisitTask.objects.order_by("pk").values())
    samples = list(AnnualSampleMember.objects.order_by("pk").values())

    second = visit_tasks_generate(business_date=D)

    assert first.total_created > 0 and second.total_created == 0 and set(second.created.values()) == {0}
    assert list(VisitTask.objects.order_by("pk").values()) == rows
    assert list(AnnualSampleMember.objects.order_by("pk").values()) == samples
    assert GenerationRun.objects.count() == 2


def test_it_gives_no_second_task_while_one_is_open(org):
    programme = only("core_client", repeat_after_months=3)
    seg = segmentation("core")
    customer = clients(org["branch_a"])[0]
    member(seg, "core", customer)
    earlier = VisitTask.objects.create(programme=programme, customer=customer, cycle="p2026-07/3",
                                       branch=org["branch_a"], status=TaskStatus.CLAIMED, business_date=D,
                                       due_on=D)

    run = visit_tasks_generate(business_date=D)

    assert run.total_created == 0 and list(tasks(programme).values()) == [earlier]
    earlier.status = TaskStatus.UNREACHABLE
    earlier.save()
    assert visit_tasks_generate(business_date=D).total_created == 1


# --- Runs, permissions, audit --------------------------------------------------------------------------------

def test_it_records_one_audit_event_per_run(org):
    only("new_account")
    clients(org["branch_a"], 5, opened_on=D)
    before = AuditEvent.objects.count()

    run = visit_tasks_generate(business_date=D)

    events = AuditEvent.objects.order_by("pk")[before:]
    assert [(e.action, e.object_id) for e in events] == [("visits.generate", str(run.pk))]
    assert events[0].details["created"] == {"new_account": 5}


def test_it_lets_supervisors_generate_and_refuses_agents(org, users):
    only("new_account")
    run = visit_tasks_generate(actor=users["supervisor"], business_date=D)
    assert run.actor == users["supervisor"]
    with pytest.raises(PermissionDenied):
        visit_tasks_generate(actor=users["agent"], business_date=D)


def test_it_generates_only_the_programmes_asked_for(org):
    clients(org["branch_a"], 2, opened_on=D)

    run = visit_tasks_generate(business_date=D, programme_codes=["new_account", "no_such_programme"])

    assert run.created == {"new_account": 2} and not run.all_programmes
    assert set(run.messages) == {"no_such_programme"}


# --- Annual sample ---------------------------------------------------------------------------------------------

def test_it_draws_the_annual_sample_per_branch_from_last_year_end_clients(org):
    programme = only("annual_sample")
    seg = segmentation("dormant")
    eligible_a = clients(org["branch_a"], 25)
    eligible_b = clients(org["branch_b"], 11)
    dormant_group = clients(org["branch_a"], 3)
    for customer in dormant_group:
        member(seg, "dormant", customer)
    excluded = (clients(org["branch_a"], 4, status="dormant") + clients(org["branch_a"], 4, status="frozen")
                + clients(org["branch_a"], 4, status="closed", closed_on=date(2026, 3, 1))
                + clients(org["branch_a"], 4, opened_on=date(2026, 1, 1))
                + clients(org["branch_b"], 4, closed_on=date(2025, 12, 31)))

    visit_tasks_generate(business_date=D)

    strata = {s.branch_id: (s.eligible, s.required) for s in AnnualSampleStratum.objects.filter(year=2026)}
    assert strata == {org["branch_a"].pk: (25, 3), org["branch_b"].pk: (11, 2)}  # ceil(10%) per branch
    drawn = {m.customer_id: m for m in AnnualSampleMember.objects.filter(programme=programme, year=2026)}
    per_branch = dict(AnnualSampleMember.objects.values_list("branch").annotate(n=Count("id")))
    assert per_branch == {org["branch_a"].pk: 3, org["branch_b"].pk: 2}
    assert set(drawn) <= {c.pk for c in eligible_a + eligible_b}
    assert not set(drawn) & {c.pk for c in excluded + dormant_group}
    # November to December, evenly over the whole sample (also when every branch has only a few members)
    assert Counter(m.release_month for m in drawn.values()) == {11: 3, 12: 2}


def test_it_releases_the_sample_month_by_month_and_never_redraws_it(org):
    programme = only("annual_sample")
    clients(org["branch_a"], 40)
    visit_tasks_generate(business_date=D)
    drawn = dict(AnnualSampleMember.objects.values_list("customer_id", "release_month"))
    november = {c for c, month in drawn.items() if month == 11}
    assert len(drawn) == 4 and len(november) == 2 and set(tasks(programme)) == november
    assert {t.cycle for t in tasks(programme).values()} == {"2026"}

    clients(org["branch_a"], 40)  # more clients later in the year change nothing: the sample is drawn
    visit_tasks_generate(business_date=date(2026, 12, 1))

    assert dict(AnnualSampleMember.objects.values_list("customer_id", "release_month")) == drawn
    assert set(tasks(programme)) == set(drawn)
    assert AnnualSampleStratum.objects.get().eligible == 40


def test_it_draws_the_same_sample_from_the_same_data(org):
    only("annual_sample")
    clients(org["branch_a"], 60)
    visit_tasks_generate(business_date=D)
    first = set(AnnualSampleMember.objects.values_list("customer_id", flat=True))
    VisitTask.objects.all().delete()
    AnnualSampleMember.objects.all().delete()
    AnnualSampleStratum.objects.all().delete()

    visit_tasks_generate(business_date=D)

    assert set(AnnualSampleMember.objects.values_list("customer_id", flat=True)) == first and len(first) == 6
    visit_tasks_generate(business_date=date(2027, 1, 5))  # a new year, a new draw over the whole year
    next_year = AnnualSampleMember.objects.filter(year=2027)
    assert next_year.count() == 6 and set(next_year.values_list("release_month", flat=True)) <= set(range(1, 13))
    assert set(next_year.values_list("customer_id", flat=True)) != first


def test_it_spreads_a_january_draw_over_the_twelve_months(org):
    only("annual_sample")
    clients(org["branch_a"], 240)

    visit_tasks_generate(business_date=date(2027, 1, 4))

    months = dict(AnnualSampleMember.objects.values_list("release_month").annotate(n=Count("id")))
    assert months == {m: 2 for m in range(1, 13)}
    assert VisitTask.objects.count() == 2


def test_it_draws_the_same_members_when_the_pre_filter_falls_short(org):

    programme = only("annual_sample")
    clients(org["branch_a"], 57)
    clients(org["branch_b"], 23)
    # No key passes a bound of no head room at all: every branch is drawn again from all its clients.
    forced = sample_draw(programme, D, timezone.now(), head_room=-1e9)
    members = set(AnnualSampleMember.objects.values_list("customer_id", "release_month"))
    AnnualSampleMember.objects.all().delete()
    AnnualSampleStratum.objects.all().delete()

    usual = sample_draw(programme, D, timezone.now())

    assert forced == usual and (usual.strata, usual.members) == (2, 6 + 3)
    assert set(AnnualSampleMember.objects.values_list("customer_id", "release_month")) == members
