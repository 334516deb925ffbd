"""The seed programmes (DOMAIN.md "Return visits") with their scripts. A brokerage edits them in the admin;
only an empty table is seeded, so an installation's own programmes are never overwritten."""

from django.db import transaction

YES_NO = "yes_no"
IDENTITY = ("请问您是{客户姓名}本人吗？（核对身份证后四位）", YES_NO, [], "", [])
STAFF_TRADED = ("是否有我司工作人员代您操作账户或代为下单？", YES_NO, [], "staff_traded", ["yes"])
MANDATE = ("您是否将账户交由他人（包括我司工作人员）全权委托理财？", YES_NO, [], "discretionary_mandate", ["yes"])
PROMISED = ("是否有工作人员向您承诺收益或保证不亏损？", YES_NO, [], "promised_returns", ["yes"])
RISK_UNDERSTOOD = ("您是否已了解并理解相关业务的风险揭示内容？", YES_NO, [], "risk_not_understood", ["no"])
OWN_ACCOUNT = ("账户是否由您本人亲自开立并使用？", YES_NO, [], "not_own_account", ["no"])
SATISFACTION = ("您对我司服务的总体满意度（1 非常不满意 – 5 非常满意）", "rating", [], "", [])

# (code, name, purpose, audience, parameters, worked by, due working days, priority, script, questions)
PROGRAMMES = [
    ("new_account", "新开户回访", "new_account", "opened_within", {"opened_within_days": 30}, "branch", 15, 3,
     "您好，我是{公司}客服中心的工作人员，工号{工号}。您近期在我司开立了证券账户，按监管要求对您做一次回访，"
     "占用您几分钟时间，通话将被录音。",
     [IDENTITY, OWN_ACCOUNT, RISK_UNDERSTOOD, STAFF_TRADED, PROMISED,
      ("您是否收到并知晓账户的交易密码和资金密码需妥善保管？", YES_NO, [], "", [])]),
    ("annual_sample", "存量客户年度抽样回访", "annual_sample", "annual_sample",
     {"sample_ratio": "0.100", "exclude_statuses": ["dormant", "frozen"]}, "call_center", 20, 6,
     "您好，我是{公司}客服中心的工作人员，工号{工号}。为了解您的账户情况和对我们服务的意见，对您做一次例行回访。",
     [IDENTITY,
      ("近期您的账户信息（联系方式、地址）是否有变化？", "choice",
       ["无变化", "有变化，已更新", "有变化，需更新"], "", []),
      STAFF_TRADED, MANDATE, PROMISED, SATISFACTION]),
    ("abnormal_activity", "异动客户回访", "abnormal_activity", "segment_entered",
     {"segment_dimension": "group", "segment_code": "abnormal_activity"}, "branch", 5, 2,
     "您好，我是{营业部}的工作人员。我们注意到您的账户近期交易或资金变动较为频繁，想和您确认几个情况。",
     [IDENTITY, ("近期的交易和资金转账是否均为您本人操作？", YES_NO, [], "staff_traded", ["no"]), STAFF_TRADED,
      MANDATE, RISK_UNDERSTOOD]),
    ("dormant_reactivation", "休眠客户激活回访", "dormant_reactivation", "segment_members",
     {"segment_dimension": "group", "segment_code": "dormant", "repeat_after_months": 12}, "branch", 20, 8,
     "您好，我是{营业部}的工作人员。您的账户已较长时间没有交易，想了解您是否需要我们提供帮助。",
     [IDENTITY, ("您目前是否仍在使用该账户？", "choice", ["仍在使用", "暂不使用", "考虑销户"], "", []),
      ("您希望我们提供哪些服务？", "text", [], "", [])]),
    ("core_client", "核心客户定期回访", "core_client", "segment_members",
     {"segment_dimension": "group", "segment_code": "core", "repeat_after_months": 3}, "branch", 15, 5,
     "您好，我是您的客户经理。定期和您沟通账户情况，听取您的意见和需求。",
     [IDENTITY, STAFF_TRADED, MANDATE, SATISFACTION, ("您对我们还有哪些意见和建议？", "text", [], "", [])]),
    ("complaint_callback", "投诉满意度回访", "complaint_callback", "ticket_callback", {}, "call_center", 2, 1,
     "您好，我是{公司}客服中心的工作人员。关于您此前反映的问题（{工单号}），我们已处理完毕，想了解您对处理结果是否满意。",
     [IDENTITY, ("您反映的问题是否已经解决？", YES_NO, [], "", []),
      ("您对处理结果的满意度（1 非常不满意 – 5 非常满意）", "rating", [], "", []),
      ("您还有其他意见吗？", "text", [], "", [])]),
    ("special_business", "特殊业务回访（创业板/科创板/融资融券权限、高风险产品）", "special_business", "service_event",
     {"event_kinds": ["permission_granted", "high_risk_sale"]}, "call_center", 5, 2,
     "您好，我是{公司}客服中心的工作人员。您近期开通了相关业务权限或购买了高风险产品，按适当性要求对您进行回访。",
     [IDENTITY, ("该业务（产品）是否由您本人申请（购买）并签署风险揭示书？", YES_NO, [], "not_own_account", ["no"]),
      RISK_UNDERSTOOD,
      ("是否有工作人员向您主动推荐超出您风险承受能力的产品？", YES_NO, [], "other_misconduct", ["yes"]),
      PROMISED]),
    ("elderly_clients", "老年客户关怀回访", "elderly_savings", "feature_rule",
     {"rule_expression": "age >= 65", "repeat_after_months": 12, "exclude_statuses": ["frozen"]},
     "branch", 20, 4,
     "您好，我是{营业部}的工作人员。为保护老年投资者权益，我们对您做一次关怀回访，请问现在方便吗？",
     [IDENTITY, RISK_UNDERSTOOD, STAFF_TRADED, MANDATE,
      ("您的投资资金主要来源是？", "choice", ["工资或经营收入", "储蓄或养老金", "其他"], "", [])]),
    ("r5_holders", "高风险产品持有客户回访", "special_business", "feature_rule",
     {"rule_expression": "max_product_risk_held >= 5", "repeat_after_months": 6}, "call_center", 10, 4,
     "您好，我是{公司}客服中心的工作人员。您目前持有高风险等级（R5）的产品，我们定期与您确认风险认知情况。",
     [IDENTITY, RISK_UNDERSTOOD, PROMISED]),
]
# Requested one at a time (an agent during a call, branch staff after a visit): never generated in bulk.
REQUESTED = (
    "requested", "预约回访", "client_request", "on_request", {}, "call_center", 3, 3,
    "您好，我是{公司}客服中心的工作人员，工号{工号}。您此前与我们联系时约定了回访，现就相关事项与您跟进。",
    [IDENTITY, ("您此前反映的事项是否已经办妥或得到解答？", YES_NO, [], "", []), SATISFACTION])
PROGRAMMES.append(REQUESTED)


def seed(programme_model=None, question_model=None) -> None:
    if programme_model is None:
        from brokerdesk.visits.models import Programme as programme_model
        from brokerdesk.visits.models import ScriptQuestion as question_model
    with transaction.atomic():
        for code, name, purpose, audience, params, policy, due, priority, script, questions in PROGRAMMES:
            programme = programme_model.objects.create(
                code=code, name=name, purpose=purpose, audience=audience, assignee_policy=policy,
                due_working_days=due, priority=priority, script=script, **params)
            question_model.objects.bulk_create(
                question_model(programme=programme, position=(i + 1) * 10, text=text, kind=kind, choices=choices,
                               finding_kind=finding, finding_answers=finding_answers)
                for i, (text, kind, choices, finding, finding_answers) in enumerate(questions))


def seed_if_empty(sender=None, **kwargs) -> None:
    """Put the seed programmes back when the table is empty (a new installation, or the test runner's flush
    between live-server tests)."""
    from brokerdesk.visits.models import Programme

    if not Programme.objects.exists():
        seed()
