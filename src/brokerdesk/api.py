"""The one NinjaAPI at /api/v1. Each app contributes one Router."""

from django.db import connection
from ninja import NinjaAPI, Schema

from brokerdesk import __version__
from brokerdesk.contact_center.telephony.api import router as telephony_router
from brokerdesk.core.api_types import install_error_handlers
from brokerdesk.customers.api import router as customers_router
from brokerdesk.intake.api import router as intake_router
from brokerdesk.knowledge.api import router as knowledge_router
from brokerdesk.org.api_auth import API_AUTH
from brokerdesk.segmentation.api import router as segments_router
from brokerdesk.service_plans.api import router as plans_router
from brokerdesk.surveys.api import router as surveys_router
from brokerdesk.tickets.api import router as tickets_router
from brokerdesk.visits.api import router as visits_router

api = NinjaAPI(
    title="brokerdesk API",
    version="1",
    description="Integrations with brokerdesk. Authenticate with `Authorization: Bearer <token>` "
    "(create one with `brokerdesk token create --user USERNAME`). Errors always have the shape "
    '`{"error": {"code", "message", "details"}}`. Personal data is masked unless read through an '
    "audited unmask endpoint.",
    auth=API_AUTH,
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
install_error_handlers(api)


class HealthOut(Schema):
    status: str
    database: str
    version: str


@api.get("/health", auth=None, response=HealthOut, tags=["system"], summary="Liveness and database check")
def health(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"status": "ok", "database": connection.vendor, "version": __version__}


api.add_router("/customers", customers_router)
api.add_router("/intake", intake_router)
api.add_router("/segments", segments_router)
api.add_router("/tickets", tickets_router)
api.add_router("/plans", plans_router)
api.add_router("/visits", visits_router)
api.add_router("/kb", knowledge_router)
api.add_router("/telephony", telephony_router)
api.add_router("/surveys", surveys_router)
