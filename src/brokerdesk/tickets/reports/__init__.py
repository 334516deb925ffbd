"""Complaint reports (DOMAIN.md "Complaints"): the monthly report to head office and the annual summary for the
local CSRC office, as pages and as Excel workbooks.

    periods.py  months and years in Shanghai time, parsed from the request
    figures.py  the figures, computed by the database and scoped to the actor (dataclasses)
    excel.py    the workbooks (XlsxWriter, constant memory)
    views.py    the pages and downloads (permission tickets.view_ticket_reports)
"""

from brokerdesk.tickets.reports.views import annual_report, annual_report_xlsx, monthly_report, monthly_report_xlsx

__all__ = ["annual_report", "annual_report_xlsx", "monthly_report", "monthly_report_xlsx"]
