"""Schemas of /api/v1/visits."""

from datetime import date, datetime
from typing import Annotated

from ninja import Schema
from pydantic import Field

from brokerdesk.core.api_types import CleanStr, InputSchema, PageNumber, PageSize

AnswerText = Annotated[CleanStr, Field(max_length=300)]


class TaskQuery(Schema):
    status: str = Field("open", description="open (pending, claimed, in call), all, or one status")
    programme: str = Field("", max_length=40, description="A programme code, e.g. new_account")
    mine: bool = Field(False, description="Only the tasks assigned to the caller")
    page: PageNumber = 1
    page_size: PageSize = 50


class TaskOut(Schema):
    id: int
    programme: str
    programme_name: str
    purpose: str
    customer_id: int
    customer_no: str
    customer_name: str = Field(description="Masked (张**)")
    branch_id: int
    center_id: int | None
    assignee_id: int | None
    status: str
    priority: int
    source_ref: str
    business_date: date
    due_on: date
    not_before: datetime | None
    attempts: int
    max_attempts: int
    outcome: str
    satisfaction: int | None
    claimed_at: datetime | None
    finished_at: datetime | None
    created_at: datetime


class QuestionOut(Schema):
    id: int
    position: int
    text: str
    kind: str = Field(description="yes_no, choice, rating (1-5) or text")
    choices: list[str]
    required: bool


class CallOut(Schema):
    number: int
    agent_id: int
    started_at: datetime
    ended_at: datetime | None
    outcome: str
    answers: dict[str, str]
    note: str
    call_ref: str
    recording_source: str
    has_recording: bool


class HistoryOut(Schema):
    at: datetime
    action: str
    from_status: str
    to_status: str
    by: str
    note: str


class TaskDetailOut(TaskOut):
    script: str
    questions: list[QuestionOut]
    calls: list[CallOut]
    history: list[HistoryOut]


class CallStartIn(InputSchema):
    call_ref: CleanStr = Field("", max_length=64, description="The telephony's call id, to match its recording")


class OutcomeIn(InputSchema):
    outcome: str = Field(description="completed, unreachable, refused or wrong_number")
    answers: dict[str, AnswerText] = Field(default_factory=dict,
                                           description="Question id -> answer (yes/no, a choice, 1-5, text)")
    note: CleanStr = Field("", max_length=5000, description="Required when refused or wrong number")


class RecordingIn(InputSchema):
    call_ref: CleanStr = Field(min_length=1, max_length=64, description="The call id given when the call started")
    recording_ref: CleanStr = Field(min_length=1, max_length=200, description="The PBX's id or URL of the recording")
