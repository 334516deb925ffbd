"""The seed configuration: four service packages, a 10-question risk questionnaire with the bands of DOMAIN.md,
and a shelf of products across R1–R5. A brokerage edits all of it in the pages and the admin; only empty tables
are seeded, so an installation's own configuration is never overwritten."""

from datetime import date
from decimal import Decimal

from django.db import transaction

# (code, name, rank, min tier, min client level, service risk, approval, default, description,
#  entitlements [(kind, level, detail)], schedules [(tier, standard, min, max)])
PACKAGES = [
    ("basic", "基础服务", 0, "", "", "R1", False, True,
     "网上交易、行情资讯、基础研究报告、公告短信。",
     [("research", 1, "基础研报"), ("sms_push", 1, "公告与交易提醒"), ("email_push", 1, "月度对账单")],
     [("", "0.2500", "0.2000", "0.3000")]),
    ("gold", "金牌服务", 10, "gold", "", "R2", False, False,
     "每日早报、精选股票池、财富活动。",
     [("research", 2, "深度研报"), ("daily_report", 1, "每日早报"), ("stock_pool", 1, "精选股票池"),
      ("sms_push", 1, "资讯短信"), ("email_push", 1, "研报邮件"), ("wealth_events", 1, "投资者教育活动")],
     [("gold", "0.2000", "0.1800", "0.2200"), ("platinum", "0.1800", "0.1600", "0.2000"),
      ("diamond", "0.1600", "0.1400", "0.1800")]),
    ("platinum", "铂金投顾", 20, "platinum", "C3", "R3", True, False,
     "专属投资顾问、模拟组合、每日视频、VIP热线。",
     [("research", 2, "深度研报"), ("daily_report", 1, "每日早报"), ("daily_video", 1, "每日视频解盘"),
      ("model_portfolio", 1, "投顾模拟组合"), ("stock_pool", 1, "精选股票池"), ("dedicated_advisor", 1, "专属投顾"),
      ("vip_hotline", 1, "VIP热线"), ("sms_push", 1, "资讯短信"), ("email_push", 1, "研报邮件"),
      ("wealth_events", 1, "高端财富活动")],
     [("platinum", "0.1600", "0.1400", "0.1800"), ("diamond", "0.1500", "0.1300", "0.1700")]),
    ("diamond", "钻石尊享", 30, "diamond", "C4", "R4", True, False,
     "机构级研究、专属投顾团队、极速交易通道。",
     [("research", 3, "机构级研报"), ("daily_report", 1, "每日早报"), ("daily_video", 1, "每日视频解盘"),
      ("model_portfolio", 1, "投顾模拟组合"), ("stock_pool", 1, "精选股票池"), ("dedicated_advisor", 1, "专属投顾团队"),
      ("vip_hotline", 1, "VIP热线"), ("fast_channel", 1, "极速交易通道"), ("sms_push", 1, "资讯短信"),
      ("email_push", 1, "研报邮件"), ("wealth_events", 1, "私享财富活动")],
     [("diamond", "0.1300", "0.1000", "0.1500")]),
]

# (topic, text, [(answer, score, accepts no loss)]). Ten questions of 10 points each: scores 0–100.
QUESTIONS = [
    ("income", "您的家庭年收入（折合人民币）为？",
     [("5万元以下", 2, False), ("5万-20万元", 4, False), ("20万-50万元", 6, False), ("50万-100万元", 8, False),
      ("100万元以上", 10, False)]),
    ("assets", "您可用于投资的金融资产为？",
     [("10万元以下", 2, False), ("10万-50万元", 4, False), ("50万-300万元", 6, False), ("300万-1000万元", 8, False),
      ("1000万元以上", 10, False)]),
    ("debt", "您目前的负债情况是？",
     [("有较大额未偿债务，负担较重", 0, False), ("有中等数额债务", 4, False), ("有少量债务", 7, False),
      ("没有负债", 10, False)]),
    ("knowledge", "以下哪项最能说明您的投资知识水平？",
     [("缺乏投资知识", 1, False), ("了解基本的投资知识", 4, False), ("有较丰富的投资知识", 7, False),
      ("具有金融专业背景或从业经历", 10, False)]),
    ("experience", "您投资股票、基金等风险资产的年限是？",
     [("没有经验", 0, False), ("2年以下", 3, False), ("2-5年", 6, False), ("5-10年", 8, False),
      ("10年以上", 10, False)]),
    ("experience", "您投资过的风险最高的产品是？",
     [("银行存款、国债", 1, False), ("债券、货币基金", 4, False), ("股票、混合型基金", 7, False),
      ("期货、期权、融资融券等", 10, False)]),
    ("objective", "您计划的投资期限是？",
     [("1年以内", 2, False), ("1-3年", 6, False), ("3年以上", 10, False)]),
    ("objective", "您的投资目标是？",
     [("资产保值，不愿承担风险", 1, False), ("资产稳健增长", 5, False), ("资产较快增长", 8, False),
      ("追求高收益", 10, False)]),
    ("preference", "您能承受的最大投资损失是？",
     [("不能承受任何损失", 0, True), ("本金10%以内的损失", 4, False), ("本金10%-30%的损失", 7, False),
      ("本金30%以上的损失", 10, False)]),
    ("preference", "如果您的投资在一个月内下跌20%，您会？",
     [("全部卖出", 1, False), ("卖出一部分", 4, False), ("继续持有", 7, False), ("追加投资", 10, False)]),
]
BANDS = [("C1", 0, 19), ("C2", 20, 36), ("C3", 37, 53), ("C4", 54, 82), ("C5", 83, 100)]

PRODUCTS = [
    ("MMF001", "天天利货币市场基金", "public_fund", "R1", "示范基金管理有限公司"),
    ("BND002", "稳健纯债债券基金", "public_fund", "R2", "示范基金管理有限公司"),
    ("SN0031", "本金保障型收益凭证31期", "structured_note", "R2", "示范证券股份有限公司"),
    ("MIX003", "价值精选混合基金", "public_fund", "R3", "示范基金管理有限公司"),
    ("EQ0004", "科技创新股票基金", "public_fund", "R4", "示范基金管理有限公司"),
    ("AM0005", "量化对冲集合资产管理计划", "asset_management", "R4", "示范证券资产管理有限公司"),
    ("PF0006", "成长一号私募证券投资基金", "private_fund", "R5", "示范私募基金管理有限公司"),
]


def seed(apps) -> None:
    """Fill each empty configuration table. `apps` is the app registry (migration state or the live one)."""
    package_model = apps.get_model("service_plans", "ServicePackage")
    entitlement_model = apps.get_model("service_plans", "PackageEntitlement")
    schedule_model = apps.get_model("service_plans", "CommissionSchedule")
    questionnaire_model = apps.get_model("service_plans", "Questionnaire")
    question_model = apps.get_model("service_plans", "Question")
    choice_model = apps.get_model("service_plans", "Choice")
    band_model = apps.get_model("service_plans", "RiskBand")
    product_model = apps.get_model("service_plans", "Product")
    with transaction.atomic():
        if not package_model.objects.exists():
            for code, name, rank, tier, level, risk, approval, default, text, entitlements, schedules in PACKAGES:
                package = package_model.objects.create(
                    code=code, name=name, rank=rank, min_asset_tier=tier, min_risk_level=level, risk_level=risk,
                    requires_approval=approval, is_default=default, description=text, effective_from=date(2026, 1, 1))
                entitlement_model.objects.bulk_create(
                    entitlement_model(package=package, kind=kind, level=lvl, detail=detail)
                    for kind, lvl, detail in entitlements)
                schedule_model.objects.bulk_create(
                    schedule_model(package=package, asset_tier=t, standard_rate=Decimal(std), min_rate=Decimal(lo),
                                   max_rate=Decimal(hi))
                    for t, std, lo, hi in schedules)
        if not questionnaire_model.objects.exists():
            questionnaire = questionnaire_model.objects.create(version=1, name="个人投资者风险承受能力评估问卷",
                                                               is_current=True, validity_days=730)
            for position, (topic, text, answers) in enumerate(QUESTIONS, start=1):
                question = question_model.objects.create(questionnaire=questionnaire, position=position, topic=topic,
                                                         text=text)
                choice_model.objects.bulk_create(
                    choice_model(question=question, position=i, text=answer, score=score, accepts_no_loss=no_loss)
                    for i, (answer, score, no_loss) in enumerate(answers, start=1))
            band_model.objects.bulk_create(band_model(questionnaire=questionnaire, level=level, min_score=lo,
                                                      max_score=hi) for level, lo, hi in BANDS)
        if not product_model.objects.exists():
            product_model.objects.bulk_create(
                product_model(code=code, name=name, kind=kind, risk_level=risk, issuer=issuer)
                for code, name, kind, risk, issuer in PRODUCTS)


def seed_if_empty(sender=None, **kwargs) -> None:
    """post_migrate: seed a new installation, and put the seed back after a flush (live-server tests)."""
    from django.apps import apps

    seed(apps)
