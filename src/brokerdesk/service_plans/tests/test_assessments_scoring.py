"""The risk questionnaire's pure rules: scoring the seeded questionnaire by hand, band boundaries, the lowest
category, validation of a definition, and properties over random answers and bands."""

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from brokerdesk.service_plans import scoring
from brokerdesk.service_plans.seed import BANDS, QUESTIONS


def seed_definition() -> scoring.QuestionnaireDef:
    return scoring.QuestionnaireDef(
        questions=tuple(
            scoring.QuestionDef(position=i, topic=topic, text=text, choices=tuple(
                scoring.ChoiceDef(position=j, score=score, accepts_no_loss=no_loss, text=answer)
                for j, (answer, score, no_loss) in enumerate(answers, start=1)))
            for i, (topic, text, answers) in enumerate(QUESTIONS, start=1)),
        bands=tuple(scoring.BandDef(level, lo, hi) for level, lo, hi in BANDS))


SEED = seed_definition()


def picks(*choices: int) -> dict[int, list[int]]:
    """Answers to questions 1…10 as one choice position each."""
    return {position: [choice] for position, choice in enumerate(choices, start=1)}


def answers_for(definition: scoring.QuestionnaireDef, target: int) -> dict[int, list[int]] | None:
    """Single answers (never "accepts no loss") whose scores add up to target, or None: a small exact search."""
    reachable: dict[int, list[int]] = {0: []}
    for question in definition.questions:
        step: dict[int, list[int]] = {}
        for total, chosen in reachable.items():
            for choice in question.choices:
                if not choice.accepts_no_loss:
                    step.setdefault(total + choice.score, [*chosen, choice.position])
        reachable = step
    chosen = reachable.get(target)
    return None if chosen is None else {q.position: [c] for q, c in zip(definition.questions, chosen, strict=True)}


# --- Hand-computed examples on the seeded questionnaire -----------------------------------------------------------


def test_it_scores_the_seeded_questionnaire_like_a_hand_calculation():
    # Lowest answer everywhere except question 9 (a 10% loss, 4 points): 2+2+0+1+0+1+2+1+4+1 = 14.
    result = scoring.assess(SEED, picks(1, 1, 1, 1, 1, 1, 1, 1, 2, 1))
    assert (result.score, result.level, result.is_lowest_category) == (14, "C1", False)
    # Second answers: 4+4+4+4+3+4+6+5+4+4 = 42.
    assert scoring.assess(SEED, picks(2, 2, 2, 2, 2, 2, 2, 2, 2, 2)).score == 42
    assert scoring.assess(SEED, picks(2, 2, 2, 2, 2, 2, 2, 2, 2, 2)).level == "C3"
    # Third answers (objective questions have 3 and 4 answers): 6+6+7+7+6+7+10+8+7+7 = 71.
    third = scoring.assess(SEED, picks(3, 3, 3, 3, 3, 3, 3, 3, 3, 3))
    assert (third.score, third.level) == (71, "C4")
    top = scoring.assess(SEED, picks(5, 5, 4, 4, 5, 4, 3, 4, 4, 4))
    assert (top.score, top.level) == (100, "C5")


def test_it_puts_a_client_who_accepts_no_loss_in_the_lowest_category_at_c1_whatever_the_score():
    result = scoring.assess(SEED, picks(5, 5, 4, 4, 5, 4, 3, 4, 1, 4))  # 90 points, but "cannot bear any loss"
    assert result.score == 90 and result.scored_level == "C5"
    assert result.level == "C1" and result.accepts_no_loss and result.is_lowest_category
    assert result.reasons == ("accepts_no_loss",)


def test_it_puts_a_client_lacking_full_civil_capacity_in_the_lowest_category():
    result = scoring.assess(SEED, picks(3, 3, 3, 3, 3, 3, 3, 3, 3, 3), lacks_civil_capacity=True)
    assert result.scored_level == "C4" and result.level == "C1" and result.is_lowest_category
    assert not result.accepts_no_loss and result.reasons == ("lacks_civil_capacity",)


@pytest.mark.parametrize(("score", "level"), [
    (14, "C1"), (19, "C1"), (20, "C2"), (36, "C2"), (37, "C3"), (53, "C3"), (54, "C4"), (82, "C4"), (83, "C5"),
    (100, "C5")])
def test_it_gives_the_band_of_the_score_on_both_sides_of_every_boundary(score, level):
    answers = answers_for(SEED, score)
    assert answers is not None, score
    result = scoring.assess(SEED, answers)
    assert (result.score, result.level, result.is_lowest_category) == (score, level, False)


def test_it_scores_a_question_with_several_answers_by_the_highest_chosen():
    several = replace(SEED.questions[5], multiple=True)  # riskiest products held: 1, 4, 7, 10
    definition = replace(SEED, questions=(*SEED.questions[:5], several, *SEED.questions[6:]))
    base = picks(1, 1, 1, 1, 1, 1, 1, 1, 2, 1)  # 14 points with 1 for question 6
    assert scoring.assess(definition, base | {6: [1, 3]}).score == 14 - 1 + 7
    assert scoring.assess(definition, base | {6: [3, 2, 1]}).score == 20
    assert definition.max_score == 100  # ticking more boxes never exceeds the best answer


# --- Answers that are not valid -------------------------------------------------------------------------------


def test_it_reports_every_problem_with_the_answers_per_question():
    answers = picks(1, 1, 1, 1, 1, 1, 1, 1, 2, 1)
    answers[2] = []  # unanswered
    answers[3] = [1, 2]  # two answers to a single-answer question
    answers[4] = [9]  # no such answer
    answers[11] = [1]  # no such question
    problems = scoring.answer_problems(SEED, answers)
    assert {p.code for p in problems[2]} == {"unanswered"}
    assert {p.code for p in problems[3]} == {"single_answer"}
    assert {p.code for p in problems[4]} == {"unknown_answer"}
    assert {p.code for p in problems[0]} == {"unknown_question"}
    assert set(problems) == {0, 2, 3, 4}
    with pytest.raises(scoring.InvalidAnswers):
        scoring.assess(SEED, answers)


def test_it_refuses_the_same_answer_twice_even_where_several_are_allowed():
    several = replace(SEED.questions[0], multiple=True)
    definition = replace(SEED, questions=(several, *SEED.questions[1:]))
    problems = scoring.answer_problems(definition, picks(1, 1, 1, 1, 1, 1, 1, 1, 2, 1) | {1: [2, 2]})
    assert [p.code for p in problems[1]] == ["duplicate_answer"]


# --- Validating a definition ----------------------------------------------------------------------------------


def codes(definition) -> set[str]:
    return {p.code for p in scoring.questionnaire_problems(definition)}


def with_bands(*bands) -> scoring.QuestionnaireDef:
    return replace(SEED, bands=tuple(scoring.BandDef(*b) for b in bands))


def test_it_accepts_the_seeded_questionnaire():
    assert scoring.questionnaire_problems(SEED) == []
    assert (SEED.min_score, SEED.max_score) == (10, 100)


def test_it_requires_ten_questions_and_every_topic():
    nine = replace(SEED, questions=SEED.questions[:9])
    assert "too_few_questions" in codes(nine)
    no_debt = replace(SEED, questions=tuple(replace(q, topic="other") if q.topic == "debt" else q
                                            for q in SEED.questions))
    problems = scoring.questionnaire_problems(no_debt)
    assert [p.params["topics"] for p in problems if p.code == "missing_topics"] == [["debt"]]


def test_it_requires_an_answer_that_identifies_the_lowest_category():
    questions = tuple(replace(q, choices=tuple(replace(c, accepts_no_loss=False) for c in q.choices))
                      for q in SEED.questions)
    assert codes(replace(SEED, questions=questions)) == {"no_lowest_category_answer"}


def test_it_refuses_bands_with_a_gap_an_overlap_a_missing_level_or_a_wrong_order():
    assert codes(with_bands(("C1", 0, 19), ("C2", 21, 36), ("C3", 37, 53), ("C4", 54, 82), ("C5", 83, 100))) == {
        "bands_gap"}
    assert codes(with_bands(("C1", 0, 20), ("C2", 20, 36), ("C3", 37, 53), ("C4", 54, 82), ("C5", 83, 100))) == {
        "bands_overlap"}
    assert codes(with_bands(("C1", 0, 19), ("C2", 20, 36), ("C3", 37, 53), ("C4", 54, 100))) == {"bands_levels"}
    # C1 above C2: ordered by level, C2 starts below where C1 ends.
    assert "bands_overlap" in codes(with_bands(("C1", 20, 36), ("C2", 0, 19), ("C3", 37, 53), ("C4", 54, 82),
                                               ("C5", 83, 100)))
    assert codes(with_bands(("C1", 0, 19), ("C2", 36, 20), ("C3", 37, 53), ("C4", 54, 82), ("C5", 83, 100))) == {
        "band_empty"}


def test_it_refuses_bands_that_leave_reachable_scores_out_or_a_level_unreachable():
    assert codes(with_bands(("C1", 11, 19), ("C2", 20, 36), ("C3", 37, 53), ("C4", 54, 82), ("C5", 83, 100))) == {
        "bands_miss_low"}
    assert codes(with_bands(("C1", 0, 19), ("C2", 20, 36), ("C3", 37, 53), ("C4", 54, 82), ("C5", 83, 99))) == {
        "bands_miss_high"}
    assert codes(with_bands(("C1", 0, 19), ("C2", 20, 36), ("C3", 37, 53), ("C4", 54, 100), ("C5", 101, 120))) == {
        "band_unreachable"}


# --- Properties -----------------------------------------------------------------------------------------------


@st.composite
def seed_answers(draw):
    return {q.position: [draw(st.sampled_from([c.position for c in q.choices]))] for q in SEED.questions}


@settings(max_examples=300)
@given(seed_answers(), st.booleans())
def test_it_always_gives_a_score_in_range_and_the_band_or_c1_for_the_lowest_category(answers, incapable):
    result = scoring.assess(SEED, answers, lacks_civil_capacity=incapable)
    assert SEED.min_score <= result.score <= SEED.max_score
    assert result.scored_level == scoring.level_for(SEED.bands, result.score)
    assert result.accepts_no_loss == (answers[9] == [1])
    assert result.is_lowest_category == (result.accepts_no_loss or incapable)
    assert result.level == ("C1" if result.is_lowest_category else result.scored_level)


@settings(max_examples=300)
@given(seed_answers(), st.integers(min_value=1, max_value=10))
def test_it_never_lowers_the_level_when_an_answer_scores_higher(answers, position):
    question = SEED.question(position)
    higher = [c.position for c in question.choices
              if c.score > question.choice(answers[position][0]).score and not c.accepts_no_loss]
    if not higher or answers[9] == [1]:
        return
    before = scoring.assess(SEED, answers)
    after = scoring.assess(SEED, answers | {position: [higher[0]]})
    assert after.score > before.score
    assert scoring.CLIENT_LEVELS.index(after.level) >= scoring.CLIENT_LEVELS.index(before.level)


@settings(max_examples=200)
@given(st.lists(st.integers(min_value=11, max_value=100), min_size=4, max_size=4, unique=True),
       st.integers(min_value=0, max_value=3), st.sampled_from([-1, 1]))
def test_it_accepts_any_contiguous_bands_and_catches_any_one_boundary_moved(cuts, which, shift):
    starts = sorted(cuts)  # where C2 … C5 begin
    lows = [0, *starts]
    highs = [s - 1 for s in starts] + [100]
    good = with_bands(*[(level, lo, hi) for level, lo, hi in zip(scoring.CLIENT_LEVELS, lows, highs, strict=True)])
    assert scoring.questionnaire_problems(good) == []
    moved = list(highs)
    moved[which] += shift  # the end of one band one point off: an overlap or a gap with the next
    bad = with_bands(*[(level, lo, hi) for level, lo, hi in zip(scoring.CLIENT_LEVELS, lows, moved, strict=True)])
    assert codes(bad) & {"bands_gap", "bands_overlap", "band_empty"}
