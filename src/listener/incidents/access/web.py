"""The incident API on aiohttp: the request and response adapters, and a whole
application for a process that serves only the API (tests, a standalone dev server).

The worker mounts the same handlers on its Faust web server, which runs on aiohttp and
hands its views aiohttp requests, so :func:`from_aiohttp` serves there too.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, cast

from aiohttp import web

from listener.incidents.access.api import MAX_BODY, ROUTES, ApiRequest, ApiResponse, IncidentApi


async def from_aiohttp(
    request: web.BaseRequest, params: dict[str, str] | None = None
) -> ApiRequest:
    """The :class:`ApiRequest` of an aiohttp request; ``params`` overrides the route's
    match info (Faust passes it to views as keyword arguments)."""
    body = await request.read()  # the server's client_max_size bounds it
    match = params if params is not None else dict(getattr(request, "match_info", {}))
    return ApiRequest(
        method=request.method,
        params=match,
        query=dict(request.query),
        headers={name.lower(): value for name, value in request.headers.items()},
        body=body,
        client=request.remote or "",
    )


def to_aiohttp(response: ApiResponse) -> web.Response:
    content_type, _, charset = response.content_type.partition("; charset=")
    return web.Response(
        status=response.status,
        body=response.body,
        content_type=content_type,
        charset=charset or None,
        headers=dict(response.headers),
    )


def _handler(api: IncidentApi, name: str) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handle(request: web.Request) -> web.Response:
        return to_aiohttp(await api.handle(name, await from_aiohttp(request)))

    return handle


def build_app(api: IncidentApi) -> web.Application:
    """An aiohttp application serving every route of the incident API."""
    app = web.Application(client_max_size=MAX_BODY + 1024)
    for route in ROUTES:
        app.router.add_route(route.method, route.path, _handler(api, route.handler))
    return app


def mount_on_faust(app: Any, api: IncidentApi) -> None:
    """Serve every route of the incident API on a Faust app's web server (``app.page``);
    called once while the worker's app is built, before it starts."""
    # Imported here: the API itself does not depend on Faust, only this mounting does.
    from faust.web import View

    # One view per path, with a method per route: Faust registers a path once.
    paths: dict[str, dict[str, Any]] = {}
    for route in ROUTES:
        paths.setdefault(route.path, {})[route.method.lower()] = _faust_method(api, route.handler)
    for path, methods in paths.items():
        name = "incidents_" + "_".join(sorted(methods)) + path.replace("/", "_")
        view = type(name.replace("{", "").replace("}", ""), (View,), methods)
        app.page(path, name=name)(cast(type[View], view))


def _faust_method(api: IncidentApi, handler: str) -> Callable[..., Awaitable[web.Response]]:
    # Faust's aiohttp driver hands views the aiohttp request, and the route's parameters
    # as keyword arguments.
    async def method(view: Any, request: web.Request, **params: str) -> web.Response:
        return to_aiohttp(await api.handle(handler, await from_aiohttp(request, dict(params))))

    return method
