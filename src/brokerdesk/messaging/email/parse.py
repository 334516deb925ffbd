"""An inbound email, parsed with the standard library (policy=email.policy.default), or a Quarantine naming why not.

Pure: bytes in, a ParsedEmail or a Quarantine out; no database, no settings (the limits are arguments). Any
other exception the standard library raises on hostile input is turned into Quarantine("parser_error"), so
callers only ever see ParsedEmail or Quarantine.

Chinese mail: GB2312 and GBK labels are decoded as GB18030, their superset (real "GB2312" mail routinely
carries GBK-only characters); a body whose declared charset does not fit is tried as UTF-8 and GB18030 before
it is given up on; raw 8-bit headers (no RFC 2047 encoding, common from older Chinese clients) get the same
treatment. An HTML-only body is turned into text (email/html.py); HTML is never stored as the body.

Attachments are described (path, filename, type, size, SHA-256), not extracted: their bytes stay in the raw
message and attachment_bytes(raw, path) gives them back. The path is the IMAP section number ("2", "1.3").
"""

import email
import email.errors
import email.message
import email.policy
import hashlib
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime

from brokerdesk.core.errors import ApplicationError
from brokerdesk.messaging.email.html import html_to_text

POLICY = email.policy.default

# Quarantine reason codes (docs/email-intake.md lists them for operators).
OVERSIZED = "oversized"
EMPTY = "empty"
MALFORMED_HEADERS = "malformed_headers"
MISSING_FROM = "missing_from"
INVALID_FROM = "invalid_from"
BROKEN_MULTIPART = "broken_multipart"
BAD_TRANSFER_ENCODING = "bad_transfer_encoding"
TOO_MANY_PARTS = "too_many_parts"
TOO_DEEP = "too_deep"
CHARSET = "charset"
NO_TEXT_BODY = "no_text_body"
PARSER_ERROR = "parser_error"
REASON_CODES = (OVERSIZED, EMPTY, MALFORMED_HEADERS, MISSING_FROM, INVALID_FROM, BROKEN_MULTIPART,
                BAD_TRANSFER_ENCODING, TOO_MANY_PARTS, TOO_DEEP, CHARSET, NO_TEXT_BODY, PARSER_ERROR)

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_PARTS = 100
DEFAULT_MAX_DEPTH = 10

# Defects that mean the structure cannot be trusted: the mail is quarantined. Other defects (a missing
# base64 pad, an odd header elsewhere) are kept as notes and the mail goes through.
_FATAL_DEFECTS: dict[type, str] = {
    email.errors.NoBoundaryInMultipartDefect: BROKEN_MULTIPART,
    email.errors.StartBoundaryNotFoundDefect: BROKEN_MULTIPART,
    email.errors.CloseBoundaryNotFoundDefect: BROKEN_MULTIPART,
    email.errors.MultipartInvariantViolationDefect: BROKEN_MULTIPART,
    email.errors.InvalidMultipartContentTransferEncodingDefect: BROKEN_MULTIPART,
    email.errors.MissingHeaderBodySeparatorDefect: MALFORMED_HEADERS,
    email.errors.FirstHeaderLineIsContinuationDefect: MALFORMED_HEADERS,
    email.errors.InvalidBase64CharactersDefect: BAD_TRANSFER_ENCODING,
    email.errors.InvalidBase64LengthDefect: BAD_TRANSFER_ENCODING,
}

# Labels decoded with a superset codec: what mailers label GB2312 or GBK is often GBK or GB18030 in fact.
_CHARSET_SUPERSETS = {
    "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030", "ms936": "gb18030",
    "euc-cn": "gb18030", "x-euc-cn": "gb18030", "csgb2312": "gb18030", "gb_2312-80": "gb18030",
    "big5": "big5hkscs", "ks_c_5601-1987": "cp949", "iso-8859-1": "cp1252", "latin1": "cp1252",
}
_FALLBACK_CHARSETS = ("utf-8", "gb18030")
_MESSAGE_ID = re.compile(r"<[^<>\s]{1,990}>")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


class Quarantine(ApplicationError):
    """The mail cannot be routed as it is. code is one of REASON_CODES; message says why, for an operator."""

    status = 422

    def __init__(self, code: str, message: str, *, details: dict | None = None):
        super().__init__(message, code=code, details=details)


@dataclass(frozen=True)
class Attachment:
    path: str  # IMAP section number of the part in the raw message
    filename: str
    content_type: str
    size: int  # decoded bytes
    sha256: str  # of the decoded bytes
    disposition: str  # "attachment", "inline" or ""

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class ParsedEmail:
    from_address: str
    from_name: str
    subject: str
    body_text: str
    body_type: str  # "text/plain", or "text/html" when the text was taken from HTML
    message_id: str = ""
    in_reply_to: str = ""
    references: tuple[str, ...] = ()
    sent_at: datetime | None = None
    attachments: tuple[Attachment, ...] = ()
    notes: tuple[str, ...] = field(default=())  # what was tolerated (a defect, a charset fallback)


def parse_email(raw: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES, max_parts: int = DEFAULT_MAX_PARTS,
                max_depth: int = DEFAULT_MAX_DEPTH) -> ParsedEmail:
    if len(raw) > max_bytes:
        raise Quarantine(OVERSIZED, f"The message is {len(raw)} bytes; the limit is {max_bytes}.",
                         details={"size": len(raw), "limit": max_bytes})
    if not raw.strip():
        raise Quarantine(EMPTY, "The message is empty.")
    try:
        return _parse(raw, max_parts=max_parts, max_depth=max_depth)
    except Quarantine:
        raise
    except RecursionError as error:
        raise Quarantine(TOO_DEEP, "The message nests parts too deeply to be read.") from error
    except Exception as error:
        raise Quarantine(PARSER_ERROR, f"The message could not be read: {type(error).__name__}: {error}"[:500]
                         ) from error


def attachment_bytes(raw: bytes, path: str) -> bytes:
    """The decoded bytes of the part at `path` (as given in Attachment.path). KeyError if there is none."""
    message = email.message_from_bytes(raw, policy=POLICY)
    for part_path, part, _ in _parts(message, max_parts=10**6, max_depth=10**3):
        if part_path == path:
            return _part_bytes(part)
    raise KeyError(path)


def _parse(raw: bytes, *, max_parts: int, max_depth: int) -> ParsedEmail:
    message = email.message_from_bytes(raw, policy=POLICY)
    notes: list[str] = []
    parts = _parts(message, max_parts=max_parts, max_depth=max_depth)
    seen: set[int] = set()
    _check_defects(parts, notes, seen)  # the structure's, found while parsing
    from_name, from_address = _sender(message, notes)
    subject = _header_text(message, "subject", notes)
    message_id = _first_id(_header_text(message, "message-id", notes))
    in_reply_to = _first_id(_header_text(message, "in-reply-to", notes))
    references = tuple(_MESSAGE_ID.findall(_header_text(message, "references", notes)))[:50]
    body_part = message.get_body(preferencelist=("plain", "html"))
    body_text, body_type = "", ""
    if body_part is not None:
        body_type = body_part.get_content_type()
        payload = body_part.get_payload(decode=True) or b""
        _check_defects(parts, notes, seen)  # the transfer encoding's, found while decoding
        body_text = _decode(payload, body_part.get_content_charset(), notes)
        if body_type == "text/html":
            body_text = html_to_text(body_text)
    body_text = clean_text(body_text).strip()
    if not body_text:
        raise Quarantine(NO_TEXT_BODY, "The message has no text to read (no text or HTML body, or an empty one).")
    attachments = tuple(_attachments(parts, body_part, notes))
    _check_defects(parts, notes, seen)
    return ParsedEmail(
        from_address=from_address, from_name=from_name, subject=subject, body_text=body_text,
        body_type=body_type, message_id=message_id, in_reply_to=in_reply_to, references=references,
        sent_at=_sent_at(message), attachments=attachments, notes=tuple(notes),
    )


def _check_defects(parts, notes: list[str], seen: set[int]) -> None:
    """Quarantine on a defect that breaks the structure or an encoding; note the others (once each).

    Called again after decoding: the standard library records a bad base64 payload only when it decodes it."""
    for path, part, _ in parts:
        for defect in part.defects:
            if id(defect) in seen:
                continue
            seen.add(id(defect))
            where = f"part {path}" if path else "the message"
            code = next((c for kind, c in _FATAL_DEFECTS.items() if isinstance(defect, kind)), None)
            if code is not None:
                raise Quarantine(code, f"{type(defect).__name__} in {where}.",
                                 details={"defect": type(defect).__name__, "part": path})
            notes.append(f"{type(defect).__name__} in {where}")


def _parts(message: email.message.EmailMessage, *, max_parts: int, max_depth: int) -> list:
    """Every part with its IMAP section number and depth, depth-first. An attached message (message/rfc822)
    is one part: it is an attachment, not part of this mail's structure."""
    found: list[tuple[str, email.message.EmailMessage, int]] = []

    def visit(part, path: str, depth: int) -> None:
        if depth > max_depth:
            raise Quarantine(TOO_DEEP, f"The message nests parts deeper than {max_depth} levels.")
        found.append((path, part, depth))
        if len(found) > max_parts:
            raise Quarantine(TOO_MANY_PARTS, f"The message has more than {max_parts} parts.",
                             details={"limit": max_parts})
        if part.get_content_type() == "message/rfc822" or not part.is_multipart():
            return
        payload = part.get_payload()
        if not isinstance(payload, list):  # a multipart the parser could not split (defects say why)
            return
        for number, child in enumerate(payload, start=1):
            visit(child, f"{path}.{number}" if path else str(number), depth + 1)

    visit(message, "" if message.is_multipart() else "1", 0)
    return found


def _attachments(parts, body_part, notes: list[str]) -> list[Attachment]:
    found = []
    for path, part, _ in parts:
        if part is body_part or (part.is_multipart() and part.get_content_type() != "message/rfc822"):
            continue
        filename = clean_text(_fix_8bit(part.get_filename() or ""))
        disposition = part.get_content_disposition() or ""
        if not (filename or disposition == "attachment" or part.get_content_maintype() != "text"):
            continue  # the other alternative of the body (the HTML beside the plain text), not an attachment
        data = _part_bytes(part)
        found.append(Attachment(path=path, filename=filename[:255], content_type=part.get_content_type(),
                                size=len(data), sha256=hashlib.sha256(data).hexdigest(), disposition=disposition))
    return found


def _part_bytes(part) -> bytes:
    if part.get_content_type() == "message/rfc822":
        inner = part.get_payload()
        return inner[0].as_bytes() if isinstance(inner, list) and inner else b""
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


def _sender(message, notes: list[str]) -> tuple[str, str]:
    headers = _headers(message, "from")
    if not headers:
        raise Quarantine(MISSING_FROM, "The message has no From header.")
    if len(headers) > 1:
        raise Quarantine(INVALID_FROM, "The message has several From headers.")
    header = headers[0]
    addresses = list(getattr(header, "addresses", ()))
    usable = [a for a in addresses if a.username and a.domain and not _CONTROL.search(a.addr_spec)
              and " " not in a.addr_spec and len(a.addr_spec) <= 320]
    if not usable:
        raise Quarantine(INVALID_FROM, f"The From header holds no usable address: {clean_text(str(header))[:200]!r}.")
    if len(addresses) > 1:
        notes.append(f"From names {len(addresses)} addresses; the first is the sender")
    return clean_text(usable[0].display_name)[:200], clean_text(usable[0].addr_spec)


def _headers(message, name: str) -> list:
    """The named headers, built from their raw source so that raw 8-bit text is decoded as UTF-8 or GB18030
    rather than left as surrogates."""
    found = []
    for key, value in message.raw_items():
        if key.lower() == name:
            unfolded = re.sub(r"\r?\n(?=[ \t])", "", _fix_8bit(value)).strip("\r\n")
            try:
                found.append(POLICY.header_factory(key, unfolded))
            except Exception as error:
                raise Quarantine(MALFORMED_HEADERS, f"The {key} header cannot be read: {error}"[:500]) from error
    return found


def _header_text(message, name: str, notes: list[str]) -> str:
    headers = _headers(message, name)
    if len(headers) > 1:
        notes.append(f"{len(headers)} {name} headers; the first is used")
    return clean_text(str(headers[0])).strip() if headers else ""


def _first_id(value: str) -> str:
    match = _MESSAGE_ID.search(value)
    return match.group(0) if match else value[:998]


def _sent_at(message) -> datetime | None:
    try:
        headers = _headers(message, "date")
        return getattr(headers[0], "datetime", None) if headers else None
    except Quarantine:
        return None  # an unreadable Date is no reason to hold a mail back


def _decode(data: bytes, declared: str | None, notes: list[str]) -> str:
    """The declared charset (or its superset); a few unreadable bytes in it are replaced (a truncated last
    character); a label that does not fit at all, or none, is tried as UTF-8 and then GB18030."""
    label = (declared or "").strip().lower()
    codec = _CHARSET_SUPERSETS.get(label, label)
    unlabelled = codec in ("", "us-ascii", "ascii")
    codec = "us-ascii" if unlabelled else codec
    try:
        return data.decode(codec)
    except LookupError:
        notes.append(f"unknown charset {label!r}")
        unlabelled = True
    except (UnicodeError, ValueError):
        pass
    if not unlabelled:
        text = data.decode(codec, errors="replace")
        bad = text.count("\ufffd")
        if bad <= 3 + len(text) // 200:
            notes.append(f"{bad} unreadable characters in {label} replaced")
            return text
    for fallback in _FALLBACK_CHARSETS:
        if fallback == codec:
            continue
        try:
            text = data.decode(fallback)
        except UnicodeError:
            continue
        notes.append(f"declared charset {label or 'none'!r} did not fit; read as {fallback}")
        return text
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    if unlabelled and bad <= 3 + len(text) // 200:
        notes.append(f"{bad} unreadable characters replaced")
        return text
    raise Quarantine(CHARSET, f"The text is neither in its declared charset ({label or 'none'}) nor in UTF-8 or "
                              "GB18030.", details={"charset": label})


def _fix_8bit(value: str) -> str:
    """Raw 8-bit bytes the parser kept as surrogate escapes, read as UTF-8, else GB18030."""
    if not _SURROGATE.search(value):
        return value
    try:
        data = value.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate that is no escaped byte
        return _SURROGATE.sub("\ufffd", value)
    for charset in _FALLBACK_CHARSETS:
        try:
            return data.decode(charset)
        except UnicodeError:
            continue
    return data.decode("utf-8", errors="replace")


def clean_text(value: str) -> str:
    """Text any database stores: no NUL or other control characters, no lone surrogates."""
    return _SURROGATE.sub("\ufffd", _CONTROL.sub("", value))
