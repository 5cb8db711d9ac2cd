"""The post-mortem of an incident: its whole timeline, as Markdown for people and as JSON
for tools, from the incident as the API shows it in full (:func:`views.incident_json`).

Every transition of the history is one line of the timeline, sorted into what a review
asks about: ``signal`` (the trouble began, alerts, the risk rising), ``page`` (who was told,
and pages held back or not delivered), ``action`` (acknowledgements, resolutions by hand,
silences, notes), ``statement`` (the brand's statement published) and ``recovery`` (the
figures back to normal, the incident closing by itself). Times are UTC, event time first
(the clock the rules and the escalation run on), then when it was recorded.

Everything from outside (post texts, names, reasons) is escaped for Markdown, so a post
cannot add a link, a heading or a table row to the report.
"""

from __future__ import annotations

import re
from typing import Any, Final

from listener.incidents.access.views import statement_text
from listener.rules.files.durations import format_duration

#: The category of each kind of transition.
CATEGORIES: Final = {
    "opened": "signal", "updated": "signal", "risk_raised": "signal",
    "paged": "page", "page_silenced": "page", "delivery_failed": "page", "unroutable": "page",
    "acknowledged": "action", "silenced": "action", "note": "action",
    "statement": "statement", "statement_seen": "statement", "step_met": "statement",
    "step_late": "page",
}  # fmt: skip
ENGINE: Final = "listener"
_SPECIAL: Final = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~])")


def escape(text: object) -> str:
    """``text`` as literal Markdown on one line: every special character escaped."""
    return _SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def category(kind: str, who: str) -> str:
    if kind == "resolved":
        return "recovery" if who == ENGINE else "action"
    return CATEGORIES.get(kind, "action")


def timeline(incident: dict[str, Any]) -> list[dict[str, Any]]:
    """The timeline of an incident shown in full, oldest first."""
    lines = [
        {"at": incident["started_at"], "wall_at": None, "category": "signal",
         "kind": "began", "who": ENGINE, "level": None,
         "detail": "the condition of the first alert began to hold"},
    ]  # fmt: skip
    for step in incident["history"]:
        lines.append(
            {"at": step["event_at"], "wall_at": step["wall_at"],
             "category": category(step["kind"], step["who"]), "kind": step["kind"],
             "who": step["who"], "level": step["level"], "detail": step["detail"]}
        )  # fmt: skip
    if incident.get("recovered_at"):
        took = incident.get("recovery_seconds")
        words = f" (the brand recovered in {format_duration(round(took))})" if took else ""
        lines.append(
            {"at": incident["recovered_at"], "wall_at": None, "category": "recovery",
             "kind": "recovered", "who": ENGINE, "level": None,
             "detail": f"the figures were back to normal{words}"}
        )  # fmt: skip
    lines.sort(key=lambda line: line["at"] or "")  # stable: the history's order holds
    return lines


def report(incident: dict[str, Any]) -> dict[str, Any]:
    """The JSON post-mortem."""
    return {
        "version": 1,
        "incident": {k: v for k, v in incident.items() if k != "history"},
        "timeline": timeline(incident),
    }


def markdown(incident: dict[str, Any]) -> str:
    """The Markdown post-mortem."""
    title = f"{escape(incident['brand_name'])}: {escape(incident['risk'])}"
    out = [f"# Post-mortem: {title}", "", f"Incident `{incident['id']}`", ""]
    facts = [
        ("Status", incident["status"]), ("Severity", incident["severity"]),
        ("Owners", incident["owners"]), ("Rules", ", ".join(incident["rules"])),
        ("Trouble began", incident["started_at"]), ("Opened", incident["opened_at"]),
        ("Acknowledged", _by(incident["acknowledged_at"], incident["acknowledged_by"])),
        ("Resolved", _by(incident["resolved_at"], incident["resolved_by"])),
        ("Statement", statement_text(incident.get("statement"))),
        ("Recovery", _recovery(incident)), ("Alerts", incident["alerts"]),
        ("People told", ", ".join(incident["paged"]) or "nobody"),
    ]  # fmt: skip
    out += ["| | |", "| --- | --- |"] + [f"| {k} | {escape(v)} |" for k, v in facts]
    out += ["", "## Timeline (UTC, event time)", "", "| time | what | who | detail |",
            "| --- | --- | --- | --- |"]  # fmt: skip
    for line in timeline(incident):
        what = f"{line['category']}: {line['kind']}"
        if line["level"]:
            what += f" (level {line['level']})"
        out.append(
            f"| {escape(line['at'])} | {escape(what)} | {escape(line['who'])} |"
            f" {escape(line['detail'])} |"
        )
    out += _figures(incident) + _samples(incident)
    return "\n".join(out) + "\n"


def _by(at: str | None, who: str | None) -> str:
    return "-" if at is None else f"{at} by {who}"


def _recovery(incident: dict[str, Any]) -> str:
    took = incident.get("recovery_seconds")
    return "not yet" if took is None else format_duration(round(took))


def _figures(incident: dict[str, Any]) -> list[str]:
    figures = incident.get("figures") or {}
    if not figures:
        return []
    baseline = incident.get("baseline") or {}
    out = ["", "## Figures of the latest alert", "", "| figure | value | usual |",
           "| --- | --- | --- |"]  # fmt: skip
    for name, value in sorted(figures.items()):
        usual = baseline.get(f"{name}_baseline", "")
        out.append(f"| {escape(name)} | {escape(value)} | {escape(usual)} |")
    return out


def _samples(incident: dict[str, Any]) -> list[str]:
    samples = incident.get("samples") or []
    if not samples:
        return []
    out = ["", "## What people were saying", ""]
    for sample in samples:
        byline = f"{escape(sample['author'] or 'unknown')}, {escape(sample['created_at'])}"
        out += [f"> {escape(sample['text'])}", ">", f"> — {byline}", ""]
    return out
