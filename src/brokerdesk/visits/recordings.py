"""Call recordings of return visits: the telephony's (the PBX reports "recording ready" for a call) and uploads
of calls made off the platform (a branch's own phone, a recorder).

Uploads are stored by their SHA-256 outside the web root in a store of their own (visit traces are kept at
least 3 years, 20 where they are part of suitability: their retention is not the tickets'), audio only, checked
by extension and by content. A telephony recording stays with the PBX; the attempt keeps its reference.
"""

from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from brokerdesk.core.audit import audit_record
from brokerdesk.core.blobs import BlobStore, BlobTooLarge, blob_response, safe_filename
from brokerdesk.core.errors import Conflict, NotFound, ValidationFailed
from brokerdesk.core.permissions import require_permission
from brokerdesk.core.scoping import database_id
from brokerdesk.visits.choices import RecordingSource
from brokerdesk.visits.models import VisitAttempt, VisitTask
from brokerdesk.visits.selectors import tasks_visible_to
from brokerdesk.visits.services import Refused, refusals_audited, visit_event_record

CHUNK = 1024 * 1024
REF_LIMIT = 200
CALL_REF_LIMIT = 64
# Long visits recorded as WAV run to tens of megabytes; an installation may set its own limit.
DEFAULT_MAX_BYTES = 200 * 1024 * 1024

# extension -> (content type, does the file start like one?)
AUDIO_TYPES = {
    ".wav": ("audio/wav", lambda h: h[:4] == b"RIFF" and h[8:12] == b"WAVE"),
    ".mp3": ("audio/mpeg", lambda h: h[:3] == b"ID3" or (len(h) > 1 and h[0] == 0xFF and h[1] & 0xE0 == 0xE0)),
    ".amr": ("audio/amr", lambda h: h[:5] == b"#!AMR"),
    ".ogg": ("audio/ogg", lambda h: h[:4] == b"OggS"),
    ".opus": ("audio/ogg", lambda h: h[:4] == b"OggS"),
    ".m4a": ("audio/mp4", lambda h: h[4:8] == b"ftyp"),
    ".aac": ("audio/aac", lambda h: len(h) > 1 and h[0] == 0xFF and h[1] & 0xF6 == 0xF0),
    ".flac": ("audio/flac", lambda h: h[:4] == b"fLaC"),
    ".wma": ("audio/x-ms-wma", lambda h: h[:8] == b"\x30\x26\xb2\x75\x8e\x66\xcf\x11"),
}
INLINE_TYPES = frozenset({"audio/wav", "audio/mpeg", "audio/ogg", "audio/mp4", "audio/aac", "audio/flac"})


def recording_max_bytes() -> int:
    return int(getattr(settings, "VISIT_RECORDING_MAX_BYTES", DEFAULT_MAX_BYTES))


def _store() -> BlobStore:
    return BlobStore(Path(settings.ATTACHMENT_DIR) / "visit_recordings", recording_max_bytes())


def recording_content_type(name: str) -> str:
    return AUDIO_TYPES.get(Path(name or "").suffix.lower(), ("application/octet-stream", None))[0]


def visit_recording_path(attempt: VisitAttempt) -> Path | None:
    """Where an uploaded recording lives (None for the telephony's, kept by the PBX, or none at all). For the
    download view, after its own access check; visit_recording_response does both."""
    if attempt.recording_source != RecordingSource.UPLOAD or not attempt.recording_ref:
        return None
    path = _store().path(attempt.recording_ref)
    return path if path.exists() else None


def _attempt_locked(actor, task_id, attempt_number: int, attempted: str) -> tuple[VisitTask, VisitAttempt]:
    """The task (locked) and its attempt, if the actor may handle its recordings: the attempt's agent, the
    task's holder, or a supervisor; "not yours" is NotFound, like a missing one. (Permission is checked by the
    caller before its transaction.)"""
    task = tasks_visible_to(actor).select_for_update().filter(pk=database_id(task_id)).first()
    if task is None or not isinstance(attempt_number, int) or not 0 < attempt_number < 2**15:
        raise NotFound()
    attempt = VisitAttempt.objects.filter(task=task, number=attempt_number).first()
    if attempt is None:
        raise NotFound()
    _require_callers_agent(actor, task, attempt, attempted)
    return task, attempt


def _require_callers_agent(actor, task: VisitTask, attempt: VisitAttempt, attempted: str) -> None:
    if actor.pk not in (attempt.agent_id, task.assignee_id) and not actor.has_perm("visits.assign_visit"):
        raise Refused(_("Only the agent who made the call or a supervisor may do this."), actor=actor,
                      task_id=task.pk, details={"attempted": attempted, "why": "not the call's agent"})


def _check_audio(upload) -> tuple[str, str]:
    """(safe file name, content type) of an audio upload, or ValidationFailed: by its extension and by how the
    file begins (a renamed document is refused)."""
    if upload is None or not upload.size:
        raise ValidationFailed(details={"file": [_("Choose a recording that is not empty.")]})
    name = safe_filename(upload.name, "recording")
    extension = Path(name).suffix.lower()
    if extension not in AUDIO_TYPES:
        raise ValidationFailed(details={"file": [_("Upload an audio file (%(types)s).")
                                                 % {"types": ", ".join(sorted(AUDIO_TYPES))}]})
    if upload.size > recording_max_bytes():
        raise ValidationFailed(details={"file": [_("The recording is larger than the limit of %(mb)d MB.")
                                                 % {"mb": recording_max_bytes() // (1024 * 1024)}]})
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    content_type, looks_right = AUDIO_TYPES[extension]
    if not looks_right(head):
        raise ValidationFailed(details={"file": [_("This file is not a %(ext)s recording.") % {"ext": extension}]})
    return name, content_type


@refusals_audited
def visit_recording_upload(*, actor, task_id, attempt_number: int, upload) -> VisitAttempt:
    """Attach the recording of a call made off the platform to its attempt (the agent who made it, the task's
    holder or a supervisor). One recording per attempt: a second is refused, whatever its source."""
    require_permission(actor, "visits.work_visit", "visits.visit_recording_upload")
    name, content_type = _check_audio(upload)
    try:
        sha, size = _store().store(upload.chunks(CHUNK))
    except BlobTooLarge:
        raise ValidationFailed(details={"file": [_("The recording is larger than the limit of %(mb)d MB.")
                                                 % {"mb": recording_max_bytes() // (1024 * 1024)}]}) from None
    with transaction.atomic():
        task, attempt = _attempt_locked(actor, task_id, attempt_number, "visits.visit_recording_upload")
        if attempt.recording_ref:
            raise Conflict(_("This call already has a recording."))
        attempt.recording_source, attempt.recording_ref, attempt.recording_name = RecordingSource.UPLOAD, sha, name
        attempt.save(update_fields=["recording_source", "recording_ref", "recording_name"])
        visit_event_record(task, actor, "recording", timezone.now(), details={
            "attempt": attempt.number, "source": RecordingSource.UPLOAD, "sha256": sha, "size": size,
            "file": name, "content_type": content_type})
    return attempt


@refusals_audited
def visit_recording_attach(*, actor, call_ref: str, recording_ref: str, via: str = "") -> VisitAttempt:
    """The telephony reports the recording of a call: attach its reference to the attempt that call was.

    actor None is the system: the PBX, authenticated by its API token (via names it in the audit trail).
    Staff may attach one to their own call (or, supervisors, to any call they can see). Reporting the same
    recording again is harmless; a different one for a call that has one is refused.
    """
    call_ref, recording_ref = (call_ref or "").strip(), (recording_ref or "").strip()
    problems = {}
    if not call_ref or len(call_ref) > CALL_REF_LIMIT:
        problems["call_ref"] = [_("The call reference (at most %(n)d characters).") % {"n": CALL_REF_LIMIT}]
    if not recording_ref or len(recording_ref) > REF_LIMIT:
        problems["recording_ref"] = [_("The recording reference (at most %(n)d characters).") % {"n": REF_LIMIT}]
    if problems:
        raise ValidationFailed(details=problems)
    if actor is not None:
        require_permission(actor, "visits.work_visit", "visits.visit_recording_attach")
    with transaction.atomic():
        tasks = VisitTask.objects.all() if actor is None else tasks_visible_to(actor)
        attempt = (VisitAttempt.objects.filter(call_ref=call_ref, task__in=tasks)
                   .order_by("-started_at", "-id").first())
        if attempt is None:
            raise NotFound()
        task = VisitTask.objects.select_for_update().get(pk=attempt.task_id)
        attempt.refresh_from_db()
        if actor is not None:
            _require_callers_agent(actor, task, attempt, "visits.visit_recording_attach")
        if attempt.recording_ref:
            if attempt.recording_source == RecordingSource.TELEPHONY and attempt.recording_ref == recording_ref:
                return attempt  # the PBX said it again
            raise Conflict(_("This call already has a recording."))
        attempt.recording_source, attempt.recording_ref = RecordingSource.TELEPHONY, recording_ref
        attempt.save(update_fields=["recording_source", "recording_ref"])
        details = {"attempt": attempt.number, "source": RecordingSource.TELEPHONY, "call_ref": call_ref,
                   "recording_ref": recording_ref}
        if via:
            details["via"] = via
        visit_event_record(task, actor, "recording", timezone.now(), details=details)
    return attempt


def visit_recording_response(*, actor, task_id, attempt_number: int) -> FileResponse:
    """An uploaded recording, to those who may see the task, audited as a read of personal data; the same
    NotFound for another branch's task, a wrong number, a telephony recording or a lost file."""
    require_permission(actor, "visits.view_visittask", "visits.visit_recording_read")
    task = tasks_visible_to(actor).filter(pk=database_id(task_id)).first()
    attempt = VisitAttempt.objects.filter(task=task, number=attempt_number).first() if task else None
    path = visit_recording_path(attempt) if attempt else None
    if path is None:
        raise NotFound()
    audit_record(actor=actor, action="visits.recording_read", object_type="visit_task", object_id=task.pk,
                 details={"attempt": attempt.number, "sha256": attempt.recording_ref})
    return blob_response(path, filename=attempt.recording_name or f"visit-{task.pk}-{attempt.number}.audio",
                         content_type=recording_content_type(attempt.recording_name), inline_types=INLINE_TYPES)
