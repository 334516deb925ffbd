"""Contact-center fixtures: a floor with one agent at the Guangdong sub-center and one at HQ."""

import pytest

from brokerdesk.contact_center.routing import config


@pytest.fixture(autouse=True)
def _fresh_router():
    """Each test's database starts from the migrations' state: no process-wide Router built on another's rows."""
    config.invalidate()
    yield
    config.invalidate()


@pytest.fixture
def floor(org, users, customer_a):
    from brokerdesk.contact_center.models import AgentProfile, AgentSkill, Skill
    from brokerdesk.org.choices import Role, Scope
    from tests.factories import make_staff

    hq_agent = make_staff("t_hq_agent", Role.AGENT, scope=Scope.CENTER, center=org["hq"])
    general = Skill.objects.get(code="general")
    local = AgentProfile.objects.create(staff=users["agent"], center=org["center"], extension="8001")
    remote = AgentProfile.objects.create(staff=hq_agent, center=org["hq"], extension="9001")
    for profile in (local, remote):
        AgentSkill.objects.create(agent=profile, skill=general, level=3)
    phone = customer_a.phones.first().number
    return {**org, "local": local, "remote": remote, "hq_agent": hq_agent, "phone": phone}
