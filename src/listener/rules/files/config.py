"""The models of rules/*.yaml: one per entry a person edits (a brand, a person, an owner
group, an alert rule), so each entry is validated on its own and one bad entry never hides
the problems of the others.

References between entries (a brand's owner group, a group's people, a rule's brands and
window) are checked by :mod:`listener.rules.files.loader`, which sees every file at once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Final, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)

from listener.rules.files.durations import parse_duration
from listener.validation import matching

SEVERITIES: Final = ("info", "warning", "major", "critical")
DEFAULT_WINDOWS: Final = ("5m", "15m", "60m")

SLUG: Final = re.compile(r"^[a-z][a-z0-9_]*$")
RULE_NAME: Final = re.compile(r"^[a-z][a-z0-9-]*$")
#: Ids of people and owner groups: "maria.rossi", "bank-crisis".
OWNER_ID: Final = re.compile(r"^[a-z][a-z0-9._-]*$")
_HASHTAG: Final = re.compile(r"^#\w+$")
_HANDLE: Final = re.compile(r"^@[\w.]+$")
_OWN_ACCOUNT: Final = re.compile(r"^(?:[a-z][a-z0-9_-]{0,31}:\S+|@[\w.]+)$")
_LANGUAGE: Final = re.compile(r"^[a-z]{2}$")
_SLACK: Final = re.compile(r"^(?:@[a-z0-9._-]+|[UW][A-Z0-9]{6,})$")
_EMAIL: Final = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE: Final = re.compile(r"^\+[1-9]\d{6,14}$")
_SLACK_CHANNEL: Final = re.compile(r"^(?:#[a-z0-9][a-z0-9._-]{0,79}|[CGD][A-Z0-9]{6,})$")
_WEBHOOK_NAME: Final = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value


def _severity(value: str) -> str:
    if value not in SEVERITIES:
        raise ValueError(f"severity {value!r} is not one of {', '.join(SEVERITIES)}")
    return value


def _duration_text(value: str) -> str:
    parse_duration(value)
    return value


Text = Annotated[str, AfterValidator(_not_blank)]
#: A duration kept as written ("15m"), for the names of windows.
DurationText = Annotated[str, AfterValidator(_duration_text)]
#: A duration turned into whole seconds at load.
Seconds = Annotated[int, BeforeValidator(parse_duration)]
#: A Slack channel: "#crisis-intesa" or its id "C012AB3CD".
SlackChannel = Annotated[
    str, matching(_SLACK_CHANNEL, 'a Slack channel such as "#crisis" or "C012AB3CD"')
]
#: A webhook's name under ``notifiers.webhooks`` (notifiers.yaml).
WebhookName = Annotated[str, matching(_WEBHOOK_NAME, 'a name such as "ops-bridge"')]
#: The channels a person can be told on.
ChannelName = Literal["slack", "email"]
#: ``channels:`` of a person in owners.yaml: how they are told, preferred first.
PersonChannels = Annotated[tuple[ChannelName, ...], Field(min_length=1)]
DEFAULT_PERSON_CHANNELS: Final[tuple[ChannelName, ...]] = ("slack", "email")
Hashtag = Annotated[str, matching(_HASHTAG, 'a hashtag such as "#intesasanpaolo"')]
Handle = Annotated[str, matching(_HANDLE, 'a handle such as "@intesasanpaolo"')]
Language = Annotated[str, matching(_LANGUAGE, 'a two-letter language code such as "it"')]
OwnAccount = Annotated[
    str, matching(_OWN_ACCOUNT, 'an account such as "facebook:1234567" or "@intesasanpaolo"')
]


def _one_or_many(what: str) -> BeforeValidator:
    """Accept one string or a list of them, with a message naming both forms."""

    def accept(value: object) -> object:
        if isinstance(value, str):
            return (value,)
        if not isinstance(value, list | tuple):
            # ValueError, not TypeError: pydantic reports only ValueError as a validation error.
            raise ValueError(f"must be {what}, got {value!r}")
        return value

    return BeforeValidator(accept)


class Model(BaseModel):
    """Unknown keys are refused (a misspelt key would otherwise be silently ignored) and a
    loaded model cannot be changed behind the back of the code that checked it."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class BaselinePrior(Model):
    """What a brand usually looks like, used until enough history has been seen."""

    volume_per_hour: float = Field(gt=0)
    negative_share: float = Field(default=0.2, ge=0, le=1)


class Brand(Model):
    """A brand listened to: what marks a post as about it, and who answers for it."""

    name: Text
    terms: tuple[Text, ...] = ()
    hashtags: tuple[Hashtag, ...] = ()
    handles: tuple[Handle, ...] = ()
    exclude: tuple[Text, ...] = ()
    own_accounts: tuple[OwnAccount, ...] = ()
    channels: tuple[Text, ...] = ()
    owners: Text
    language: Language | None = None
    baseline: BaselinePrior | None = None
    #: The brand's own words for a risk's topic (a running campaign's hashtag, the app's
    #: name), counted with the words risks.yaml lists for that risk.
    topics: Mapping[str, tuple[Text, ...]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _matchable(self) -> Brand:
        # A brand nothing can match would sit silent forever, which looks like a quiet day.
        if not (self.terms or self.hashtags or self.handles or self.channels):
            raise ValueError("needs at least one of terms, hashtags, handles or channels")
        return self


class Person(Model):
    """Someone who can be told about an incident."""

    name: Text
    slack: Annotated[str, matching(_SLACK, 'a Slack handle ("@maria.rossi") or member id')]
    email: Annotated[str, matching(_EMAIL, "an email address")]
    phone: Annotated[str, matching(_PHONE, 'a phone number such as "+393331234567"')] | None = None
    #: How the person is told, preferred first (see notifiers.yaml).
    channels: PersonChannels = DEFAULT_PERSON_CHANNELS


class EscalationLevel(Model):
    """Who is told once an incident has been open ``after`` seconds without acknowledgement."""

    after: Seconds
    notify: tuple[Text, ...] = Field(min_length=1)


class GroupChannels(Model):
    """``channels:`` of an owner group: the Slack channel its incidents are posted in (Web
    API only), and the webhooks, PagerDuty services and Teams channels told of each of
    them (names under ``notifiers.webhooks``, ``notifiers.pagerduty``, ``notifiers.teams``)."""

    slack: SlackChannel | None = None
    webhooks: tuple[WebhookName, ...] = ()
    pagerduty: tuple[WebhookName, ...] = ()
    teams: tuple[WebhookName, ...] = ()


class OwnerGroup(Model):
    """The people who answer for a brand's incidents, level by level.

    While nobody acknowledges, ``reminders`` are the gaps before each reminder round after
    the last level (the last gap repeats), so reminders thin out instead of paging all
    night at one pace; ``repeat`` is the older way of writing one fixed gap. A group
    names one or the other, or neither (no reminders).
    """

    description: Text
    levels: tuple[EscalationLevel, ...] = Field(min_length=1)
    repeat: Annotated[Seconds, Field(gt=0)] | None = None
    reminders: (
        Annotated[
            tuple[Annotated[Seconds, Field(gt=0)], ...],
            _one_or_many("a duration or a list of durations"),
            Field(min_length=1),
        ]
        | None
    ) = None
    channels: GroupChannels | None = None

    @model_validator(mode="after")
    def _one_way_to_remind(self) -> OwnerGroup:
        # Both set, one would silently win over the other: refuse, and say how to write it.
        if self.repeat is not None and self.reminders is not None:
            raise ValueError(
                '"repeat" and "reminders" are both set: keep one ("repeat: 30m" is'
                ' "reminders: [30m]")'
            )
        return self

    @model_validator(mode="after")
    def _in_order(self) -> OwnerGroup:
        # Someone must hear of an incident at once, and each level must add time, or two
        # levels would page together and the order written would mean nothing.
        if self.levels[0].after != 0:
            raise ValueError('the first level must notify at once: "after: 0m"')
        for index in range(1, len(self.levels)):
            if self.levels[index].after <= self.levels[index - 1].after:
                raise ValueError(
                    f"levels[{index}].after must be later than levels[{index - 1}].after"
                )
        return self


class WindowsConfig(Model):
    """The window sizes computed for every brand, hopping every ``step``."""

    sizes: tuple[DurationText, ...] = Field(default=DEFAULT_WINDOWS, min_length=1)
    step: Seconds = Field(default=60, gt=0)


class RuleConfig(Model):
    """One alert rule as written in alerts.yaml."""

    name: Annotated[str, matching(RULE_NAME, 'a name such as "negative-surge"')]
    description: Text
    brands: Annotated[tuple[Text, ...], _one_or_many('"*" or a list of brand ids')] = Field(
        min_length=1
    )
    window: DurationText
    # A list of conditions means all of them must hold.
    when: Annotated[tuple[str, ...], _one_or_many("a condition or a list of conditions")] = Field(
        min_length=1
    )
    for_: Seconds = Field(default=0, alias="for")
    severity: Annotated[str, AfterValidator(_severity)]
    cooldown: Seconds = 1800
    owners: Text | None = None
