"""Return-visit findings: a ticket kind and channel for them (the visits app opens one per visit that finds
staff misconduct and sends it to compliance), a system-dispatched supervision ticket (no dispatcher), and the
seeded SLA policy of the new kind: first response in 240 business minutes, resolved within 5 working days."""

from datetime import time

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# Before the catch-all "其他" policy (position 70 in 0002_seed), which would otherwise match the new kind.
POLICY = {"name": "回访发现（合规核查）", "position": 65, "kind": "visit_finding", "regulator_source": "",
          "major_only": False, "first_response_minutes": 240, "resolution_mode": "working_days",
          "resolution_amount": 5, "warn_before_minutes": 240, "opens": time(8, 30), "closes": time(17, 30)}


def seed(apps, schema_editor):
    """Also called by TicketsConfig's seed_if_empty after 0002's seed (a flushed database)."""
    SlaPolicy = apps.get_model("tickets", "SlaPolicy")
    if not SlaPolicy.objects.filter(kind=POLICY["kind"]).exists():
        SlaPolicy.objects.create(**POLICY)


def unseed(apps, schema_editor):
    apps.get_model("tickets", "SlaPolicy").objects.filter(kind=POLICY["kind"], name=POLICY["name"]).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('tickets', '0004_queue_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='slapolicy',
            name='kind',
            field=models.CharField(blank=True, choices=[('consultation', 'Consultation'), ('complaint', 'Complaint'), ('suggestion', 'Suggestion'), ('service_request', 'Service request'), ('regulator_referral', 'Regulator referral'), ('visit_finding', 'Return-visit finding')], max_length=20, verbose_name='kind'),
        ),
        migrations.AlterField(
            model_name='supervisionorder',
            name='dispatched_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='dispatched by'),
        ),
        migrations.AlterField(
            model_name='ticket',
            name='channel',
            field=models.CharField(choices=[('phone', 'Hotline call'), ('branch', 'Branch (in person or branch phone)'), ('web', 'Web form'), ('email', 'Email'), ('wechat', 'WeChat'), ('web_chat', 'Web chat'), ('api', 'Other system (API)'), ('regulator', 'Regulator'), ('return_visit', 'Return visit')], max_length=12, verbose_name='channel'),
        ),
        migrations.AlterField(
            model_name='ticket',
            name='kind',
            field=models.CharField(choices=[('consultation', 'Consultation'), ('complaint', 'Complaint'), ('suggestion', 'Suggestion'), ('service_request', 'Service request'), ('regulator_referral', 'Regulator referral'), ('visit_finding', 'Return-visit finding')], max_length=20, verbose_name='kind'),
        ),
        migrations.RunPython(seed, unseed),
    ]
