"""Request bodies, validated at the boundary: unknown keys refused, strings bounded and without NUL bytes,
free-form JSON (schedules, action data, bots) checked for depth, NULs and 64-bit integers."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from botfactory.api.params import IdValue, Moment, Text, check_json

EVENT_STATES = ("pending", "running", "succeeded", "failed", "cancelled", "skipped")
HISTORY_STATUSES = ("SUCCESS", "ERROR", "SKIPPED", "TIMEOUT", "MISSED")
EventState = Literal["pending", "running", "succeeded", "failed", "cancelled", "skipped"]
HistoryStatus = Literal["SUCCESS", "ERROR", "SKIPPED", "TIMEOUT", "MISSED"]
Role = Literal["viewer", "editor", "admin"]

JsonObject = dict[str, Any]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EventCreate(Body):
    """Schedule one event. Give ``schedule`` (schedule JSON such as ``{"type": "once", "when": "..."}``) or
    ``when`` (a one-off time; in the past means now)."""

    event_type: Annotated[Text, Field(min_length=1, max_length=200)]
    schedule: JsonObject | None = None
    when: Moment | None = None
    description: Annotated[Text, Field(max_length=4000)] = ""
    resource_ids: Annotated[list[Annotated[Text, Field(min_length=1, max_length=512)]], Field(max_length=1000)] = []
    action_data: JsonObject = {}
    dedupe_key: Annotated[Text, Field(min_length=1, max_length=255)] | None = None
    bot_id: Annotated[Text, Field(min_length=1, max_length=255)] | None = None
    account_id: Annotated[Text, Field(min_length=1, max_length=255)] | None = None
    max_attempts: Annotated[int, Field(ge=1, le=100)] | None = None
    retry_backoff: Annotated[float, Field(ge=0, le=7 * 86400)] | None = None
    timeout: Annotated[float, Field(gt=0, le=7 * 86400)] | None = None
    misfire_grace: Annotated[float, Field(gt=0, le=365 * 86400)] | None = None

    @field_validator("schedule", "action_data")
    @classmethod
    def _json(cls, value: Any, info: Any) -> Any:
        return check_json(value, info.field_name) if value is not None else value

    def options(self) -> dict[str, Any]:
        names = ("max_attempts", "retry_backoff", "timeout", "misfire_grace")
        return {name: getattr(self, name) for name in names if getattr(self, name) is not None}


class EventBulkCancel(Body):
    """Cancel every pending event matching all the given filters. ``all: true`` is needed to cancel without one."""

    event_type: list[Annotated[Text, Field(max_length=200)]] = Field(default=[], max_length=100)
    bot_id: Annotated[Text, Field(max_length=255)] | None = None
    account_id: Annotated[Text, Field(max_length=255)] | None = None
    resource_id: Annotated[Text, Field(max_length=512)] | None = None
    ids: list[IdValue] = Field(default=[], max_length=10_000)
    all: bool = False

    def has_filter(self) -> bool:
        return bool(self.event_type or self.bot_id or self.account_id or self.resource_id or self.ids)


class TokenCreate(Body):
    name: Annotated[Text, Field(min_length=1, max_length=200)]
    role: Role


class AccountCreate(Body):
    name: Annotated[Text, Field(min_length=1, max_length=255)]
    provider: Literal["aws"] = "aws"
    settings: JsonObject = {}

    @field_validator("settings")
    @classmethod
    def _json(cls, value: Any) -> Any:
        return check_json(value, "settings")


class AccountSettings(Body):
    settings: JsonObject

    @field_validator("settings")
    @classmethod
    def _json(cls, value: Any) -> Any:
        return check_json(value, "settings")
