"""The demo brokerage, built the way production is fed: `synth` writes a year of core-system batches
(a backfill and the next daily batch), `intake` validates and applies them, and the demo adds what the
core system does not send: one staff login per role, placed at real branches and centers of the data.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from brokerdesk.core.audit import audit_record
from brokerdesk.core.calendar import previous_trading_day
from brokerdesk.customers.models import Customer
from brokerdesk.intake.models import IntakeBatch
from brokerdesk.intake.services import intake_run
from brokerdesk.org.choices import DepartmentKind, Role, Scope
from brokerdesk.org.models import Branch, ContactCenter, Department, Staff
from brokerdesk.segmentation.run import segmentation_run
from brokerdesk.synth.demo_tickets import load_demo_tickets
from brokerdesk.synth.generator import generate
from brokerdesk.visits.generate import visit_tasks_generate

DEMO_PASSWORD = "Demo#2026brokerdesk"  # noqa: S105  (published demo credential, printed by `make run`)

DEPARTMENTS = [
    ("D-CS", "客户服务部", DepartmentKind.CUSTOMER_SERVICE),
    ("D-OPS", "运营管理部", DepartmentKind.OPERATIONS),
    ("D-RISK", "风险管理部", DepartmentKind.RISK_CONTROL),
    ("D-CMP", "合规管理部", DepartmentKind.COMPLIANCE),
    ("D-WM", "财富管理部", DepartmentKind.WEALTH_MANAGEMENT),
    ("D-IT", "信息技术部", DepartmentKind.IT),
]
# (username, display name, role, scope, where: "center" / "branch_a" / "branch_b" / None, department)
STAFF = [
    ("agent", "客服坐席 林小青", Role.AGENT, Scope.CENTER, "center", "D-CS"),
    ("supervisor", "班长 陈志远", Role.SUPERVISOR, Scope.CENTER, "center", "D-CS"),
    ("agent_hq", "总部坐席 何佳", Role.AGENT, Scope.CENTER, "hq", "D-CS"),
    ("branch_a", "营业部客服 王丽", Role.BRANCH_STAFF, Scope.BRANCH, "branch_a", None),
    ("branch_b", "营业部客服 赵敏", Role.BRANCH_STAFF, Scope.BRANCH, "branch_b", None),
    ("manager", "客户经理 刘洋", Role.CLIENT_MANAGER, Scope.BRANCH, "branch_a", None),
    ("advisor", "投资顾问 孙博文", Role.ADVISOR, Scope.BRANCH, "branch_a", "D-WM"),
    ("reviewer", "运营复核 周静", Role.REVIEWER, Scope.COMPANY, None, "D-OPS"),
    ("compliance", "合规专员 郑海燕", Role.COMPLIANCE, Scope.COMPANY, None, "D-CMP"),
    ("admin", "系统管理员", Role.ADMIN, Scope.COMPANY, None, "D-IT"),
]


@dataclass
class DemoResult:
    clients: int
    days: int
    branch_a: str
    branch_b: str


def demo_loaded() -> bool:
    return Staff.objects.filter(username="agent").exists()


def load_demo(*, clients: int = 20_000, days: int = 250, seed: int = 20261121,
              progress: Callable[[str], None] = lambda m: None) -> DemoResult:
    # The data ends on the last trading day before yesterday, so the daily batch is "last night's".
    end = previous_trading_day(previous_trading_day(timezone.localdate()))
    out = Path(settings.INTAKE_DIR) / "demo-batches"
    progress(f"synth: {clients:,} clients, {days} trading days up to {end + timedelta(days=1)}")
    generate(out, customers=clients, days=days, seed=seed, end_date=end, progress=progress)
    results = intake_run(actor=None, path=out, progress=progress)
    if not results or not all(r.ok for r in results):
        failed = next((r.batch for r in results if not r.ok), None)
        raise RuntimeError(f"intake of the demo batches failed: {failed.message if failed else 'no batch'}")
    with transaction.atomic():
        branch_a, branch_b = _two_branches()
        hq = ContactCenter.objects.filter(kind="hq").order_by("code").first() or branch_a.serving_center
        places = {"center": branch_a.serving_center, "hq": hq, "branch_a": branch_a, "branch_b": branch_b}
        departments = {
            code: Department.objects.get_or_create(
                code=code, defaults={"company": branch_a.company, "name": name, "kind": kind})[0]
            for code, name, kind in DEPARTMENTS
        }
        for username, display, role, scope, where, department in STAFF:
            place = places.get(where)
            user = Staff(
                username=username, display_name=display, scope=scope,
                center=place if isinstance(place, ContactCenter) else None,
                branch=place if isinstance(place, Branch) else None,
                department=departments.get(department), is_staff=(role == Role.ADMIN),
            )
            user.set_password(DEMO_PASSWORD)
            user.save()
            user.groups.add(Group.objects.get(name=role))
        Customer.objects.filter(home_branch=branch_a).update(client_manager=Staff.objects.get(username="manager"))
        _demo_agents()
        audit_record(actor=None, actor_username="system", action="demo.load", object_type="company",
                     object_id=branch_a.company_id,
                     details={"clients": clients, "days": days, "seed": seed,
                              "batches": [r.batch.pk for r in results]})
    progress("tickets: a working queue")
    load_demo_tickets(branch_a, branch_b)
    # Segments at once, rather than at the worker's next nightly poll.
    segmentation_run(actor=None, progress=progress)
    # And the day's return visits, rather than at the daily job's next working morning.
    run = visit_tasks_generate(actor=None)
    progress(f"return visits: {run.total_created:,} tasks")
    return DemoResult(clients=clients, days=days, branch_a=str(branch_a), branch_b=str(branch_b))


# The demo desk logins' agent profiles: (username, extension, skills).
DEMO_AGENTS = [
    ("agent", "8001", ("general", "margin", "funds")),
    ("supervisor", "8002", ("general", "complaints", "vip")),
    ("agent_hq", "9001", ("general", "margin", "options", "english")),
]


def _demo_agents() -> None:
    """Extensions and skills for the desk logins, and a service desk line for every branch without one."""
    from brokerdesk.contact_center.models import AgentProfile, AgentSkill, Skill

    skills = {s.code: s for s in Skill.objects.all()}
    for username, extension, codes in DEMO_AGENTS:
        staff = Staff.objects.get(username=username)
        profile, _ = AgentProfile.objects.get_or_create(staff=staff, defaults={"center": staff.center,
                                                                               "extension": extension})
        AgentSkill.objects.bulk_create([AgentSkill(agent=profile, skill=skills[code], level=3)
                                        for code in codes if code in skills], ignore_conflicts=True)
    for branch in Branch.objects.filter(service_phone="").only("pk", "code"):
        digits = "".join(ch for ch in branch.code if ch.isdigit())[-4:].rjust(4, "0")
        Branch.objects.filter(pk=branch.pk).update(service_phone=f"0755866{digits}")


def _two_branches() -> tuple[Branch, Branch]:
    """The busiest sales office, and the busiest one served by another center (to show branch scoping)."""
    from django.db.models import Count

    offices = Branch.objects.filter(kind="sales_office").annotate(n=Count("customers")).order_by("-n", "code")
    first = offices.select_related("serving_center", "company").first()
    second = offices.exclude(serving_center=first.serving_center).first() or offices.exclude(pk=first.pk).first()
    return first, second


def latest_business_date() -> date | None:
    batch = IntakeBatch.objects.filter(status="applied").order_by("-business_date").first()
    return batch.business_date if batch else None
