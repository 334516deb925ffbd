"""Call recordings: uploads of calls made off the platform (audio only, in their own store) and the telephony's
"recording ready" by call reference."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from brokerdesk.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from brokerdesk.core.models import AuditEvent
from brokerdesk.visits.recordings import (
    visit_recording_attach,
    visit_recording_path,
    visit_recording_response,
    visit_recording_upload,
)
from brokerdesk.visits.services import visit_call_start, visit_task_claim
from brokerdesk.visits.tests.lifecycle_support import make_task, work

pytestmark = pytest.mark.django_db

WAV = b"RIFF\x24\x08\x00\x00WAVEfmt " + b"\x00" * 200
MP3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" * 50
PDF = b"%PDF-1.7\n" + b"0" * 200


@pytest.fixture(autouse=True)
def _store(settings, tmp_path):
    settings.ATTACHMENT_DIR = tmp_path / "attachments"


def _upload(name: str, data: bytes, content_type: str = "audio/wav") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.fixture
def branch_call(users, customer_a):
    """A new-account visit the branch made by phone (call 1, unreachable) and is calling again (call 2)."""
    task = make_task("new_account", customer_a)
    work(users["branch_a"], task, "unreachable")
    from brokerdesk.visits.models import VisitTask

    VisitTask.objects.filter(pk=task.pk).update(not_before=None)
    visit_task_claim(actor=users["branch_a"], task_id=task.pk)
    visit_call_start(actor=users["branch_a"], task_id=task.pk, call_ref="BR-2")
    return task


def test_it_stores_an_uploaded_recording_on_its_call_with_a_history_row(users, branch_call, settings):
    attempt = visit_recording_upload(actor=users["branch_a"], task_id=branch_call.pk, attempt_number=1,
                                     upload=_upload("通话 1.wav", WAV))
    assert (attempt.recording_source, attempt.recording_name) == ("upload", "通话 1.wav")
    assert attempt.recording_ref == hashlib.sha256(WAV).hexdigest()
    path = visit_recording_path(attempt)
    assert path.read_bytes() == WAV
    assert path.is_relative_to(settings.ATTACHMENT_DIR / "visit_recordings")  # a store of its own
    event = branch_call.events.get(action="recording")
    assert event.details["attempt"] == 1 and event.details["sha256"] == attempt.recording_ref
    assert AuditEvent.objects.filter(action="visits.recording", object_id=str(branch_call.pk)).exists()


def test_it_takes_audio_only_by_extension_and_by_content(users, branch_call, settings):
    for name, data in (("说明.pdf", PDF), ("录音.wav", PDF), ("录音.mp3", WAV), ("录音", WAV), ("录音.wav", b"")):
        with pytest.raises(ValidationFailed) as raised:
            visit_recording_upload(actor=users["branch_a"], task_id=branch_call.pk, attempt_number=1,
                                   upload=_upload(name, data))
        assert "file" in raised.value.details
    settings.VISIT_RECORDING_MAX_BYTES = 100
    with pytest.raises(ValidationFailed):
        visit_recording_upload(actor=users["branch_a"], task_id=branch_call.pk, attempt_number=1,
                               upload=_upload("录音.wav", WAV))
    assert not (settings.ATTACHMENT_DIR / "visit_recordings").exists() or \
        not any(p.is_file() for p in (settings.ATTACHMENT_DIR / "visit_recordings").rglob("*"))
    settings.VISIT_RECORDING_MAX_BYTES = 10_000
    attempt = visit_recording_upload(actor=users["branch_a"], task_id=branch_call.pk, attempt_number=2,
                                     upload=_upload("recording.MP3", MP3, "application/octet-stream"))
    assert attempt.recording_name == "recording.MP3"


def test_it_keeps_one_recording_per_call(users, branch_call):
    visit_recording_upload(actor=users["branch_a"], task_id=branch_call.pk, attempt_number=1,
                           upload=_upload("a.wav", WAV))
    with pytest.raises(Conflict):
        visit_recording_upload(actor=users["branch_a"], task_id=branch_call.pk, attempt_number=1,
                               upload=_upload("b.mp3", MP3))


def test_it_lets_only_the_caller_the_holder_or_a_supervisor_upload(users, org, branch_call):
    from tests.factories import make_staff

    colleague = make_staff("t_branch_a2", "branch_staff", scope="branch", branch=org["branch_a"])
    with pytest.raises(PermissionDenied):
        visit_recording_upload(actor=colleague, task_id=branch_call.pk, attempt_number=1, upload=_upload("a.wav", WAV))
    assert AuditEvent.objects.filter(action="access.denied", actor_id=colleague.pk,
                                     object_id=str(branch_call.pk)).exists()
    for task_id, number in ((branch_call.pk, 3), (branch_call.pk, 0), (999999, 1)):
        with pytest.raises(NotFound):
            visit_recording_upload(actor=users["branch_a"], task_id=task_id, attempt_number=number,
                                   upload=_upload("a.wav", WAV))
    with pytest.raises(NotFound):  # another branch
        visit_recording_upload(actor=users["branch_b"], task_id=branch_call.pk, attempt_number=1,
                               upload=_upload("a.wav", WAV))
    with pytest.raises(PermissionDenied):  # sees the task, but does not work visits
        visit_recording_upload(actor=users["reviewer"], task_id=branch_call.pk, attempt_number=1,
                               upload=_upload("a.wav", WAV))
    attempt = visit_recording_upload(actor=users["supervisor"], task_id=branch_call.pk, attempt_number=1,
                                     upload=_upload("a.wav", WAV))
    assert attempt.recording_ref


def test_it_serves_an_uploaded_recording_to_those_who_see_the_task_and_audits_the_read(users, branch_call):
    visit_recording_upload(actor=users["branch_a"], task_id=branch_call.pk, attempt_number=1,
                           upload=_upload("通话.wav", WAV))
    response = visit_recording_response(actor=users["manager_a"], task_id=branch_call.pk, attempt_number=1)
    assert b"".join(response.streaming_content) == WAV
    assert response["Content-Type"] == "audio/wav"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert AuditEvent.objects.filter(action="visits.recording_read", actor_id=users["manager_a"].pk).exists()
    for actor, number in ((users["branch_b"], 1), (users["manager_a"], 2)):  # another branch; no recording
        with pytest.raises(NotFound):
            visit_recording_response(actor=actor, task_id=branch_call.pk, attempt_number=number)


# --- The telephony ---------------------------------------------------------------------------------------------------

@pytest.fixture
def center_call(users, org, customer_a):
    task = make_task("annual_sample", customer_a, center=org["center"])
    visit_task_claim(actor=users["agent"], task_id=task.pk)
    visit_call_start(actor=users["agent"], task_id=task.pk, call_ref="CALL-0001")
    return task


def test_it_attaches_the_telephonys_recording_by_call_reference_once(center_call):
    attempt = visit_recording_attach(actor=None, call_ref=" CALL-0001 ", recording_ref="rec/2026/0001.wav",
                                     via="api token abcd (pbx)")
    assert (attempt.recording_source, attempt.recording_ref, attempt.recording_name) == (
        "telephony", "rec/2026/0001.wav", "")
    assert visit_recording_path(attempt) is None  # kept by the PBX
    event = center_call.events.get(action="recording")
    assert event.actor is None and event.details["via"] == "api token abcd (pbx)"
    again = visit_recording_attach(actor=None, call_ref="CALL-0001", recording_ref="rec/2026/0001.wav")
    assert again.pk == attempt.pk and center_call.events.filter(action="recording").count() == 1
    with pytest.raises(Conflict):
        visit_recording_attach(actor=None, call_ref="CALL-0001", recording_ref="rec/other.wav")
    with pytest.raises(NotFound):
        visit_recording_attach(actor=None, call_ref="CALL-9999", recording_ref="rec/x.wav")
    with pytest.raises(ValidationFailed) as raised:
        visit_recording_attach(actor=None, call_ref=" ", recording_ref="x" * 201)
    assert set(raised.value.details) == {"call_ref", "recording_ref"}


def test_it_lets_staff_attach_a_recording_only_to_their_own_call(users, org, center_call):
    from tests.factories import make_staff

    other_agent = make_staff("t_agent2", "agent", scope="center", center=org["center"])
    with pytest.raises(PermissionDenied):
        visit_recording_attach(actor=other_agent, call_ref="CALL-0001", recording_ref="rec/1.wav")
    with pytest.raises(NotFound):
        visit_recording_attach(actor=users["branch_b"], call_ref="CALL-0001", recording_ref="rec/1.wav")
    attempt = visit_recording_attach(actor=users["agent"], call_ref="CALL-0001", recording_ref="rec/1.wav")
    assert center_call.events.get(action="recording").actor == users["agent"]
    assert attempt.recording_ref == "rec/1.wav"
