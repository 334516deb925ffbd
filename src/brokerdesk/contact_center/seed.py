"""Seed skills, the IVR main menu, wrap-up codes and the routing settings (DOMAIN.md "Contact center").

Only empty tables are seeded, so an installation's own configuration is never overwritten. Every center gets
its CenterSettings row (service hours Mon-Fri 9:00-21:00, Sat 9:00-18:00) when it has none.
"""

from django.db import transaction

# (code, name)
SKILLS = [
    ("general", "综合业务"), ("margin", "融资融券"), ("options", "股票期权"), ("funds", "基金理财"),
    ("vip", "VIP服务"), ("complaints", "投诉受理"), ("english", "英语服务"),
]
# (digit, label, action, skill, complaint line)
IVR = [
    ("1", "自助查询（资产、委托）", "self_service", None, False),
    ("2", "交易与账户业务", "agent", "general", False),
    ("3", "融资融券", "agent", "margin", False),
    ("4", "股票期权", "agent", "options", False),
    ("5", "基金理财", "agent", "funds", False),
    ("6", "投诉与建议", "agent", "complaints", True),
    ("7", "预约回电", "callback", None, False),
    ("8", "留言", "voicemail", None, False),
    ("9", "English service", "agent", "english", False),
    ("0", "人工服务", "agent", "general", False),
]
# (code, name, category)
WRAP_UP_CODES = [
    ("account_query", "账户与资产查询", "咨询"), ("trading_rules", "交易规则咨询", "咨询"),
    ("password", "密码重置与解锁", "业务办理"), ("permission", "业务权限开通咨询", "业务办理"),
    ("margin", "融资融券业务", "业务办理"), ("options", "股票期权业务", "业务办理"),
    ("funds", "基金理财产品", "咨询"), ("transfer_bank", "银证转账", "业务办理"),
    ("fees", "佣金与费用", "咨询"), ("system_issue", "交易系统故障反馈", "故障"),
    ("complaint", "投诉受理", "投诉"), ("suggestion", "意见建议", "建议"),
    ("transferred", "转接营业部或其他中心", "转接"), ("wrong_number", "打错电话/无效来电", "其他"),
]


def seed_if_empty(sender=None, using="default", **kwargs) -> None:
    from brokerdesk.contact_center.models import CenterSettings, IvrOption, RoutingSettings, Skill, WrapUpCode
    from brokerdesk.org.models import ContactCenter

    with transaction.atomic(using=using):
        if not Skill.objects.using(using).exists():
            Skill.objects.using(using).bulk_create([Skill(code=code, name=name) for code, name in SKILLS])
        skills = {s.code: s for s in Skill.objects.using(using).all()}
        if not IvrOption.objects.using(using).exists():
            IvrOption.objects.using(using).bulk_create([
                IvrOption(digit=digit, label=label, action=action, skill=skills.get(skill), is_complaint=complaint)
                for digit, label, action, skill, complaint in IVR])
        if not WrapUpCode.objects.using(using).exists():
            WrapUpCode.objects.using(using).bulk_create([
                WrapUpCode(code=code, name=name, category=category) for code, name, category in WRAP_UP_CODES])
        if not RoutingSettings.objects.using(using).exists():
            RoutingSettings.objects.using(using).create(
                pk=RoutingSettings.SINGLETON, default_skill=skills.get("general"), vip_skill=skills.get("vip"),
                complaint_skill=skills.get("complaints"))
        missing = ContactCenter.objects.using(using).filter(settings__isnull=True)
        CenterSettings.objects.using(using).bulk_create([CenterSettings(center=center) for center in missing])


def center_settings_for_new_center(sender, instance, created, raw=False, **kwargs) -> None:
    """A center added later gets the default hours at once (post_save of ContactCenter)."""
    if created and not raw:
        from brokerdesk.contact_center.models import CenterSettings

        CenterSettings.objects.get_or_create(center=instance)
