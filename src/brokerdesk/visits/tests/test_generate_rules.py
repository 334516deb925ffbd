"""Feature-rule programmes over the latest segmentation run's feature table, and `brokerdesk visits generate`."""

import io
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from brokerdesk.segmentation.models import RuleSet, SegmentRun
from brokerdesk.visits.generate import visit_tasks_generate
from brokerdesk.visits.models import GenerationRun, Programme, VisitTask
from brokerdesk.visits.tests.test_generate import D, clients, only

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """The runs keep their messages in the language of the run (Chinese by default); these tests read English."""
    with translation.override("en"):
        yield


def features_run(settings, tmp_path, rows: list[dict], status: str = "succeeded", ids: bool = False) -> SegmentRun:
    """A segmentation run whose feature table in the lake holds rows (customer_no and a few features; with ids,
    the clients' database ids too)."""
    settings.LAKE_DIR = tmp_path / "lake"
    rule_set = RuleSet.objects.create(version=901, name="test", status="retired")
    run = SegmentRun.objects.create(business_date=D, rule_set=rule_set, status=status, trigger="nightly",
                                    started_at=timezone.now())
    folder = tmp_path / "lake" / "segmentation" / f"run={run.pk}"
    folder.mkdir(parents=True)
    schema = pa.schema([("customer_no", pa.string()), ("age", pa.int64()), ("max_product_risk_held", pa.int64())])
    if ids:
        schema = schema.insert(0, pa.field("customer_id", pa.int64()))
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), folder / "features.parquet")
    run.features = f"segmentation/run={run.pk}/features.parquet"
    run.save()
    return run


def test_it_visits_the_clients_a_feature_rule_matches(org, settings, tmp_path):
    programme = only("elderly_clients")  # age >= 65, every 12 months, not frozen clients
    old, young, unknown, frozen = (clients(org["branch_a"])[0], clients(org["branch_a"])[0],
                                   clients(org["branch_b"])[0], clients(org["branch_b"], status="frozen")[0])
    run = features_run(settings, tmp_path, [
        {"customer_no": old.customer_no, "age": 70}, {"customer_no": young.customer_no, "age": 40},
        {"customer_no": unknown.customer_no, "age": None}, {"customer_no": frozen.customer_no, "age": 80},
        {"customer_no": "not-a-client", "age": 90}])

    generation = visit_tasks_generate(business_date=D)

    made = list(VisitTask.objects.filter(programme=programme))
    assert [(t.customer_id, t.cycle, t.source_ref, t.center_id) for t in made] == [
        (old.pk, "p2026-01/12", f"rule:run={run.pk}", None)]
    assert generation.created == {"elderly_clients": 1} and generation.messages == {}
    assert visit_tasks_generate(business_date=D).total_created == 0


def test_it_takes_the_clients_ids_from_the_feature_table_when_it_has_them(org, settings, tmp_path):
    programme = only("r5_holders")  # max_product_risk_held >= 5, call center
    holder, other = clients(org["branch_a"], 2)
    features_run(settings, tmp_path, [
        {"customer_id": holder.pk, "customer_no": "ignored", "max_product_risk_held": 5},
        {"customer_id": other.pk, "customer_no": other.customer_no, "max_product_risk_held": 3}], ids=True)

    visit_tasks_generate(business_date=D)

    assert list(VisitTask.objects.filter(programme=programme).values_list("customer_id", "cycle", "center_id")) == [
        (holder.pk, "p2026-07/6", org["center"].pk)]
    assert visit_tasks_generate(business_date=D).total_created == 0


def test_it_reports_a_bad_feature_rule_and_goes_on_with_the_other_programmes(org, settings, tmp_path):
    only("new_account")
    only("elderly_clients", rule_expression="age >= 65; drop table customers_customer")
    Programme.objects.filter(code="new_account").update(is_active=True)
    customer = clients(org["branch_a"], opened_on=D)[0]
    features_run(settings, tmp_path, [{"customer_no": customer.customer_no, "age": 70}])

    run = visit_tasks_generate(business_date=D)

    assert run.created == {"new_account": 1, "elderly_clients": 0}
    assert "not valid" in run.messages["elderly_clients"] and "';'" in run.messages["elderly_clients"]
    only("elderly_clients", rule_expression="no_such_feature > 1")
    assert "no_such_feature" in visit_tasks_generate(business_date=D).messages["elderly_clients"]


def test_it_generates_nothing_for_a_feature_rule_before_segmentation_has_run(org, settings, tmp_path):
    only("r5_holders")
    clients(org["branch_a"])
    features_run(settings, tmp_path, [], status="failed")

    run = visit_tasks_generate(business_date=D)

    assert run.created == {"r5_holders": 0} and "Segmentation has not run" in run.messages["r5_holders"]


def test_it_prints_the_tasks_created_per_programme_and_the_total(org):
    only("new_account")
    clients(org["branch_a"], 3, opened_on=D)
    out = io.StringIO()

    call_command("visits", "generate", "--date", "2026-11-13", stdout=out)

    text = out.getvalue()
    run = GenerationRun.objects.get()
    assert f"run #{run.pk} 2026-11-13: 3 tasks created in" in text
    assert [line.split() for line in text.splitlines()[1:]] == [["new_account", "3"], ["total", "3"]]


def test_it_prints_the_run_as_json(org):
    only("new_account")
    clients(org["branch_a"], 2, opened_on=D)
    out = io.StringIO()

    call_command("visits", "generate", "--date", "2026-11-13", "--json", "--programme", "new_account", "core_client",
                 stdout=out)

    report = json.loads(out.getvalue())
    assert report["created"] == {"new_account": 2} and report["total"] == 2
    assert report["business_date"] == "2026-11-13" and report["seconds"] >= 0
    assert set(report["messages"]) == {"core_client"}  # not active


def test_it_refuses_a_bad_date(org):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("visits", "generate", "--date", "13/11/2026", stdout=io.StringIO())
    assert not GenerationRun.objects.exists()
