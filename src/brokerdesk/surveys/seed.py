"""Seed data (DOMAIN.md "Surveys"): the themes and one published NPS survey. Only empty tables are seeded, so an
installation's own themes and surveys are never overwritten (post_migrate, and the test runner's flushes)."""

from django.db import transaction
from django.utils import timezone

THEMES = [
    ("overall", "总体满意度"), ("products", "产品服务"), ("research", "研究资讯"), ("staff_service", "员工服务"),
    ("trading_system", "交易系统"), ("account_opening", "开户服务"), ("contact_center", "客服热线"),
]
DETRACTOR_SCORES = list(range(0, 7))
REASONS = ["服务态度", "交易系统不稳定", "佣金费用", "研究资讯价值", "业务办理效率", "其他"]
CONTACT_YES = "需要，请尽快联系我"
NPS_SURVEY = {
    "code": "nps-overall", "name": "客户满意度（NPS）",
    "intro": "感谢您选择我们。以下几个问题约需 1 分钟，您的回答将帮助我们改进服务。",
    "thanks": "感谢您的反馈！我们会认真对待您的每一条意见。",
    "questions": [
        {"position": 1, "kind": "nps", "text": "您有多大可能向朋友或同事推荐我司的服务？"
                                          "（0 表示完全不可能，10 表示非常可能）",
         "is_primary_nps": True},
        {"position": 2, "kind": "multiple", "text": "您不满意的主要原因是？", "choices": REASONS,
         "show_if_position": 1, "show_if_values": DETRACTOR_SCORES},
        {"position": 3, "kind": "text", "text": "请告诉我们您给出这个分数的原因，或对我们的建议。", "required": False,
         "is_verbatim": True},
        {"position": 4, "kind": "single", "text": "您是否希望我们就您反映的问题与您联系？", "required": False,
         "choices": [CONTACT_YES, "不需要"], "ticket_kind": "consultation", "ticket_values": [CONTACT_YES]},
    ],
}


def seed() -> None:
    from brokerdesk.surveys.models import Question, Survey, Theme

    with transaction.atomic():
        if not Theme.objects.exists():
            Theme.objects.bulk_create(Theme(code=code, name=name) for code, name in THEMES)
        if not Survey.objects.exists():
            spec = dict(NPS_SURVEY)
            questions = spec.pop("questions")
            survey = Survey.objects.create(**spec, theme=Theme.objects.get(code="overall"), status="published",
                                           published_at=timezone.now())
            Question.objects.bulk_create(Question(survey=survey, **q) for q in questions)


def seed_if_empty(sender=None, **kwargs) -> None:
    from brokerdesk.surveys.models import Survey, Theme

    if not Theme.objects.exists() or not Survey.objects.exists():
        seed()
