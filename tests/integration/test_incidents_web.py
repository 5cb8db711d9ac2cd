"""The worker's web port serves listener's own pages only: its metrics, health and the
incident API behind its key. Faust's debug pages (tables, routing, graph, statistics)
would show anyone who reaches the port what the worker holds."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from test_incidents_setup import API_KEY, stand_ins, write_rules

from listener.replay.driver import cluster
from listener.settings import Settings

pytestmark = pytest.mark.timeout(90)


async def test_faust_debug_pages_are_not_served(tmp_path: Path) -> None:
    with stand_ins() as servers:
        rules = write_rules(tmp_path / "rules", servers.smtp_port)
        settings = Settings(rules_dir=rules, partitions=1, data_dir=tmp_path)
        async with cluster(settings, tmp_path / "run", env=servers.env) as group:
            url = group.workers[0].url
            async with httpx.AsyncClient(base_url=url, timeout=5.0) as client:
                closed = {
                    path: (await client.get(path)).status_code
                    for path in ("/router/", "/table/", "/graph/", "/stats/", "/table/x/")
                }
                ready = await client.get("/health/ready")
                refused = await client.get("/incidents")
                allowed = await client.get(
                    "/incidents", headers={"authorization": f"bearer {API_KEY}"}
                )
    assert closed == dict.fromkeys(closed, 404)
    assert ready.status_code == 200
    assert refused.status_code == 401 and allowed.status_code == 200
