"""The report of a run: its figures, its charts' marks and gaps, escaping, exports."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace
from pathlib import Path
from zoneinfo import ZoneInfo

import orjson
import pytest
from notify_samples import make_alert, sample
from report_samples import (
    ACKNOWLEDGED,
    ALERT_MINUTES,
    HOSTILE,
    MESSAGES,
    ONSET,
    OWN_POSTS,
    PAGED,
    RECOVERED,
    alert,
    sample_run,
)

from listener.replay.progress import Progress
from listener.replay.report import RunInfo, write_report
from listener.replay.report.chart import MARK_GAP, Axis, chart, clusters
from listener.replay.report.model import alert_mark, brand_views, incident_views
from listener.replay.report.page import page
from listener.replay.report.saved import load, save
from listener.replay.report.text import format_alert

ROME = ZoneInfo("Europe/Rome")
INFO = RunInfo("Sample run <1>", ROME, "Europe/Rome", 1234)


def _views():  # type: ignore[no-untyped-def]
    run = sample_run()
    incidents = incident_views(run.transitions, run.alerts, run.notices, run.stats, run.channels)
    return run, incidents, brand_views(run.stats, run.alerts, incidents)


def test_incident_figures_count_from_the_onset_of_the_wave() -> None:
    _, incidents, _ = _views()
    (incident,) = incidents
    assert incident.onset == ONSET
    assert incident.after_onset(incident.opened_at) == PAGED[1]
    assert {level: incident.after_onset(at) for level, at in incident.levels.items()} == PAGED
    assert incident.after_onset(incident.acknowledged_at) == ACKNOWLEDGED
    assert incident.after_onset(incident.recovered_at) == RECOVERED
    assert incident.messages == MESSAGES
    assert [a.id for a in incident.alerts] == [f"alert-{m}" for m in ALERT_MINUTES]
    kinds = [m.kind for m in incident.marks]
    assert kinds == ["opened", "paged", "paged", "acknowledged", "recovered"]


def test_the_brands_own_posts_are_read_from_its_windows() -> None:
    _, _, brands = _views()
    own = {brand.brand: brand.own_posts for brand in brands}
    assert own == {"acme": list(OWN_POSTS), "calmco": []}


def test_every_brand_is_drawn_even_one_that_never_alerted() -> None:
    html = page(INFO, _views()[2])
    assert 'data-brand="calmco"' in html and 'data-brand="acme"' in html
    calm = html[html.index('data-brand="calmco"') :]
    assert "<svg" in calm[: calm.index("</section>")]


def test_alerts_close_together_are_one_marker_with_their_count() -> None:
    _, _, brands = _views()
    acme = next(b for b in brands if b.brand == "acme")
    zoom = Axis(ONSET - 3600, ONSET + 3 * 3600, ROME)
    groups = clusters([alert_mark(a) for a in acme.alerts], zoom)
    assert [len(g) for g in groups] == [2, 1]  # one minute apart is under MARK_GAP pixels
    assert zoom.x(ONSET + 9 * 60) - zoom.x(ONSET + 8 * 60) < MARK_GAP
    svg = chart(acme, zoom, [alert_mark(a) for a in acme.alerts], "zoom")
    found = re.findall(
        r'class="mark alert" data-x="([\d.]+)" data-ts="([\d ]+)" data-count="(\d)"', svg
    )
    assert [(float(x), ts.split(), int(n)) for x, ts, n in found] == [
        (zoom.x(ONSET + 480), [f"{ONSET + 480:.0f}", f"{ONSET + 540:.0f}"], 2),
        (zoom.x(ONSET + 2400), [f"{ONSET + 2400:.0f}"], 1),
    ]


def test_tone_lines_are_left_blank_where_no_post_was_scored() -> None:
    _, _, brands = _views()
    acme = next(b for b in brands if b.brand == "acme")
    whole = Axis(acme.points[0].at, acme.points[-1].at, ROME)
    svg = chart(acme, whole, [], "whole")
    for css in ("sentiment", "negative"):
        path = re.search(rf'<path d="([^"]*)" class="{css}"/>', svg)
        assert path is not None
        # One line before the ten silent minutes, one after: lifted, never drawn across.
        assert path.group(1).count("M") == 2, css
    volume = re.search(r'<path d="([^"]*)" class="volume"/>', svg)
    assert volume is not None and volume.group(1).count("M") == 1  # zero posts is a figure


def test_the_page_escapes_what_posts_and_rules_say_and_fetches_nothing() -> None:
    html = page(INFO, _views()[2])
    assert HOSTILE not in html and "<script" not in html.lower()
    assert "&lt;script&gt;" in html and "&lt;b&gt;eve&lt;/b&gt;" in html
    assert "Acme &amp; Co" in html and "Sample run &lt;1&gt;" in html
    assert "javascript:" not in html  # the sample posts' links are dropped
    # No tag fetches anything: no source, no linked sheet, no imported style or font.
    assert not re.search(r"<[^<>]*\s(src|srcset|data)=|<link|@import|url\(", html)


def test_times_are_written_in_the_chosen_zone() -> None:
    html = page(INFO, _views()[2])
    assert "2024-03-05 11:00" in html  # the onset, 10:00 UTC, in Rome
    utc = page(replace(INFO, zone=ZoneInfo("UTC"), zone_name="UTC"), _views()[2])
    assert "2024-03-05 10:00" in utc and "times in UTC" in utc


def test_report_files_and_their_figures(tmp_path: Path) -> None:
    run = sample_run()
    hostile = alert(60, "info")
    run = replace(run, alerts=[*run.alerts, replace(hostile, about=("=HYPERLINK(1)",))])
    written = write_report(run, INFO, tmp_path)
    names = sorted(p.name for p in written)
    assert names == sorted(
        ["report.html", "alerts.json", "alerts.csv", "incidents.json", "incidents.csv",
         "acme.outage.1.png"]
    )  # fmt: skip
    assert (tmp_path / "acme.outage.1.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    (incident,) = orjson.loads((tmp_path / "incidents.json").read_bytes())
    assert incident["detect_minutes"] == PAGED[1] and incident["messages"] == MESSAGES
    assert incident["levels"] == {"1": PAGED[1], "2": PAGED[2]}
    assert incident["onset"] == "2024-03-05T11:00:00+01:00"
    rows = list(csv.DictReader(io.StringIO((tmp_path / "alerts.csv").read_text())))
    assert len(rows) == 4 and rows[-1]["about"] == "'=HYPERLINK(1)"
    assert rows[0]["fired_at"] == "2024-03-05T11:08:00+01:00"


def test_a_saved_run_draws_the_same_page(tmp_path: Path) -> None:
    run = sample_run()
    save(run, tmp_path / "run.json", {"title": "t"})
    again, meta = load(tmp_path)
    assert meta == {"title": "t"}
    views = incident_views(
        again.transitions, again.alerts, again.notices, again.stats, again.channels
    )
    first = page(INFO, brand_views(run.stats, run.alerts, _views()[1]))
    assert page(INFO, brand_views(again.stats, again.alerts, views)) == first


def test_the_progress_line_is_shown_only_when_asked_or_on_a_terminal() -> None:
    quiet, told = io.StringIO(), io.StringIO()
    Progress.wanted(False, 10, ROME, quiet).published(10, ONSET)
    Progress.wanted(True, 10, ROME, told).published(10, ONSET)
    assert quiet.getvalue() == ""
    line = told.getvalue()
    assert line.startswith("published 10 of 10 posts, event time 2024-03-05 11:00, ")
    assert line.endswith("0s left\n")


@pytest.mark.parametrize("value, text", [(8.0, "+8m"), (65.4, "+1h05m"), (-3, "-3m"), (None, "-")])
def test_minutes_read_as_a_person_writes_them(value: float | None, text: str) -> None:
    from listener.replay.report.page import minutes

    assert minutes(value) == text


def test_the_draining_line_never_goes_back_and_says_how_long_is_left(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [100.0]
    monkeypatch.setattr("listener.replay.progress.time.perf_counter", lambda: now[0])
    told = io.StringIO()
    progress = Progress(True, 10, ROME, told)
    progress.every = 0.0
    last = ONSET + 3600
    progress.judging(None, last)
    progress.judging(ONSET, last)  # first seen: no pace yet
    now[0] += 10.0
    progress.judging(ONSET + 600, last)  # 10 minutes of event time in 10 s
    now[0] += 10.0
    progress.judging(ONSET + 300, last)  # a partition reporting late: not a step back
    assert told.getvalue().splitlines() == [
        "waiting for the pipeline to judge the first windows",
        "windows judged up to 2024-03-05 11:00 of 2024-03-05 12:00",
        "windows judged up to 2024-03-05 11:10 of 2024-03-05 12:00, 50s left",
        "windows judged up to 2024-03-05 11:10 of 2024-03-05 12:00, 1m40s left",
    ]


def test_the_printed_timeline_shows_what_the_brand_posted_in_its_wave() -> None:
    own = sample(9, "Send 0.1 BTC now", author_handle="acme_bank")
    offer = sample(4, "Autumn sale!\nFares from 39 pounds", author_handle="acme_bank")
    lines = format_alert(make_alert(own_posts=(own,), published=(offer,)))
    taken = lines.index("      ! own account @acme_bank: Send 0.1 BTC now")
    published = lines.index(
        "      ~ the brand posted, answering nobody: Autumn sale! Fares from 39 pounds"
    )
    assert taken < published < next(n for n, line in enumerate(lines) if "      > @" in line)
    assert not any("answering nobody" in line for line in format_alert(make_alert()))
