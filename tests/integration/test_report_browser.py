"""The report page as a person opens it: headless Chromium, offline.

The page must load without a console message, an exception or any request but its own
file; each alert marker must be drawn where its time falls on the axis; and the incident
table must show the figures the sample run was built with. A screenshot of the whole page
is kept in out/test-artifacts/ to look at.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from browser import Browser, find_chromium

from listener.replay.report import RunInfo, write_report
from listener.replay.report.chart import LEFT, MARK_GAP, RIGHT, WIDTH

# The sample run is shared with the report's unit tests.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))
from report_samples import ALERT_MINUTES, MESSAGES, ONSET, sample_run

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "out" / "test-artifacts"
CHROMIUM = find_chromium()

pytestmark = [
    pytest.mark.timeout(90),
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="chromium not installed (Debian: apt-get install chromium; .ci/run does it as "
        "root): the report is not checked in a browser",
    ),
]

READ_PAGE = """(() => {
  const ts = g => g.dataset.ts.split(' ').map(Number);
  const centre = g => { const b = g.firstElementChild.nextElementSibling.getBBox();
                        return b.x + b.width / 2; };
  return {
    charts: [...document.querySelectorAll('svg.chart')].map(svg => ({
      brand: svg.closest('section').dataset.brand,
      start: Number(svg.dataset.start), end: Number(svg.dataset.end),
      alerts: [...svg.querySelectorAll('g.mark.alert')].map(g => ({ts: ts(g), x: centre(g)})),
      transitions: [...svg.querySelectorAll('g.mark.transition')].map(g => g.dataset.kinds),
    })),
    incidents: [...document.querySelectorAll('tr.incident')].map(
      tr => [...tr.cells].map(td => td.textContent)),
    alertRows: document.querySelectorAll('tr.alert').length,
  };
})()"""


def _x(ts: float, chart: dict[str, Any]) -> float:
    span = chart["end"] - chart["start"]
    return LEFT + (ts - chart["start"]) / span * (WIDTH - LEFT - RIGHT)


@pytest.fixture(scope="module")
def opened(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Browser]:
    out = tmp_path_factory.mktemp("report")
    info = RunInfo("Sample run", ZoneInfo("Europe/Rome"), "Europe/Rome", 1234)
    page = write_report(sample_run(), info, out, pngs=False)[0]
    assert CHROMIUM is not None
    with Browser(CHROMIUM) as browser:
        browser.open(page.as_uri())
        seen = browser.evaluate(READ_PAGE)
        browser.screenshot(ARTIFACTS / "report-sample.png")
    return seen, browser


def test_the_page_loads_offline_without_a_problem(opened: tuple[dict[str, Any], Browser]) -> None:
    _, browser = opened
    requests = browser.requests()
    assert len(requests) == 1 and requests[0].startswith("file://"), requests
    assert browser.problems() == []
    shot = ARTIFACTS / "report-sample.png"
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_alert_markers_are_drawn_at_their_times(opened: tuple[dict[str, Any], Browser]) -> None:
    seen, _ = opened
    acme = [chart for chart in seen["charts"] if chart["brand"] == "acme"]
    assert len(acme) == 2  # the whole run, and the incident zoomed
    for chart in acme:
        drawn = sorted(ts for marker in chart["alerts"] for ts in marker["ts"])
        assert drawn == [ONSET + 60 * m for m in ALERT_MINUTES]
        for marker in chart["alerts"]:
            first = marker["ts"][0]
            assert marker["x"] == pytest.approx(_x(first, chart), abs=0.6)
            assert all(_x(ts, chart) - _x(first, chart) < MARK_GAP for ts in marker["ts"])
    zoom = acme[1]
    assert [len(m["ts"]) for m in zoom["alerts"]] == [2, 1]
    kinds = " ".join(zoom["transitions"])
    for kind in ("opened", "paged", "acknowledged", "recovered"):
        assert kind in kinds
    calm = [chart for chart in seen["charts"] if chart["brand"] == "calmco"]
    assert len(calm) == 1 and calm[0]["alerts"] == []


def test_the_incident_table_shows_the_run_figures(opened: tuple[dict[str, Any], Browser]) -> None:
    seen, _ = opened
    (row,) = seen["incidents"]
    assert row[0] == "acme.outage.1" and row[1] == "Acme & Co"
    assert row[4] == "2024-03-05 11:00"  # the onset, in Rome
    assert row[5:] == ["+8m", "L1 +8m, L2 +18m", "+25m", "+1h35m", str(MESSAGES), "3"]
    assert seen["alertRows"] == len(ALERT_MINUTES)
