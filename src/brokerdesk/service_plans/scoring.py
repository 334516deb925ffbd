"""The risk questionnaire and professional-investor criteria, pure: no Django, unit- and property-tested directly.

Risk questionnaire (DOMAIN.md, Suitability). A questionnaire has ≥ 10 questions covering income, assets, debt,
knowledge, experience and risk preference; each answer carries a score, and five bands turn the total into a
level C1 … C5.

* A single-answer question scores its one chosen answer.
* A question with several answers (``multiple``) scores the **highest** of the chosen answers, not their sum: a
  question's weight stays what its author gave it (its best answer), so the questionnaire's score range — and
  with it the bands — do not depend on how many boxes a client ticks.
* The lowest category (最低类别) is a client who accepts no loss (chose an answer flagged ``accepts_no_loss``) or
  lacks full civil capacity; whatever their score, their level is C1.

A definition is valid when it has ≥ 10 questions, every required topic, at least two answers per question with
non-negative scores, at least one "accepts no loss" answer (else the lowest category could never be identified),
and bands C1 … C5, each once, ascending and contiguous (no gap, no overlap), covering every score from the lowest
to the highest reachable total and each reaching at least one of them.

Professional investors (Art. 8 and Art. 11 of the suitability measures) are evaluated by `professional_evaluate`
against `ProfessionalCriteria`; the service layer overrides the defaults from configuration.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import pairwise

CLIENT_LEVELS = ("C1", "C2", "C3", "C4", "C5")
LOWEST_LEVEL = CLIENT_LEVELS[0]
REQUIRED_TOPICS = ("income", "assets", "debt", "knowledge", "experience", "preference")
MIN_QUESTIONS = 10
MIN_CHOICES = 2


# --- Questionnaire definition ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChoiceDef:
    position: int
    score: int
    accepts_no_loss: bool = False
    text: str = ""


@dataclass(frozen=True)
class QuestionDef:
    position: int
    topic: str
    choices: tuple[ChoiceDef, ...]
    multiple: bool = False
    text: str = ""

    def choice(self, position: int) -> ChoiceDef | None:
        return next((c for c in self.choices if c.position == position), None)


@dataclass(frozen=True)
class BandDef:
    level: str
    min_score: int
    max_score: int


@dataclass(frozen=True)
class QuestionnaireDef:
    questions: tuple[QuestionDef, ...]
    bands: tuple[BandDef, ...]

    def question(self, position: int) -> QuestionDef | None:
        return next((q for q in self.questions if q.position == position), None)

    @property
    def min_score(self) -> int:
        """The lowest total any complete set of answers gives (the lowest answer of every question)."""
        return sum(min((c.score for c in q.choices), default=0) for q in self.questions)

    @property
    def max_score(self) -> int:
        """The highest total (the highest answer of every question; with several answers the highest counts)."""
        return sum(max((c.score for c in q.choices), default=0) for q in self.questions)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a definition or with answers: a stable code and its parameters (pages translate)."""

    code: str
    params: Mapping[str, object] = field(default_factory=dict)


def questionnaire_problems(definition: QuestionnaireDef) -> list[Problem]:
    """Everything that keeps a definition from being put in use; empty when it is valid."""
    problems: list[Problem] = []
    questions = definition.questions
    if len(questions) < MIN_QUESTIONS:
        problems.append(Problem("too_few_questions", {"count": len(questions), "minimum": MIN_QUESTIONS}))
    positions = [q.position for q in questions]
    if len(set(positions)) != len(positions):
        problems.append(Problem("duplicate_question_position", {}))
    topics = {q.topic for q in questions}
    missing = [t for t in REQUIRED_TOPICS if t not in topics]
    if missing:
        problems.append(Problem("missing_topics", {"topics": missing}))
    for q in questions:
        if len(q.choices) < MIN_CHOICES:
            problems.append(Problem("too_few_choices", {"question": q.position, "minimum": MIN_CHOICES}))
        choice_positions = [c.position for c in q.choices]
        if len(set(choice_positions)) != len(choice_positions):
            problems.append(Problem("duplicate_choice_position", {"question": q.position}))
        if any(c.score < 0 for c in q.choices):
            problems.append(Problem("negative_score", {"question": q.position}))
    if questions and not any(c.accepts_no_loss for q in questions for c in q.choices):
        problems.append(Problem("no_lowest_category_answer", {}))
    problems.extend(_band_problems(definition))
    return problems


def _band_problems(definition: QuestionnaireDef) -> list[Problem]:
    bands = definition.bands
    levels = [b.level for b in bands]
    if sorted(levels) != list(CLIENT_LEVELS) or len(levels) != len(CLIENT_LEVELS):
        return [Problem("bands_levels", {"levels": levels})]
    problems: list[Problem] = []
    ordered = sorted(bands, key=lambda b: CLIENT_LEVELS.index(b.level))
    for band in ordered:
        if band.min_score > band.max_score:
            problems.append(Problem("band_empty", {"level": band.level, "min": band.min_score,
                                                   "max": band.max_score}))
    if problems:
        return problems
    for lower, upper in pairwise(ordered):
        if upper.min_score <= lower.max_score:
            problems.append(Problem("bands_overlap", {"lower": lower.level, "upper": upper.level,
                                                      "from": upper.min_score, "to": lower.max_score}))
        elif upper.min_score > lower.max_score + 1:
            problems.append(Problem("bands_gap", {"lower": lower.level, "upper": upper.level,
                                                  "from": lower.max_score + 1, "to": upper.min_score - 1}))
    if not definition.questions:
        return problems
    low, high = definition.min_score, definition.max_score
    if ordered[0].min_score > low:
        problems.append(Problem("bands_miss_low", {"from": low, "to": ordered[0].min_score - 1}))
    if ordered[-1].max_score < high:
        problems.append(Problem("bands_miss_high", {"from": ordered[-1].max_score + 1, "to": high}))
    for band in ordered:
        if band.max_score < low or band.min_score > high:
            problems.append(Problem("band_unreachable", {"level": band.level, "min": low, "max": high}))
    return problems


# --- Answers and the result ----------------------------------------------------------------------------------------

Answers = Mapping[int, Sequence[int]]  # question position -> chosen answer positions


def answer_problems(definition: QuestionnaireDef, answers: Answers) -> dict[int, list[Problem]]:
    """Per question position, what is wrong with its answer: missing, several for a single-answer question,
    an answer the question does not have, the same answer twice. Answers to questions the questionnaire does not
    have are reported under position 0."""
    problems: dict[int, list[Problem]] = {}
    for position in answers:
        if definition.question(position) is None:
            problems.setdefault(0, []).append(Problem("unknown_question", {"question": position}))
    for q in definition.questions:
        chosen = list(answers.get(q.position) or ())
        found: list[Problem] = []
        if not chosen:
            found.append(Problem("unanswered", {"question": q.position}))
        if len(chosen) > 1 and not q.multiple:
            found.append(Problem("single_answer", {"question": q.position}))
        if len(set(chosen)) != len(chosen):
            found.append(Problem("duplicate_answer", {"question": q.position}))
        unknown = [c for c in chosen if q.choice(c) is None]
        if unknown:
            found.append(Problem("unknown_answer", {"question": q.position, "answers": unknown}))
        if found:
            problems[q.position] = found
    return problems


@dataclass(frozen=True)
class AssessmentResult:
    score: int
    scored_level: str  # what the bands give for the score
    level: str  # the client's level: C1 for the lowest category, else scored_level
    accepts_no_loss: bool
    lacks_civil_capacity: bool

    @property
    def is_lowest_category(self) -> bool:
        return self.accepts_no_loss or self.lacks_civil_capacity

    @property
    def reasons(self) -> tuple[str, ...]:
        reasons = []
        if self.accepts_no_loss:
            reasons.append("accepts_no_loss")
        if self.lacks_civil_capacity:
            reasons.append("lacks_civil_capacity")
        return tuple(reasons)


class InvalidAnswers(ValueError):
    def __init__(self, problems: dict[int, list[Problem]]):
        self.problems = problems
        super().__init__(f"invalid answers: {problems}")


def level_for(bands: Iterable[BandDef], score: int) -> str:
    for band in bands:
        if band.min_score <= score <= band.max_score:
            return band.level
    raise ValueError(f"no band holds score {score}")


def question_score(question: QuestionDef, chosen: Sequence[int]) -> int:
    """The score of one answered question: the chosen answer's, or the highest chosen (several answers)."""
    return max(question.choice(c).score for c in chosen)


def assess(definition: QuestionnaireDef, answers: Answers, *, lacks_civil_capacity: bool = False) -> AssessmentResult:
    """Score complete, valid answers (InvalidAnswers otherwise) and give the level."""
    problems = answer_problems(definition, answers)
    if problems:
        raise InvalidAnswers(problems)
    score = sum(question_score(q, answers[q.position]) for q in definition.questions)
    no_loss = any(q.choice(c).accepts_no_loss for q in definition.questions for c in answers[q.position])
    scored = level_for(definition.bands, score)
    lowest = no_loss or lacks_civil_capacity
    return AssessmentResult(score=score, scored_level=scored, level=LOWEST_LEVEL if lowest else scored,
                            accepts_no_loss=no_loss, lacks_civil_capacity=lacks_civil_capacity)


# --- Professional investors ----------------------------------------------------------------------------------------

INSTITUTION_KINDS = frozenset({"institution", "product"})
ENTITY_KINDS = frozenset({"corporate"})
PERSON_KINDS = frozenset({"person"})
BASIS_KINDS = {
    "institution": INSTITUTION_KINDS,
    "entity": ENTITY_KINDS,
    "person_assets": PERSON_KINDS,
    "person_income": PERSON_KINDS,
    "person_on_request": PERSON_KINDS,
}


@dataclass(frozen=True)
class ProfessionalCriteria:
    """Thresholds of Art. 8 (professional by right) and Art. 11 (on request); CNY amounts, years. A brokerage
    may tighten them in settings.PROFESSIONAL_INVESTOR_CRITERIA (same names)."""

    entity_net_assets: Decimal = Decimal("20000000")
    entity_financial_assets: Decimal = Decimal("10000000")
    entity_experience_years: Decimal = Decimal("2")
    person_financial_assets: Decimal = Decimal("5000000")
    person_average_income: Decimal = Decimal("500000")
    person_experience_years: Decimal = Decimal("2")
    on_request_financial_assets: Decimal = Decimal("3000000")
    on_request_average_income: Decimal = Decimal("300000")
    on_request_experience_years: Decimal = Decimal("1")


@dataclass(frozen=True)
class ProfessionalFacts:
    customer_kind: str  # customers.CustomerKind value
    basis: str  # service_plans.ProfessionalBasis value
    financial_assets: Decimal | None = None
    net_assets: Decimal | None = None
    average_income_3y: Decimal | None = None
    experience_years: Decimal | None = None
    professional_background: bool = False


@dataclass(frozen=True)
class ProfessionalResult:
    met: bool
    reasons: tuple[str, ...]  # stable codes, met and unmet alike, in the order checked


def _at_least(value: Decimal | None, threshold: Decimal, name: str, reasons: list[str]) -> bool:
    if value is None:
        reasons.append(f"{name}_missing")
        return False
    ok = value >= threshold
    reasons.append(f"{name}_met" if ok else f"{name}_below")
    return ok


def professional_evaluate(facts: ProfessionalFacts,
                          criteria: ProfessionalCriteria = ProfessionalCriteria()) -> ProfessionalResult:
    """Whether the facts meet the basis claimed, with the reasons (codes) either way."""
    reasons: list[str] = []
    kinds = BASIS_KINDS.get(facts.basis)
    if kinds is None:
        return ProfessionalResult(False, ("unknown_basis",))
    if facts.customer_kind not in kinds:
        return ProfessionalResult(False, ("basis_not_for_client_kind",))
    if facts.basis == "institution":
        return ProfessionalResult(True, ("financial_institution",))
    if facts.basis == "entity":
        net = _at_least(facts.net_assets, criteria.entity_net_assets, "net_assets", reasons)
        fin = _at_least(facts.financial_assets, criteria.entity_financial_assets, "financial_assets", reasons)
        exp = _at_least(facts.experience_years, criteria.entity_experience_years, "experience", reasons)
        return ProfessionalResult(net and fin and exp, tuple(reasons))
    if facts.basis == "person_on_request":
        # Either figure suffices; only those given are reported.
        fin = facts.financial_assets is not None and _at_least(
            facts.financial_assets, criteria.on_request_financial_assets, "financial_assets", reasons)
        inc = facts.average_income_3y is not None and _at_least(
            facts.average_income_3y, criteria.on_request_average_income, "income", reasons)
        if facts.financial_assets is None and facts.average_income_3y is None:
            reasons.append("wealth_missing")
        exp = _at_least(facts.experience_years, criteria.on_request_experience_years, "experience", reasons)
        return ProfessionalResult((fin or inc) and exp, tuple(reasons))
    if facts.basis == "person_assets":
        wealth = _at_least(facts.financial_assets, criteria.person_financial_assets, "financial_assets", reasons)
    else:  # person_income
        wealth = _at_least(facts.average_income_3y, criteria.person_average_income, "income", reasons)
    exp = _at_least(facts.experience_years, criteria.person_experience_years, "experience", reasons)
    if not exp and facts.professional_background:
        reasons.append("professional_background")
    return ProfessionalResult(wealth and (exp or facts.professional_background), tuple(reasons))
