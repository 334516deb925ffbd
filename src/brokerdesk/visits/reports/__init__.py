"""Return-visit figures (coverage, the yearly sample's progress, agents, findings, completions over time), their
Excel workbook, and the programme catalogue in words. The pages are in visits/report_views.py."""

from brokerdesk.visits.reports.figures import VisitFigures, visit_figures
from brokerdesk.visits.reports.periods import VisitPeriod, parse_period

__all__ = ["VisitFigures", "VisitPeriod", "parse_period", "visit_figures"]
