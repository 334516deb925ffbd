"""Shared fixtures: an organisation with two branches, one user per role, and API clients.

The shared test users (ARCHITECTURE.md section 4, rule 10): agent, supervisor, branch staff of branch A and
of branch B, reviewer, compliance (plus a client manager and an administrator).
"""

import pytest
from django.test import Client


@pytest.fixture(autouse=True, scope="session")
def _jobs_run_immediately():
    """Huey tasks run in the test's own thread and transaction, at the moment they are enqueued.

    Set on the instance: the settings are imported before this file, so an environment variable set here
    would come too late.
    """
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = True


@pytest.fixture
def org(db):
    from tests.factories import BranchFactory, CenterFactory, CompanyFactory

    company = CompanyFactory()
    hq = CenterFactory(company=company, code="HQ", name="总部客服中心", kind="hq")
    center = CenterFactory(company=company, code="SC-GD", name="广东客服分中心")
    branch_a = BranchFactory(company=company, code="BA01", name="深圳A营业部", serving_center=center)
    branch_b = BranchFactory(company=company, code="BB01", name="上海B营业部", serving_center=hq, province="上海",
                             city="上海")
    return {"company": company, "hq": hq, "center": center, "branch_a": branch_a, "branch_b": branch_b}


@pytest.fixture
def users(org):
    from brokerdesk.org.choices import Role, Scope
    from tests.factories import make_staff

    return {
        "agent": make_staff("t_agent", Role.AGENT, scope=Scope.CENTER, center=org["center"]),
        "supervisor": make_staff("t_supervisor", Role.SUPERVISOR, scope=Scope.CENTER, center=org["center"]),
        "branch_a": make_staff("t_branch_a", Role.BRANCH_STAFF, scope=Scope.BRANCH, branch=org["branch_a"]),
        "branch_b": make_staff("t_branch_b", Role.BRANCH_STAFF, scope=Scope.BRANCH, branch=org["branch_b"]),
        "manager_a": make_staff("t_manager_a", Role.CLIENT_MANAGER, scope=Scope.BRANCH, branch=org["branch_a"]),
        "reviewer": make_staff("t_reviewer", Role.REVIEWER, scope=Scope.COMPANY),
        "compliance": make_staff("t_compliance", Role.COMPLIANCE, scope=Scope.COMPANY),
        "admin": make_staff("t_admin", Role.ADMIN, scope=Scope.COMPANY),
    }


@pytest.fixture
def customer_a(org):
    from tests.factories import make_customer

    return make_customer(org["branch_a"])


@pytest.fixture
def customer_b(org):
    from tests.factories import make_customer

    return make_customer(org["branch_b"])


@pytest.fixture
def login():
    """login(user) -> a test Client signed in as user (HTTPS, as the Secure session cookie requires)."""

    def _login(user):
        client = Client(enforce_csrf_checks=False)
        client.force_login(user)
        client.defaults["wsgi.url_scheme"] = "https"
        client.defaults["SERVER_PORT"] = "443"
        return client

    return _login


@pytest.fixture
def token_client():
    """token_client(user, scopes) -> a test Client that sends Authorization: Bearer <new token>."""
    from brokerdesk.org.tokens import token_create

    def _client(user, scopes=("customers:read", "customers:write", "pii:unmask")):
        _, raw = token_create(actor=None, user=user, name="test", scopes=list(scopes))
        return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")

    return _client
