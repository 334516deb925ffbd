"""Jobs: announce service events; end cooling-off periods; export commission changes; announce expired
risk assessments."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from brokerdesk.service_plans import events


@db_task(retries=3, retry_delay=30)
def service_events_announce(event_id: int) -> bool:
    return events.announce(event_id)


@db_periodic_task(crontab(minute="*/15"))
def service_events_catch_up() -> int:
    """Resend what a crash between commit and announcement left behind."""
    return events.announce_pending()


@db_periodic_task(crontab(minute="*/5"))
def subscriptions_cooling_off_finish() -> int:
    """Subscriptions whose cooling-off has run out take effect."""
    from brokerdesk.service_plans.services.subscriptions import cooling_off_finish

    return cooling_off_finish()


@db_periodic_task(crontab(minute="30", hour="16"))
def commission_changes_export_daily():
    """After the close: hand the day's commission changes to the core system for the next trading day."""
    from brokerdesk.service_plans.services.commission_export import commission_changes_export

    export = commission_changes_export(actor=None)
    return export.file_name if export else None


# Daily at 01:05 Asia/Shanghai (17:05 UTC: Huey's crontab runs in UTC), after the business date has turned.
@db_periodic_task(crontab(hour="17", minute="5"))
def risk_assessments_expired_announce() -> int:
    """Announce every risk assessment that expired (an ASSESSMENT_EXPIRED event per client and expiry date)."""
    from brokerdesk.service_plans.services.assessments import assessments_expired_announce

    return assessments_expired_announce()
