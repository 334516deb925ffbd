"""The WeChat official-account callback protocol, plaintext mode (明文模式), as pure code without Django.

What the platform documents (接入指南; 消息管理 / 接收普通消息, 接收事件推送, 被动回复用户消息):

- Every request to the server URL carries signature, timestamp and nonce in the query string. signature is the
  hex SHA-1 of token, timestamp and nonce sorted lexicographically and concatenated. The server-verification
  GET also carries echostr, which the server returns as it is when the signature is good.
- Messages are POSTed as a flat XML document <xml>…</xml> (ToUserName = the account's original id,
  FromUserName = the follower's openid, CreateTime, MsgType, and per type Content, MsgId, Event, EventKey, …).
- The platform waits 5 seconds for an answer and retries 3 times; retries are de-duplicated by MsgId, events
  by FromUserName + CreateTime. The answer is a passive reply XML, or "success" (or an empty body): nothing.

The XML parser here reads only what the platform sends: no DOCTYPE, no entity declarations (which closes
external entities and "billion laughs"), a size cap, a cap on fields. defusedxml is not installed, so this
uses the standard library's expat directly with those handlers refusing.
"""

import hashlib
import hmac
import re
import time
from dataclasses import dataclass, field
from xml.parsers import expat

DEFAULT_MAX_BYTES = 64 * 1024
MAX_FIELDS = 100
MAX_DEPTH = 4
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_OPENID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# "绑定 123456", "绑定123456", "bind 123456" (full-width digits and spaces are what phones type too).
_BIND = re.compile(r"^\s*(?:绑定|bind)\s*[:：]?\s*(\S*)\s*$", re.IGNORECASE)
_FULL_WIDTH = str.maketrans("０１２３４５６７８９　", "0123456789 ")
EVENT = "event"


class XmlRejected(Exception):
    """The body is not a WeChat message we read: code (e.g. "xml_forbidden", "xml_malformed") and why."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def signature(token: str, timestamp: str, nonce: str) -> str:
    joined = "".join(sorted([token, timestamp, nonce])).encode("utf-8")
    return hashlib.sha1(joined).hexdigest()  # noqa: S324  (the platform's documented scheme, not our choice)


def signature_valid(token: str, given: str, timestamp: str, nonce: str) -> bool:
    """False without a configured token: an unset token accepts nothing."""
    if not token or not given or not timestamp or not nonce:
        return False
    return hmac.compare_digest(signature(token, timestamp, nonce), given.strip().lower())


def timestamp_fresh(timestamp: str, *, window_seconds: int, now: float | None = None) -> bool:
    """The request's timestamp (seconds since the epoch) is within window_seconds of now, either way."""
    if not timestamp.isdigit() or len(timestamp) > 12:
        return False
    now = time.time() if now is None else now
    return abs(now - int(timestamp)) <= window_seconds


@dataclass
class ParsedWeChat:
    """One message or event. fields holds every element under <xml> (nested ones as "Parent.Child")."""

    fields: dict[str, str]
    # A handler may set this to a human reference (e.g. the ticket number) that the passive reply quotes.
    reply_reference: str = field(default="", compare=False)

    def get(self, name: str) -> str:
        return self.fields.get(name, "")

    @property
    def to_user(self) -> str:
        return self.get("ToUserName")

    @property
    def openid(self) -> str:
        return self.get("FromUserName")

    @property
    def create_time(self) -> int:
        return int(self.get("CreateTime"))

    @property
    def msg_type(self) -> str:
        return self.get("MsgType").lower()

    @property
    def msg_id(self) -> str:
        return self.get("MsgId")

    @property
    def event(self) -> str:
        return self.get("Event") if self.msg_type == EVENT else ""

    @property
    def content(self) -> str:
        return self.get("Content")

    @property
    def dedup_key(self) -> str:
        """What makes a retry the same message: MsgId, or for events FromUserName + CreateTime (+ the event)."""
        if self.msg_id:
            return f"msg:{self.msg_id}"
        return f"event:{self.openid}:{self.get('CreateTime')}:{self.event.lower()}"[:200]

    def describe(self) -> str:
        """The message as text for a ticket or a list: the text itself, or what kind of media it carried."""
        kind = self.msg_type
        if kind == "text":
            return self.content
        if kind == "voice":
            said = self.get("Recognition")
            return f"[voice] {said}".strip() if said else "[voice]"
        if kind == "location":
            return f"[location] {self.get('Label')} ({self.get('Location_X')}, {self.get('Location_Y')})"
        if kind == "link":
            return f"[link] {self.get('Title')} {self.get('Url')}\n{self.get('Description')}".strip()
        if kind in ("image", "video", "shortvideo", "file"):
            return " ".join(v for v in (f"[{kind}]", self.get("PicUrl"), f"MediaId {self.get('MediaId')}") if v)
        if kind == EVENT:
            return f"[event] {self.event} {self.get('EventKey')}".strip()
        return f"[{kind}]"


def parse_message(raw: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> ParsedWeChat:
    """Read a callback body, or raise XmlRejected. Refuses DOCTYPE, entities, oversize and non-<xml> roots."""
    if len(raw) > max_bytes:
        raise XmlRejected("too_large", f"The body is {len(raw)} bytes; at most {max_bytes} are read.")
    fields: dict[str, str] = {}
    path: list[str] = []
    text: list[list[str]] = []

    def forbid(*args):
        raise XmlRejected("xml_forbidden", "DOCTYPE and entity declarations are not accepted.")

    def start(name, attrs):
        if not path and name != "xml":
            raise XmlRejected("xml_malformed", f"The root element is <{name[:40]}>, not <xml>.")
        if len(path) >= MAX_DEPTH:
            raise XmlRejected("xml_malformed", "The XML is nested too deeply.")
        path.append(name)
        text.append([])

    def end(name):
        value = "".join(text.pop())
        path.pop()
        if path:  # a field (not the root)
            key = ".".join([*path[1:], name])
            if key not in fields:
                if len(fields) >= MAX_FIELDS:
                    raise XmlRejected("xml_malformed", f"More than {MAX_FIELDS} fields.")
                fields[key] = _CONTROL.sub("", value).strip() if not _has_children(key, fields) else ""

    def chars(data):
        if text:
            text[-1].append(data)

    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = forbid
    parser.EntityDeclHandler = forbid
    parser.UnparsedEntityDeclHandler = forbid
    parser.ExternalEntityRefHandler = forbid
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    parser.buffer_text = True
    try:
        parser.Parse(raw, True)
    except expat.ExpatError as error:
        raise XmlRejected("xml_malformed", f"Not well-formed XML: {error}") from None
    _require(fields)
    return ParsedWeChat(fields=fields)


def _has_children(key: str, fields: dict) -> bool:
    return any(k.startswith(key + ".") for k in fields)


def _require(fields: dict) -> None:
    missing = [name for name in ("ToUserName", "FromUserName", "CreateTime", "MsgType") if not fields.get(name)]
    if missing:
        raise XmlRejected("missing_field", f"Required fields missing: {', '.join(missing)}.")
    if not _OPENID.match(fields["FromUserName"]) or not _OPENID.match(fields["ToUserName"]):
        raise XmlRejected("bad_field", "FromUserName and ToUserName must be WeChat ids.")
    if not fields["CreateTime"].isdigit() or len(fields["CreateTime"]) > 12:
        raise XmlRejected("bad_field", "CreateTime must be seconds since the epoch.")
    if fields.get("MsgId") and (not fields["MsgId"].isdigit() or len(fields["MsgId"]) > 40):
        raise XmlRejected("bad_field", "MsgId must be a number.")


def binding_code_in(text: str) -> str | None:
    """The code of a binding command ("绑定 123456"), "" for the command without a usable code, None when the
    text is not a binding command at all."""
    match = _BIND.match(text.translate(_FULL_WIDTH))
    if match is None:
        return None
    code = match.group(1)
    return code if re.fullmatch(r"\d{6}", code) else ""


def _cdata(value: str) -> str:
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def text_reply(*, to_openid: str, from_account: str, content: str, create_time: int | None = None) -> str:
    """The passive text reply (回复文本消息): to the follower, from the account that received the message."""
    created = int(time.time()) if create_time is None else create_time
    return (f"<xml><ToUserName>{_cdata(to_openid)}</ToUserName><FromUserName>{_cdata(from_account)}"
            f"</FromUserName><CreateTime>{created}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content>{_cdata(content)}</Content></xml>")


SUCCESS = "success"  # the documented "nothing to reply; do not retry"
