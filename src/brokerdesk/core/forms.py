"""Showing a service's errors on the form that called it."""

from brokerdesk.core.errors import ApplicationError


def put_errors(form, error: ApplicationError) -> None:
    """A service's errors in place: each on its field when the form shows that field, else above the form;
    the error's own message when no detail could be placed. Details that are not messages (ids) are skipped."""
    details = error.details if isinstance(error.details, dict) else {}
    placed = False
    for field, problems in details.items():
        shown = field in form.fields and not form.fields[field].widget.is_hidden
        for problem in problems if isinstance(problems, list) else [problems]:
            if not isinstance(problem, str):
                continue
            form.add_error(field if shown else None, problem)
            placed = True
    if not placed:
        form.add_error(None, error.message)
