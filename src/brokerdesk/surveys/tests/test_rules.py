from hypothesis import given
from hypothesis import strategies as st

from brokerdesk.surveys.rules import QuestionSpec, answers_check, nps_group, questionnaire_problems, ticket_kind_for


def nps(position=1, **kw):
    return QuestionSpec(position=position, kind="nps", text="推荐?", is_primary_nps=True, **kw)


def reasons(position=2, **kw):
    return QuestionSpec(position=position, kind="multiple", text="原因?", choices=["a", "b"], **kw)


def test_it_accepts_a_well_formed_questionnaire_with_a_followup():
    assert questionnaire_problems([nps(), reasons(show_if_position=1, show_if_values=[0, 1, 2])]) == {}


def test_it_refuses_a_followup_of_a_later_or_missing_question():
    problems = questionnaire_problems([nps(position=2), reasons(position=1, show_if_position=2,
                                                                show_if_values=[1])])
    assert "q1.show_if_position" in problems


def test_it_refuses_followup_values_the_question_cannot_have():
    problems = questionnaire_problems([nps(), reasons(show_if_position=1, show_if_values=[11])])
    assert "q2.show_if_values" in problems
    choice = QuestionSpec(position=1, kind="single", text="x", choices=["yes", "no"])
    problems = questionnaire_problems([choice, reasons(show_if_position=1, show_if_values=["maybe"])])
    assert "q2.show_if_values" in problems


def test_it_refuses_two_primary_nps_questions_and_bad_kinds():
    problems = questionnaire_problems([nps(), nps(position=2), QuestionSpec(position=3, kind="essay", text="x")])
    assert "questions" in problems and "q3.kind" in problems
    assert "q1.choices" in questionnaire_problems([QuestionSpec(position=1, kind="single", text="x", choices=["a"])])
    assert "questions" in questionnaire_problems([])


def test_it_keeps_followups_only_when_their_condition_holds():
    questions = [nps(), reasons(show_if_position=1, show_if_values=list(range(7)))]
    kept, problems = answers_check(questions, {1: ["9"], 2: ["a"]})
    assert kept == {1: 9} and problems == {}
    kept, problems = answers_check(questions, {1: ["3"]})
    assert problems == {"q2": [problems["q2"][0]]}  # shown, required, missing
    kept, problems = answers_check(questions, {1: ["3"], 2: ["b", "a"]})
    assert kept == {1: 3, 2: ["a", "b"]} and not problems


def test_it_refuses_out_of_range_scores_and_unknown_choices():
    _kept, problems = answers_check([nps()], {1: ["11"]})
    assert "q1" in problems
    _kept, problems = answers_check([nps(), reasons(show_if_position=1, show_if_values=[3])], {1: "3", 2: ["zz"]})
    assert "q2" in problems


def test_it_opens_a_complaint_for_a_detractor_and_a_consultation_on_request():
    contact = QuestionSpec(position=3, kind="single", text="联系?", choices=["是", "否"], ticket_kind="consultation",
                           ticket_values=["是"])
    assert ticket_kind_for([nps(), contact], {1: 3}, nps_score=3) == "complaint"
    assert ticket_kind_for([nps(), contact], {1: 8, 3: "是"}, nps_score=8) == "consultation"
    assert ticket_kind_for([nps(), contact], {1: 8, 3: "否"}, nps_score=8) == ""


@given(st.integers(min_value=0, max_value=10))
def test_it_groups_every_score(score):
    group = nps_group(score)
    assert group == ("promoter" if score >= 9 else "passive" if score >= 7 else "detractor")
