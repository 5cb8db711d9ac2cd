"""Email: a text and an HTML part over SMTP."""

from listener.notifiers.email.compose import compose, to_html
from listener.notifiers.email.config import EmailConfig
from listener.notifiers.email.notifier import EmailNotifier, SmtpServer, email_notifier

__all__ = ["EmailConfig", "EmailNotifier", "SmtpServer", "compose", "email_notifier", "to_html"]
