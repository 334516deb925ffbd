"""A stored/reflected XSS corpus for the browser tests.

Every payload that could run script reports itself by number: it calls `window.__xss(n)` (a hook the test
installs with an init script, so the page defines nothing) or `alert(n)` (the test listens for dialogs).
The rest are template-injection probes, which must come back as the literal text that went in.

The corpus covers: plain <script>; event-handler elements (img/svg/body/input/video/details/marquee/animate);
attribute breakouts for double- and single-quoted attributes, with and without a closing tag; breakouts from
<textarea>, <title>, <script> and comments; javascript: URLs (bare, in <a>, <form formaction>, <object>,
<meta refresh>, entity-encoded and with a tab in the scheme); srcdoc and data: documents (<iframe>, <embed>);
mutation XSS (math/mglyph/style, noscript/title); filter evasion (nested and mixed-case tags, slash separators,
tabs and newlines); encoded forms that must not be decoded twice (HTML entities, URL encoding, JavaScript
\\u escapes, full-width "＜＞"); htmx attributes (hx-on, hx-trigger=load), the library every page loads; JS
string breakouts; and template injection for Django, Jinja, AngularJS and JS template literals.
"""

from dataclasses import dataclass

# What an executed payload would leave behind in an attribute or a script element (the test scans the DOM).
MARKERS = ("__xss", "alert(")


@dataclass(frozen=True)
class Payload:
    n: int
    text: str
    what: str

    def fits(self, limit: int) -> bool:
        return len(self.text) <= limit

    @property
    def is_one_line(self) -> bool:
        """True when the text renders back unchanged as one line (no runs of whitespace, tabs or newlines)."""
        return " ".join(self.text.split()) == self.text


_RAW: list[tuple[str, str]] = [
    ("<script>window.__xss({n})</script>", "script element"),
    ("<img src=x onerror=window.__xss({n})>", "img onerror"),
    ("<svg onload=window.__xss({n})>", "svg onload"),
    ("<svg/onload=window.__xss({n})>", "svg onload, slash separator"),
    ('"><script>window.__xss({n})</script>', "double-quoted attribute breakout + script"),
    ("'><svg/onload=window.__xss({n})>", "single-quoted attribute breakout + svg"),
    ('"><img src=x onerror=window.__xss({n})>', "double-quoted attribute breakout + img"),
    ("' onmouseover='window.__xss({n})' x='", "single-quoted attribute injection"),
    ('" autofocus onfocus="window.__xss({n})" x="', "double-quoted attribute injection, autofocus"),
    ("</textarea><script>window.__xss({n})</script>", "textarea breakout"),
    ("</title><script>window.__xss({n})</script>", "title breakout"),
    ("</script><script>window.__xss({n})</script>", "script block breakout"),
    ("<!--<img src=\"--><img src=x onerror=window.__xss({n})//\">", "comment breakout"),
    ('<iframe srcdoc="<script>parent.__xss({n})</script>"></iframe>', "iframe srcdoc"),
    ("<math><mtext><table><mglyph><style><img src=x onerror=window.__xss({n})>", "mutation XSS (mglyph/style)"),
    ('<noscript><p title="</noscript><img src=x onerror=window.__xss({n})>">', "mutation XSS (noscript)"),
    ('<a href="javascript:window.__xss({n})">x</a>', "a href javascript:"),
    ("javascript:window.__xss({n})//", "bare javascript: URL"),
    ('<a href="&#106;avascript:window.__xss({n})">x</a>', "entity-encoded javascript: URL"),
    ('<a href=" jav&#x09;ascript:window.__xss({n})">x</a>', "javascript: URL with a tab"),
    ("<form><button formaction=javascript:window.__xss({n})>x</button></form>", "formaction javascript:"),
    ('<object data="javascript:window.__xss({n})"></object>', "object data javascript:"),
    ('<embed src="data:text/html,<script>parent.__xss({n})</script>">', "embed data: document"),
    ('<meta http-equiv="refresh" content="0;url=javascript:window.__xss({n})">', "meta refresh javascript:"),
    ("<details open ontoggle=window.__xss({n})>", "details ontoggle"),
    ("<body onload=window.__xss({n})>", "body onload"),
    ("<input autofocus onfocus=window.__xss({n})>", "input autofocus onfocus"),
    ("<video><source onerror=window.__xss({n})></video>", "video source onerror"),
    ("<marquee onstart=window.__xss({n})>x</marquee>", "marquee onstart"),
    ("<svg><animate onbegin=window.__xss({n}) attributeName=x dur=1s>", "svg animate onbegin"),
    ("<img src=x onerror=alert({n})>", "img onerror alert()"),
    ("<script>alert({n})</script>", "script alert()"),
    ("<scr<script>ipt>window.__xss({n})</scr</script>ipt>", "nested tags (filter evasion)"),
    ("<ScRiPt>window.__xss({n})</sCrIpT>", "mixed-case script"),
    ("<img/src=\"x\"/onerror=window.__xss({n})>", "slash-separated attributes"),
    ("<img\tsrc=x\nonerror=window.__xss({n})>", "tab and newline separators"),
    ('<img src=x onerror="&#x77;indow.__xss({n})">', "entity inside a handler"),
    ("&lt;script&gt;window.__xss({n})&lt;/script&gt;", "already HTML-escaped (double decoding)"),
    ("&#60;img src=x onerror=window.__xss({n})&#62;", "numeric entities"),
    ("%3Cscript%3Ewindow.__xss({n})%3C%2Fscript%3E", "URL-encoded"),
    ("\\u003cscript\\u003ewindow.__xss({n})\\u003c/script\\u003e", "JavaScript \\u escapes"),
    ("＜script＞window.__xss({n})＜/script＞", "full-width angle brackets (NFKC)"),
    ('<div hx-get="/" hx-trigger="load" hx-on::before-request="window.__xss({n})">x</div>', "htmx hx-on, load"),
    ('<img src=x hx-on:error="window.__xss({n})">', "htmx hx-on:error"),
    ("\"-alert({n})-\"", "JS string breakout (double quotes)"),
    ("';window.__xss({n});//", "JS string breakout (single quotes)"),
    ("{{{{constructor.constructor('window.__xss({n})')()}}}}", "AngularJS sandbox escape"),
    ("${{window.__xss({n})}}", "JS template literal"),
]

# Template-injection probes: nothing to execute; they must come back as the literal text.
_LITERAL: list[tuple[str, str]] = [
    ("{{7*7}}", "Django/Jinja expression"),
    ("${7*7}", "JS template literal / EL expression"),
    ("{% debug %}{{ request.META }}", "Django template tags"),
    ("#{7*7} <%= 7*7 %>", "Ruby/ERB expression"),
]


def _build() -> list[Payload]:
    payloads = [Payload(n, text.format(n=n), what) for n, (text, what) in enumerate(_RAW, start=1)]
    start = len(payloads) + 1
    payloads += [Payload(n, text, what) for n, (text, what) in enumerate(_LITERAL, start=start)]
    return payloads


PAYLOADS: list[Payload] = _build()
EXECUTABLE = [p for p in PAYLOADS if any(m in p.text for m in MARKERS)]
LITERAL = [p for p in PAYLOADS if p not in EXECUTABLE]

# A safe attachment name keeps no path: these reach the file name whole.
FILENAME_PAYLOADS = [p for p in EXECUTABLE if "/" not in p.text and "\\" not in p.text]


def joined(payloads=PAYLOADS, sep: str = "\n") -> str:
    return sep.join(p.text for p in payloads)


def chunks(limit: int, payloads=PAYLOADS, sep: str = " ") -> list[str]:
    """The payloads packed, whole, into strings of at most `limit` characters (e.g. subjects)."""
    out: list[str] = []
    current = ""
    for p in payloads:
        candidate = p.text if not current else current + sep + p.text
        if len(candidate) <= limit:
            current = candidate
        else:
            if current:
                out.append(current)
            current = p.text
    if current:
        out.append(current)
    return out
