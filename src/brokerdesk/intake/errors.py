"""One problem found in a batch, as the error report lists it (re-exported by intake.validate)."""

from dataclasses import dataclass

VALUE_LIMIT = 200


@dataclass(frozen=True)
class BatchError:
    """One problem in a batch.

    file:   file name within the batch folder, or "manifest.json"
    row:    1-based data row number in that file (the header is not counted; for Parquet the row index + 1);
            None for file-level problems
    field:  column name, a manifest field, or ""
    value:  the offending value as text, truncated to 200 characters
    reason: a precise reason a clerk can act on, e.g. "resident ID check character is wrong (GB 11643)"
    """

    file: str
    row: int | None
    field: str
    value: str
    reason: str


def batch_error(file: str, row: int | None, field: str, value: object, reason: str) -> BatchError:
    text = "" if value is None else str(value)
    if len(text) > VALUE_LIMIT:
        text = text[: VALUE_LIMIT - 1] + "…"
    return BatchError(file=file, row=row, field=field, value=text, reason=reason)
