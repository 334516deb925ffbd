"""Version 1 of the rules, published: the seed rule set of DOMAIN.md's client classification.

A new installation can segment on its first night; staff change the rules through drafts and approval.
"""

from django.db import migrations

LABELS_EN = {
    "diamond": "Diamond", "platinum": "Platinum", "gold": "Gold", "silver": "Silver",
    "trading": "Trading-type", "investment": "Investment-type",
    "institutional": "Institutional", "corporate": "Corporate", "high_net_worth": "High net worth", "mass": "Mass",
    "core": "Core", "newly_opened": "Newly opened", "abnormal_activity": "Abnormal activity", "dormant": "Dormant",
    "never_traded": "Never traded", "high_potential": "High potential", "churn_risk": "Churn risk",
    "professional_investor": "Professional investor", "high_risk_holdings": "Holds high-risk products",
}


def seed(apps, schema_editor):
    from django.utils import timezone

    from brokerdesk.analytics.engine.rules.seed import SEED_RULE_SET

    RuleSet = apps.get_model("segmentation", "RuleSet")
    SegmentRule = apps.get_model("segmentation", "SegmentRule")
    Segment = apps.get_model("segmentation", "Segment")
    if RuleSet.objects.exists():
        return
    now = timezone.now()
    rule_set = RuleSet.objects.create(version=1, name="初始规则 (seed)", status="published", published_at=now,
                                      note="DOMAIN.md client classification")
    for position, rule in enumerate(SEED_RULE_SET.rules, start=1):
        label_en = LABELS_EN.get(rule.segment_code, "")
        SegmentRule.objects.create(rule_set=rule_set, position=position, dimension=rule.dimension.value,
                                   code=rule.segment_code, label_zh=rule.label_zh, label_en=label_en,
                                   expression=rule.expression, description=rule.description)
        Segment.objects.create(dimension=rule.dimension.value, code=rule.segment_code, label_zh=rule.label_zh,
                               label_en=label_en, rank=position - 1, active=True)


class Migration(migrations.Migration):
    dependencies = [("segmentation", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
