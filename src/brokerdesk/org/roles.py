"""Role groups and their permissions, kept in code so every installation has the same matrix.

Data scope (which rows) comes from Staff.scope; these permissions say which actions a role may take.
"""

from django.contrib.auth.models import Group, Permission

from brokerdesk.org.choices import Role

ALL_STAFF = set(Role.values)
WORKS_WITH_CLIENTS = ALL_STAFF - {Role.ADMIN}

# permission "app_label.codename" -> roles holding it
PERMISSION_MATRIX: dict[str, set[str]] = {
    "customers.view_customer": WORKS_WITH_CLIENTS,
    "customers.add_customer": {Role.BRANCH_STAFF, Role.REVIEWER},
    "customers.change_customer": {Role.BRANCH_STAFF, Role.REVIEWER},
    # Seeing full ID numbers and phones: the roles that serve or check clients in person.
    "customers.unmask_customer": {Role.BRANCH_STAFF, Role.CLIENT_MANAGER, Role.REVIEWER, Role.COMPLIANCE},
    "customers.add_customernote": WORKS_WITH_CLIENTS,
    "core.view_audit_trail": {Role.COMPLIANCE, Role.ADMIN},
    "intake.view_intakebatch": {Role.REVIEWER, Role.ADMIN, Role.SUPERVISOR},
    "intake.run_intake": {Role.REVIEWER, Role.ADMIN},
    # Segmentation rules under maker-checker: the service refuses approval by the rule set's own author.
    "segmentation.draft_ruleset": {Role.SUPERVISOR, Role.REVIEWER, Role.ADMIN},
    "segmentation.approve_ruleset": {Role.REVIEWER, Role.COMPLIANCE, Role.ADMIN},
    "segmentation.run_segmentation": {Role.REVIEWER, Role.ADMIN},
    # Inbound messages (email, later SMS and chat): supervisors look into the quarantine and send a message
    # through again once the cause is fixed.
    "messaging.view_inboundmessage": {Role.SUPERVISOR, Role.ADMIN},
    "messaging.reprocess_inboundmessage": {Role.SUPERVISOR, Role.ADMIN},
    # Tickets: everyone who works with clients records and sees them (scoped to their branch); HQ dispatches
    # supervision tickets and resolves complaints; supervisors and compliance escalate and record accountability.
    "tickets.view_ticket": WORKS_WITH_CLIENTS,
    "tickets.add_ticket": WORKS_WITH_CLIENTS,
    "tickets.work_ticket": {Role.AGENT, Role.SUPERVISOR, Role.BRANCH_STAFF, Role.CLIENT_MANAGER, Role.REVIEWER,
                            Role.COMPLIANCE},
    "tickets.dispatch_ticket": {Role.AGENT, Role.SUPERVISOR, Role.COMPLIANCE},
    "tickets.escalate_ticket": {Role.SUPERVISOR, Role.COMPLIANCE, Role.REVIEWER},
    "tickets.view_ticket_reports": {Role.SUPERVISOR, Role.COMPLIANCE, Role.REVIEWER, Role.BRANCH_STAFF},
    "tickets.view_ticketcategory": {Role.ADMIN},
    "tickets.add_ticketcategory": {Role.ADMIN},
    "tickets.change_ticketcategory": {Role.ADMIN},
    "tickets.view_slapolicy": {Role.ADMIN},
    "tickets.add_slapolicy": {Role.ADMIN},
    "tickets.change_slapolicy": {Role.ADMIN},
    "tickets.view_majorcomplaintrule": {Role.ADMIN, Role.COMPLIANCE},
    "tickets.add_majorcomplaintrule": {Role.ADMIN, Role.COMPLIANCE},
    "tickets.change_majorcomplaintrule": {Role.ADMIN, Role.COMPLIANCE},
    # Service packages and suitability: front-line staff request package changes and record suitability
    # checks, questionnaires and permission applications for the clients they serve (scoped to their branch);
    # operations reviewers approve, configure packages and hand commission changes to the core system;
    # professional-investor status is granted by reviewers or compliance, never by whoever took the request.
    "service_plans.view_servicepackage": WORKS_WITH_CLIENTS | {Role.ADMIN},
    "service_plans.add_servicepackage": {Role.REVIEWER, Role.ADMIN},
    "service_plans.change_servicepackage": {Role.REVIEWER, Role.ADMIN},
    "service_plans.manage_packages": {Role.REVIEWER, Role.ADMIN},
    "service_plans.view_product": {Role.REVIEWER, Role.ADMIN, Role.COMPLIANCE},
    "service_plans.add_product": {Role.REVIEWER, Role.ADMIN},
    "service_plans.change_product": {Role.REVIEWER, Role.ADMIN},
    "service_plans.subscribe_package": {Role.AGENT, Role.SUPERVISOR, Role.BRANCH_STAFF, Role.CLIENT_MANAGER,
                                        Role.ADVISOR},
    "service_plans.approve_subscription": {Role.REVIEWER},
    "service_plans.export_commission_changes": {Role.REVIEWER, Role.ADMIN},
    "service_plans.view_fair_fee_report": {Role.REVIEWER, Role.COMPLIANCE, Role.SUPERVISOR, Role.BRANCH_STAFF},
    "service_plans.check_suitability": {Role.AGENT, Role.SUPERVISOR, Role.BRANCH_STAFF, Role.CLIENT_MANAGER,
                                        Role.ADVISOR},
    "service_plans.view_suitabilitycheck": WORKS_WITH_CLIENTS,
    "service_plans.assess_risk": {Role.AGENT, Role.SUPERVISOR, Role.BRANCH_STAFF, Role.CLIENT_MANAGER},
    "service_plans.view_questionnaire": {Role.REVIEWER, Role.COMPLIANCE, Role.ADMIN},
    "service_plans.add_questionnaire": {Role.COMPLIANCE, Role.ADMIN},
    "service_plans.change_questionnaire": {Role.COMPLIANCE, Role.ADMIN},
    "service_plans.add_professionalapplication": {Role.BRANCH_STAFF, Role.CLIENT_MANAGER, Role.REVIEWER},
    "service_plans.review_professional": {Role.REVIEWER, Role.COMPLIANCE},
    "service_plans.apply_permission": {Role.BRANCH_STAFF, Role.CLIENT_MANAGER, Role.REVIEWER},
    "service_plans.view_permissionapplication": WORKS_WITH_CLIENTS,
    # Return visits: front-line staff claim and work the visits of their queue (a center's or their branch's);
    # supervisors and operations reviewers reassign and cancel, and run generation; programmes are configured
    # by reviewers and administrators.
    "visits.view_visittask": WORKS_WITH_CLIENTS,
    "visits.work_visit": {Role.AGENT, Role.SUPERVISOR, Role.BRANCH_STAFF, Role.CLIENT_MANAGER},
    "visits.assign_visit": {Role.SUPERVISOR, Role.REVIEWER},
    "visits.generate_visits": {Role.SUPERVISOR, Role.REVIEWER, Role.ADMIN},
    "visits.view_visit_reports": {Role.SUPERVISOR, Role.REVIEWER, Role.COMPLIANCE, Role.BRANCH_STAFF},
    "visits.view_programme": {Role.SUPERVISOR, Role.REVIEWER, Role.COMPLIANCE, Role.ADMIN},
    "visits.add_programme": {Role.REVIEWER, Role.ADMIN},
    "visits.change_programme": {Role.REVIEWER, Role.ADMIN},
    "visits.view_visitfinding": {Role.COMPLIANCE, Role.SUPERVISOR, Role.REVIEWER},
    # Contact center: agents and supervisors work calls and chats at the agent desktop; supervisors watch the
    # wallboard, set other agents' states and plan staffing; contact history is seen by everyone who works with
    # clients (scoped to their branch); routing configuration is the administrators'.
    "contact_center.use_agent_desktop": {Role.AGENT, Role.SUPERVISOR},
    "contact_center.view_wallboard": {Role.AGENT, Role.SUPERVISOR, Role.ADMIN},
    "contact_center.manage_agents": {Role.SUPERVISOR},
    "contact_center.view_interaction": WORKS_WITH_CLIENTS,
    "contact_center.view_contact_reports": {Role.SUPERVISOR, Role.REVIEWER, Role.COMPLIANCE},
    "contact_center.plan_staffing": {Role.SUPERVISOR, Role.ADMIN},
    "contact_center.view_skill": {Role.ADMIN, Role.SUPERVISOR},
    "contact_center.add_skill": {Role.ADMIN},
    "contact_center.change_skill": {Role.ADMIN},
    "contact_center.view_centersettings": {Role.ADMIN, Role.SUPERVISOR},
    "contact_center.change_centersettings": {Role.ADMIN},
    "contact_center.view_agentprofile": {Role.ADMIN, Role.SUPERVISOR},
    "contact_center.add_agentprofile": {Role.ADMIN},
    "contact_center.change_agentprofile": {Role.ADMIN},
    "contact_center.view_ivroption": {Role.ADMIN},
    "contact_center.add_ivroption": {Role.ADMIN},
    "contact_center.change_ivroption": {Role.ADMIN},
    "contact_center.view_wrapupcode": {Role.ADMIN},
    "contact_center.add_wrapupcode": {Role.ADMIN},
    "contact_center.change_wrapupcode": {Role.ADMIN},
    "contact_center.view_routingsettings": {Role.ADMIN},
    "contact_center.change_routingsettings": {Role.ADMIN},
    # Outbound messages: staff who serve clients send them (policy checks apply); supervisors and compliance see
    # the outbox and delivery status; supervisors retry a failed message.
    "messaging.send_message": WORKS_WITH_CLIENTS,
    "messaging.view_outboundmessage": {Role.SUPERVISOR, Role.COMPLIANCE, Role.ADMIN},
    "messaging.retry_outboundmessage": {Role.SUPERVISOR, Role.ADMIN},
    "web_chat.answer_chat": {Role.AGENT, Role.SUPERVISOR},
    "web_chat.view_chatsession": {Role.AGENT, Role.SUPERVISOR, Role.COMPLIANCE},
    "wechat.view_wechatfollower": {Role.SUPERVISOR, Role.ADMIN},
    # Binding a client's WeChat: the staff who serve the client issue the one-time code the client sends.
    "wechat.bind_wechatfollower": {Role.AGENT, Role.SUPERVISOR, Role.BRANCH_STAFF, Role.CLIENT_MANAGER},
    # Knowledge base: everyone reads published articles; supervisors and administrators write and publish.
    "knowledge.view_article": WORKS_WITH_CLIENTS,
    "knowledge.add_article": {Role.SUPERVISOR, Role.ADMIN},
    "knowledge.change_article": {Role.SUPERVISOR, Role.ADMIN},
    "knowledge.publish_article": {Role.SUPERVISOR, Role.ADMIN},
    "knowledge.view_category": {Role.SUPERVISOR, Role.ADMIN},
    "knowledge.add_category": {Role.SUPERVISOR, Role.ADMIN},
    "knowledge.change_category": {Role.SUPERVISOR, Role.ADMIN},
    # Surveys and NPS: supervisors, reviewers and administrators design surveys and run campaigns; NPS analytics
    # and verbatims are read by managers of service quality (supervisors, reviewers, compliance, branch staff for
    # their branch); action items are managed by reviewers and supervisors; agents record phone answers.
    "surveys.design_survey": {Role.SUPERVISOR, Role.REVIEWER, Role.ADMIN},
    "surveys.run_campaign": {Role.SUPERVISOR, Role.REVIEWER, Role.ADMIN},
    "surveys.view_nps": {Role.SUPERVISOR, Role.REVIEWER, Role.COMPLIANCE, Role.BRANCH_STAFF},
    "surveys.manage_action_items": {Role.SUPERVISOR, Role.REVIEWER},
    "surveys.view_response": {Role.SUPERVISOR, Role.REVIEWER, Role.COMPLIANCE, Role.BRANCH_STAFF},
    "surveys.add_response": {Role.AGENT, Role.SUPERVISOR, Role.BRANCH_STAFF},
    "surveys.view_theme": {Role.ADMIN, Role.SUPERVISOR, Role.REVIEWER},
    "surveys.add_theme": {Role.ADMIN},
    "surveys.change_theme": {Role.ADMIN},
    "surveys.view_experienceofficer": {Role.SUPERVISOR, Role.REVIEWER, Role.ADMIN},
    "surveys.add_experienceofficer": {Role.SUPERVISOR, Role.ADMIN},
    "surveys.change_experienceofficer": {Role.SUPERVISOR, Role.ADMIN},
    # Django admin: organisation and configuration, administrators only.
    "org.view_company": {Role.ADMIN},
    "org.change_company": {Role.ADMIN},
    "org.add_contactcenter": {Role.ADMIN},
    "org.view_contactcenter": {Role.ADMIN},
    "org.change_contactcenter": {Role.ADMIN},
    "org.add_branch": {Role.ADMIN},
    "org.view_branch": {Role.ADMIN},
    "org.change_branch": {Role.ADMIN},
    "org.add_department": {Role.ADMIN},
    "org.view_department": {Role.ADMIN},
    "org.change_department": {Role.ADMIN},
    "org.add_staff": {Role.ADMIN},
    "org.view_staff": {Role.ADMIN},
    "org.change_staff": {Role.ADMIN},
    "org.view_apitoken": {Role.ADMIN},
    "org.change_apitoken": {Role.ADMIN},
    "auth.view_group": {Role.ADMIN},
    # The business calendar: administrators load each year's State Council holiday schedule.
    "core.view_calendaryear": {Role.ADMIN},
    "core.add_calendaryear": {Role.ADMIN},
    "core.change_calendaryear": {Role.ADMIN},
    "core.delete_calendaryear": {Role.ADMIN},
    "core.view_calendarday": {Role.ADMIN},
    "core.add_calendarday": {Role.ADMIN},
    "core.change_calendarday": {Role.ADMIN},
    "core.delete_calendarday": {Role.ADMIN},
}


def ensure_role_groups(sender=None, **kwargs) -> None:
    """post_migrate: create one group per role and set its permissions to exactly the matrix.

    post_migrate is sent once per installed app, and an app's permissions exist only after its own
    round; acting on the last app's round sees them all and runs the matrix once, not once per app.
    """
    from django.apps import apps

    # Django sends post_migrate only for apps with a models module.
    with_models = [config for config in apps.get_app_configs() if config.models_module is not None]
    if sender is not None and sender is not with_models[-1]:
        return
    for role in Role.values:
        group, _ = Group.objects.get_or_create(name=role)
        wanted = [perm for perm, roles in PERMISSION_MATRIX.items() if role in roles]
        perms = []
        for dotted in wanted:
            app_label, codename = dotted.split(".", 1)
            perm = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if perm is not None:  # the app may not be migrated yet in this post_migrate round
                perms.append(perm)
        group.permissions.set(perms)
