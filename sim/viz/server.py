"""Serve the browser view: Solara's web server (uvicorn) with the page of :mod:`sim.viz.app`."""

from __future__ import annotations

import logging
import os
import socket
import sys
import warnings

import uvicorn

from sim.viz import assets

#: The Solara app the server runs.
APP = "sim.viz.app:Page"


def _configure_solara() -> None:
    """Environment for Solara, set before Solara is first imported (it reads it once)."""
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    os.environ.setdefault(assets.CACHE_ENV, str(assets.cache_dir()))
    os.environ["SOLARA_APP"] = APP


def _port_free(host: str, port: int) -> str | None:
    """None if ``host:port`` can be listened on, else the reason."""
    try:
        with socket.create_server((host, port)):
            return None
    except OSError as err:
        return err.strerror or str(err)


def serve(host: str = "127.0.0.1", port: int = 8765) -> int:
    """Serve the browser view on ``http://host:port`` until interrupted.

    Returns:
        The exit code: 0 after Ctrl-C, 1 if the server could not start.
    """
    _configure_solara()
    reason = _port_free(host, port)
    if reason is not None:
        print(f"clustersim: error: cannot listen on {host}:{port}: {reason}", file=sys.stderr)
        return 1
    try:
        todo = assets.missing()
    except assets.AssetError as err:
        print(f"clustersim: error: {err}", file=sys.stderr)
        return 1
    if todo:
        print(f"clustersim viz: {', '.join(todo)} not in the asset cache {assets.cache_dir()}; "
              "the page loads them from the internet (run ./setup.sh to cache them for offline "
              "use)", file=sys.stderr)
    # Solara logs each front-end file it could not fetch at WARNING level.
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")
    # A warning on every page load over plain http (cookies fall back to SameSite=Lax, which
    # is right for a local server).
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https")
    os.environ["SERVER_NAME"], os.environ["SERVER_PORT"] = host, str(port)

    print(f"clustersim viz: serving http://{host}:{port} (Ctrl-C to stop)", flush=True)
    try:
        uvicorn.run("solara.server.starlette:app", host=host, port=port, log_level="warning")
    except SystemExit as stop:  # uvicorn exits when it cannot start
        return int(stop.code or 1)
    return 0
