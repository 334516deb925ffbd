"""Demo tickets: a working queue to look at after `make run`, made through the ticket services as staff would.

A complaint dispatched to branch A and awaiting its reply, one replied and waiting for HQ, a major complaint
(a lawyer's letter), a 12386 referral, consultations answered and closed, a web-form complaint not yet taken.
"""

from datetime import timedelta

from django.utils import timezone

from brokerdesk.customers.models import Customer
from brokerdesk.org.models import Branch, Staff
from brokerdesk.tickets import services
from brokerdesk.tickets.services import TicketInput


def load_demo_tickets(branch_a: Branch, branch_b: Branch) -> int:
    agent, branch_staff = Staff.objects.get(username="agent"), Staff.objects.get(username="branch_a")
    clients_a = list(Customer.objects.filter(home_branch=branch_a).order_by("pk")[:6])
    clients_b = list(Customer.objects.filter(home_branch=branch_b).order_by("pk")[:2])

    def record(customer, kind, subject, description, **extra):
        return services.ticket_create(actor=agent, data=TicketInput(
            kind=kind, channel=extra.pop("channel", "phone"), subject=subject, description=description,
            customer_id=customer.pk, **extra), accept=True)

    waiting = record(clients_a[0], "complaint", "客户经理频繁推销理财产品", "客户反映客户经理多次来电推销高风险产品。")
    services.ticket_dispatch(actor=agent, ticket_id=waiting.pk, branch_id=branch_a.pk,
                             instructions="请核实客户经理的推介记录，并于期限内回复处理结果。")
    replied = record(clients_a[1], "complaint", "佣金与开户约定不符",
                     "客户称开户时约定万分之二点五，实际按万分之三收取。")
    services.ticket_dispatch(actor=agent, ticket_id=replied.pk, branch_id=branch_a.pk,
                             instructions="请核对佣金设置并答复客户。")
    services.ticket_reply(actor=branch_staff, ticket_id=replied.pk, findings="经核实，佣金设置录入有误。",
                          measures="已更正佣金并退还多收部分，已电话告知客户。")
    record(clients_a[2], "complaint", "委托未成交损失", "客户称交易系统卡顿导致委托失败，已委托律师准备起诉。",
           amount_involved="120000")
    record(clients_a[3], "regulator_referral", "12386 转办：开户流程投诉", "客户向 12386 反映视频见证多次失败。",
           channel="regulator", regulator_source="12386", regulator_ref="12386-2026-000417",
           regulator_deadline=timezone.now() + timedelta(days=10))
    for customer, subject in ((clients_a[4], "如何开通创业板权限"), (clients_b[0], "银证转账到账时间")):
        answered = record(customer, "consultation", subject, "客户来电咨询。")
        services.ticket_propose(actor=agent, ticket_id=answered.pk, resolution="已按业务规则答复客户。")
        services.ticket_resolve(actor=agent, ticket_id=answered.pk)
        services.ticket_close(actor=agent, ticket_id=answered.pk)
    phone = clients_b[1].phones.first()
    services.ticket_create(actor=None, data=TicketInput(
        kind="complaint", channel="web", subject="网上营业厅登录后闪退", description="手机 App 登录后立即闪退。",
        contact_name=clients_b[1].name, contact_phone=phone.number if phone else ""))
    return 8
