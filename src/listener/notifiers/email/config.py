"""How listener sends email, as written under ``notifiers: email:``."""

from __future__ import annotations

import re
from typing import Annotated, Final, Literal

from pydantic import AfterValidator, Field, model_validator

from listener.notifiers.secrets import EnvName
from listener.rules.files.config import Model, Seconds, Text

_ADDRESS: Final = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+$")
_DOMAIN: Final = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$")


def _address(value: str) -> str:
    if not _ADDRESS.match(value):
        raise ValueError(f"{value!r} is not an email address such as alerts@example.com")
    return value


def _one_line(value: str) -> str:
    if "\r" in value or "\n" in value:
        raise ValueError("must be on one line")
    return value


#: A bare address ("alerts@example.com"), no display name.
EmailAddress = Annotated[str, AfterValidator(_address)]


class EmailConfig(Model):
    """SMTP delivery. ``security``: ``starttls`` (port 587: a plain connection upgraded to
    TLS before login), ``tls`` (port 465: TLS from the start) or ``plain`` (no encryption:
    only for a relay on the same host or network). ``password_env`` names the variable
    holding the password; a login over ``plain`` must be allowed explicitly."""

    host: Text
    port: int = Field(default=587, ge=1, le=65535)
    security: Literal["starttls", "tls", "plain"] = "starttls"
    username: Annotated[str, AfterValidator(_one_line)] | None = None
    password_env: EnvName | None = None
    allow_plain_login: bool = False
    from_address: EmailAddress
    from_name: Annotated[Text, AfterValidator(_one_line)] = "listener"
    #: A CA bundle (PEM) for a server whose certificate a private CA signed.
    ca_file: str | None = None
    timeout: Seconds = Field(default=30, gt=0)

    @model_validator(mode="after")
    def _login(self) -> EmailConfig:
        if (self.username is None) != (self.password_env is None):
            raise ValueError("set both username and password_env, or neither")
        if self.username is not None and self.security == "plain" and not self.allow_plain_login:
            raise ValueError(
                'a login over "plain" sends the password unencrypted: use starttls or tls, '
                "or set allow_plain_login: true for a relay on a trusted network"
            )
        return self

    @property
    def message_id_domain(self) -> str:
        """The domain of Message-ID headers: the sender's."""
        domain = self.from_address.rsplit("@", 1)[1]
        return domain if _DOMAIN.match(domain) else "listener.invalid"
