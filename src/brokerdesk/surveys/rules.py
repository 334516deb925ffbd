"""Survey rules on plain values (no database): what a well-formed questionnaire is, what a valid answer is,
which follow-ups a set of answers shows, and the NPS group of a score. Unit-tested directly.

Questions are given as QuestionSpec (the builder's input and the stored Question alike); answers as
{position: value}, where the value is an int (NPS 0-10, rating 1-5), a str (single choice, text) or a list of
str (multiple choice).
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

KINDS = ("nps", "rating", "single", "multiple", "text")
SCORED = ("nps", "rating")
CHOICE = ("single", "multiple")
SCALE = {"nps": range(0, 11), "rating": range(1, 6)}
TICKET_KINDS = ("complaint", "consultation")
MAX_QUESTIONS = 40
MAX_CHOICES = 20
TEXT_MAX = 2000


@dataclass
class QuestionSpec:
    position: int
    kind: str
    text: str
    choices: list = field(default_factory=list)
    required: bool = True
    show_if_position: int | None = None
    show_if_values: list = field(default_factory=list)
    is_primary_nps: bool = False
    is_verbatim: bool = False
    ticket_kind: str = ""
    ticket_values: list = field(default_factory=list)
    theme_id: int | None = None


def nps_group(score: int | None) -> str:
    if score is None:
        return ""
    if score >= 9:
        return "promoter"
    return "passive" if score >= 7 else "detractor"


def _first_value_problem(question, values) -> str | None:
    """What is wrong with the first of values that question cannot take as an answer, if any."""
    return next((problem for value in values if (problem := _value_problem(question, value))), None)


def _value_problem(question: QuestionSpec, value) -> str:
    """Why value cannot be an answer (or a trigger value) of question; "" when it can."""
    if question.kind in SCORED:
        if isinstance(value, bool) or not isinstance(value, int) or value not in SCALE[question.kind]:
            low, high = SCALE[question.kind][0], SCALE[question.kind][-1]
            return _("A whole number from %(low)d to %(high)d.") % {"low": low, "high": high}
        return ""
    if question.kind in CHOICE:
        return "" if value in question.choices else _("“%(value)s” is not one of the choices.") % {"value": value}
    return _("A free-text question cannot trigger anything.")


def coerce_trigger(question: QuestionSpec, value):
    """A trigger value as the question's answers are typed (the builder sends text)."""
    if question.kind in SCORED:
        try:
            return int(str(value).strip())
        except ValueError:
            return value
    return str(value).strip()


def questionnaire_problems(questions: list[QuestionSpec]) -> dict[str, list[str]]:
    """Every problem of a questionnaire, keyed "q<position>.<field>" (or "questions")."""
    problems: dict[str, list[str]] = {}

    def add(key: str, message: str) -> None:
        problems.setdefault(key, []).append(str(message))

    if not questions:
        add("questions", _("A survey needs at least one question."))
    if len(questions) > MAX_QUESTIONS:
        add("questions", _("At most %(n)d questions.") % {"n": MAX_QUESTIONS})
    by_position: dict[int, QuestionSpec] = {}
    primary = 0
    for q in sorted(questions, key=lambda q: q.position):
        key = f"q{q.position}"
        if q.position in by_position:
            add(f"{key}.position", _("Two questions have the same position."))
        if q.position < 1:
            add(f"{key}.position", _("Positions start at 1."))
        if q.kind not in KINDS:
            add(f"{key}.kind", _("Unknown kind of question."))
        text = (q.text or "").strip()
        if not text:
            add(f"{key}.text", _("Write the question."))
        elif len(text) > 300:
            add(f"{key}.text", _("At most %(n)d characters.") % {"n": 300})
        if q.kind in CHOICE:
            cleaned = [str(c).strip() for c in q.choices]
            if len(cleaned) < 2:
                add(f"{key}.choices", _("Give at least two choices."))
            if len(cleaned) > MAX_CHOICES:
                add(f"{key}.choices", _("At most %(n)d choices.") % {"n": MAX_CHOICES})
            if any(not c for c in cleaned) or any(len(c) > 100 for c in cleaned):
                add(f"{key}.choices", _("Each choice is 1 to 100 characters."))
            if len(set(cleaned)) != len(cleaned):
                add(f"{key}.choices", _("Two choices are the same."))
        elif q.choices:
            add(f"{key}.choices", _("Only choice questions have choices."))
        if q.is_primary_nps:
            primary += 1
            if q.kind != "nps":
                add(f"{key}.is_primary_nps", _("Only an NPS question can be the survey's NPS question."))
            if q.show_if_position is not None:
                add(f"{key}.is_primary_nps", _("The NPS question cannot be a follow-up."))
        if q.is_verbatim and q.kind != "text":
            add(f"{key}.is_verbatim", _("Only a free-text question can be the verbatim comment."))
        if q.show_if_position is not None:
            target = by_position.get(q.show_if_position)
            if target is None:
                add(f"{key}.show_if_position", _("A follow-up must follow an earlier question."))
            elif target.kind == "text":
                add(f"{key}.show_if_position", _("A follow-up cannot depend on a free-text answer."))
            elif not q.show_if_values:
                add(f"{key}.show_if_values", _("Say which answers show this follow-up."))
            elif problem := _first_value_problem(target, q.show_if_values):
                add(f"{key}.show_if_values", problem)
        elif q.show_if_values:
            add(f"{key}.show_if_values", _("Only a follow-up has answers that show it."))
        if q.ticket_kind:
            if q.ticket_kind not in TICKET_KINDS:
                add(f"{key}.ticket_kind", _("A ticket is a complaint or a consultation."))
            elif q.kind == "text":
                add(f"{key}.ticket_kind", _("A free-text answer cannot open a ticket; use a choice question."))
            elif not q.ticket_values:
                add(f"{key}.ticket_values", _("Say which answers open a ticket."))
            elif problem := _first_value_problem(q, q.ticket_values):
                add(f"{key}.ticket_values", problem)
        elif q.ticket_values:
            add(f"{key}.ticket_values", _("Only a question that opens a ticket has answers that open one."))
        by_position.setdefault(q.position, q)
    if primary > 1:
        add("questions", _("A survey has at most one NPS question."))
    return problems


def is_shown(question: QuestionSpec, answers: dict) -> bool:
    """Whether a question is asked, given the answers so far: always, or (a follow-up) when the answer to its
    question is one of its values."""
    if question.show_if_position is None:
        return True
    given = answers.get(question.show_if_position)
    if given is None:
        return False
    given = given if isinstance(given, list) else [given]
    return any(value in question.show_if_values for value in given)


def parse_answer(question: QuestionSpec, raw) -> tuple[object, str]:
    """(value, problem) from what a form sent: a str or a list of str; None/""/[] is (None, "")."""
    values = [str(v).strip() for v in (raw if isinstance(raw, list | tuple) else [raw]) if v is not None]
    values = [v for v in values if v != ""]
    if not values:
        return None, ""
    if question.kind in SCORED:
        if len(values) != 1:
            return None, _("Choose one score.")
        try:
            score = int(values[0])
        except ValueError:
            score = None
        problem = _value_problem(question, score)
        return (None, problem) if problem else (score, "")
    if question.kind == "single":
        if len(values) != 1:
            return None, _("Choose one answer.")
        problem = _value_problem(question, values[0])
        return (None, problem) if problem else (values[0], "")
    if question.kind == "multiple":
        if len(set(values)) != len(values):
            return None, _("An answer was chosen twice.")
        for value in values:
            problem = _value_problem(question, value)
            if problem:
                return None, problem
        return [c for c in question.choices if c in values], ""
    text = "\n".join(values)
    if len(text) > TEXT_MAX:
        return None, _("At most %(n)d characters.") % {"n": TEXT_MAX}
    return text, ""


def answers_check(questions: list[QuestionSpec], raw: dict) -> tuple[dict, dict[str, list[str]]]:
    """The answers to keep ({position: value}: only questions shown by the answers, in order) and the problems
    keyed "q<position>". Answers to follow-ups that are not shown are dropped, not stored."""
    kept: dict[int, object] = {}
    problems: dict[str, list[str]] = {}
    for question in sorted(questions, key=lambda q: q.position):
        if not is_shown(question, kept):
            continue
        value, problem = parse_answer(question, raw.get(question.position))
        if problem:
            problems[f"q{question.position}"] = [problem]
        elif value is None:
            if question.required:
                problems[f"q{question.position}"] = [_("Please answer this question.")]
        else:
            kept[question.position] = value
    return kept, problems


def ticket_kind_for(questions: list[QuestionSpec], answers: dict, *, nps_score: int | None) -> str:
    """The closed loop: the kind of ticket a response opens, or "". An issue question answered with one of its
    values opens its kind (a complaint outranks a consultation); a detractor opens a complaint."""
    kinds = set()
    for question in questions:
        if question.ticket_kind and question.position in answers:
            given = answers[question.position]
            given = given if isinstance(given, list) else [given]
            if any(value in question.ticket_values for value in given):
                kinds.add(question.ticket_kind)
    if nps_group(nps_score) == "detractor":
        kinds.add("complaint")
    if "complaint" in kinds:
        return "complaint"
    return "consultation" if kinds else ""
