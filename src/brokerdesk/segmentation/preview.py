"""Preview a draft before it is submitted: counts per segment under the draft and under the published rules,
who would enter and leave, and sample clients, all over the feature table of the latest successful run (so a
preview takes a second, not a full run). Without a run yet, the features are computed for the latest date."""

from dataclasses import dataclass, field
from datetime import date

import pyarrow as pa
from django.utils.translation import get_language

from brokerdesk.analytics.engine.connection import engine_connection
from brokerdesk.analytics.engine.features import compute_features
from brokerdesk.analytics.engine.rules import Dimension, compile_rule_set, evaluate_rule_set
from brokerdesk.core.audit import audit_record
from brokerdesk.core.errors import PermissionDenied
from brokerdesk.core.lake import lake_root
from brokerdesk.customers.selectors import customers_visible_to
from brokerdesk.segmentation.models import RuleSet
from brokerdesk.segmentation.run import (
    NothingToSegment,
    engine_rule_set,
    last_successful_run,
    latest_business_date,
    published_rule_set,
)
from brokerdesk.segmentation.sources import customers_table, feature_sources

SAMPLE_CANDIDATES = 500
SAMPLE_SIZE = 10


@dataclass
class PreviewRow:
    dimension: str
    code: str
    label: str
    draft: int  # members under the draft
    published: int  # members under the published rules
    entering: int  # in the draft's segment, not in the published one
    leaving: int
    samples: list = field(default_factory=list)  # Customer instances the actor may see, entering ones first

    @property
    def change(self) -> int:
        return self.draft - self.published


@dataclass
class Preview:
    business_date: date
    clients: int
    rows: list[PreviewRow]


def ruleset_preview(*, actor, rule_set: RuleSet) -> Preview:
    # Makers preview what they draft; checkers preview what they are asked to approve.
    if actor is None or not (actor.has_perm("segmentation.draft_ruleset")
                             or actor.has_perm("segmentation.approve_ruleset")):
        audit_record(actor=actor, action="access.denied", details={"attempted": "segmentation.ruleset_preview"})
        raise PermissionDenied()
    draft = compile_rule_set(engine_rule_set(rule_set))
    published = compile_rule_set(engine_rule_set(published_rule_set()))
    with engine_connection() as con:
        features, business_date = _latest_features(con)
        con.from_arrow(evaluate_rule_set(con, features, draft)).create_view("bd_draft")
        con.from_arrow(evaluate_rule_set(con, features, published)).create_view("bd_published")
        counts = con.sql("""
            SELECT dimension, segment_code,
                   COUNT(*) FILTER (WHERE d.customer_no IS NOT NULL) AS draft,
                   COUNT(*) FILTER (WHERE p.customer_no IS NOT NULL) AS published,
                   COUNT(*) FILTER (WHERE p.customer_no IS NULL) AS entering,
                   COUNT(*) FILTER (WHERE d.customer_no IS NULL) AS leaving
            FROM bd_draft AS d FULL OUTER JOIN bd_published AS p USING (customer_no, segment_code, dimension)
            GROUP BY dimension, segment_code
        """).fetchall()
        # Up to SAMPLE_CANDIDATES clients per segment, entering ones first; the actor's scope picks the samples.
        candidates = con.sql("""
            SELECT dimension, segment_code, customer_no FROM (
                SELECT d.dimension, d.segment_code, d.customer_no,
                       ROW_NUMBER() OVER (PARTITION BY d.dimension, d.segment_code
                                          ORDER BY p.customer_no IS NULL DESC, hash(d.customer_no)) AS n
                FROM bd_draft AS d LEFT JOIN bd_published AS p USING (customer_no, segment_code, dimension)
            ) WHERE n <= $limit ORDER BY dimension, segment_code, n
        """, params={"limit": SAMPLE_CANDIDATES}).fetchall()
    english = (get_language() or "").startswith("en")
    labels = {}
    for rule in [*published_rule_set().rules.all(), *rule_set.rules.all()]:  # the draft's names win
        labels[(rule.dimension, rule.code)] = rule.label_en if english and rule.label_en else rule.label_zh
    rows = {(d, c): PreviewRow(d, c, labels.get((d, c), c), draft_n, pub_n, entering, leaving)
            for d, c, draft_n, pub_n, entering, leaving in counts}
    _attach_samples(actor, rows, candidates)
    order = {d.value: i for i, d in enumerate(Dimension)}
    positions = {(r.dimension, r.code): r.position for r in rule_set.rules.all()}
    ordered = sorted(rows.values(), key=lambda r: (order[r.dimension], positions.get((r.dimension, r.code), 999)))
    return Preview(business_date=business_date, clients=features.num_rows, rows=ordered)


def _latest_features(con) -> tuple[pa.Table, date]:
    run = last_successful_run()
    if run is not None and run.features and (lake_root() / run.features).exists():
        return con.read_parquet(str(lake_root() / run.features)).to_arrow_table(), run.business_date
    as_of = latest_business_date()
    if as_of is None:
        raise NothingToSegment("Nothing has been loaded yet: run the intake first.")
    return compute_features(con, sources=feature_sources(as_of, customers_table()), as_of=as_of), as_of


def _attach_samples(actor, rows: dict, candidates: list[tuple[str, str, str]]) -> None:
    wanted = {no for _, _, no in candidates}
    visible = {c.customer_no: c for c in customers_visible_to(actor).filter(customer_no__in=wanted)
               .select_related("home_branch")}
    for dimension, code, customer_no in candidates:
        row = rows.get((dimension, code))
        if row is not None and customer_no in visible and len(row.samples) < SAMPLE_SIZE:
            row.samples.append(visible[customer_no])
