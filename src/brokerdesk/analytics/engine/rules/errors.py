"""Rule errors that say what is wrong and where, so the rule editor can point at the offending token."""


def line_and_column(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a 0-based character offset."""
    before = text[:offset]
    line = before.count("\n") + 1
    column = offset - (before.rfind("\n") + 1) + 1
    return line, column


class RuleError(ValueError):
    """A rule that cannot be accepted. `offset` is the 0-based character offset of the offending token in the
    rule text; `line` and `column` are 1-based. The engine imports no Django: the segmentation app turns this
    into its ApplicationError (code "rule_invalid")."""

    code = "rule_invalid"

    def __init__(self, message: str, *, text: str, offset: int, segment_code: str | None = None) -> None:
        self.message = message
        self.text = text
        self.offset = max(0, min(offset, len(text)))
        self.line, self.column = line_and_column(text, self.offset)
        self.segment_code = segment_code
        where = f"line {self.line}, column {self.column}"
        prefix = f"rule {segment_code!r}: " if segment_code else ""
        super().__init__(f"{prefix}{message} (at {where})")

    def for_segment(self, segment_code: str) -> "RuleError":
        return RuleError(self.message, text=self.text, offset=self.offset, segment_code=segment_code)

    def pointer(self) -> str:
        """The offending line with a caret under the error, for logs and plain-text messages."""
        line_text = self.text.splitlines()[self.line - 1] if self.text else ""
        return f"{line_text}\n{' ' * (self.column - 1)}^"
