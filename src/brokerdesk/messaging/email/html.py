"""Readable text from an HTML mail body, with the standard library's html.parser. Script and style content is
dropped, never stored; block elements become line breaks; entities are decoded."""

import re
from html.parser import HTMLParser

# Content that is not text for a reader (script and style are also raw-text elements for the parser).
_SKIP = {"script", "style", "template", "title", "noscript", "svg", "object", "iframe"}
_BLOCK = {
    "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "fieldset", "figcaption", "figure",
    "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre",
    "section", "table", "tbody", "thead", "tfoot", "tr", "ul",
}
_CELL = {"td", "th"}
_SPACES = re.compile(r"[ \t\r\n\f\v\xa0\u3000]+")


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self.skipping: list[str] = []
        self.pre = 0

    def handle_starttag(self, tag, attrs):
        if tag in _SKIP:
            self.skipping.append(tag)
        elif tag in _BLOCK:
            self.pieces.append("\n")
            self.pre += tag == "pre"
        elif tag in _CELL:
            self.pieces.append(" ")

    def handle_startendtag(self, tag, attrs):
        if tag in _BLOCK:  # <br/>, <hr/>: nothing to skip and nothing to close
            self.pieces.append("\n")

    def handle_endtag(self, tag):
        if self.skipping:
            if tag == self.skipping[-1]:
                self.skipping.pop()
            return
        if tag in _BLOCK:
            self.pieces.append("\n")
            if tag == "pre" and self.pre:
                self.pre -= 1

    def handle_data(self, data):
        if self.skipping:
            return
        # In HTML a line break in the source is a space; only <pre> keeps the source's lines.
        self.pieces.append(data if self.pre else _SPACES.sub(" ", data))


def html_to_text(html: str) -> str:
    """Should html.parser trip on pathological markup, the error reaches parse_email, which quarantines the mail."""
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    text = "".join(extractor.pieces)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
