"""Seed configuration (DOMAIN.md "Complaints"): categories, SLA policies and major-complaint rules. All of it is
data the brokerage changes in the admin; nothing here is read by code as a constant."""

from datetime import time
from decimal import Decimal

from django.db import migrations

CATEGORIES = [
    ("service_attitude", "服务态度", "Service attitude", []),
    ("system_failure", "系统或交易故障", "System or trading failure", []),
    ("fees", "费用与佣金", "Fees and commission", []),
    ("account", "账户业务", "Account services", []),
    ("product_suitability", "产品销售与适当性", "Product sale and suitability", []),
    ("staff_conduct", "员工执业行为", "Staff conduct", []),
    ("information", "信息与资讯", "Information and research", []),
    ("trading_rules", "交易规则", "Trading rules", []),
    ("other", "其他", "Other", []),
]
OPENS, CLOSES = time(8, 30), time(17, 30)
# (name, kind, regulator source, major only, first response minutes, resolution mode, amount, warn minutes)
POLICIES = [
    ("监管转办（12386 等）", "regulator_referral", "", False, 120, "working_days", 5, 240),
    ("重大投诉", "complaint", "", True, 30, "working_days", 3, 120),
    ("一般投诉：当日办结", "complaint", "", False, 60, "same_day", 0, 60),
    ("咨询", "consultation", "", False, 60, "business_hours", 8, 60),
    ("服务请求", "service_request", "", False, 120, "working_days", 2, 120),
    ("建议", "suggestion", "", False, 240, "working_days", 5, 240),
    ("其他", "", "", False, 120, "working_days", 3, 120),
]
RULES = [
    ("监管转办", "regulator_referral", "", None, None),
    ("媒体曝光", "keywords", "媒体,记者,曝光,报社,电视台,微博,舆情", None, None),
    ("律师或诉讼", "keywords", "律师,律师函,起诉,诉讼,法院,仲裁,报警", None, None),
    ("群体投诉", "group", "", None, 5),
    ("涉及金额较大", "amount", "", Decimal("500000"), None),
]


def seed(apps, schema_editor):
    TicketCategory = apps.get_model("tickets", "TicketCategory")
    SlaPolicy = apps.get_model("tickets", "SlaPolicy")
    MajorComplaintRule = apps.get_model("tickets", "MajorComplaintRule")
    TicketCategory.objects.bulk_create(
        TicketCategory(code=code, name_zh=zh, name_en=en, kinds=kinds, position=(i + 1) * 10)
        for i, (code, zh, en, kinds) in enumerate(CATEGORIES))
    SlaPolicy.objects.bulk_create(
        SlaPolicy(name=name, position=(i + 1) * 10, kind=kind, regulator_source=source, major_only=major,
                  first_response_minutes=first, resolution_mode=mode, resolution_amount=amount,
                  warn_before_minutes=warn, opens=OPENS, closes=CLOSES)
        for i, (name, kind, source, major, first, mode, amount, warn) in enumerate(POLICIES))
    MajorComplaintRule.objects.bulk_create(
        MajorComplaintRule(name=name, kind=kind, keywords=keywords, amount_threshold=amount, min_clients=clients)
        for name, kind, keywords, amount, clients in RULES)


def unseed(apps, schema_editor):
    for model in ("TicketCategory", "SlaPolicy", "MajorComplaintRule"):
        apps.get_model("tickets", model).objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
