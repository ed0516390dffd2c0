"""``apimap serve [--watch]``: serve the built site on localhost; with --watch, rebuild on every change to
mappings/, templates/, conf/ or site/_static|_templates and reload the open pages.

Rebuilds are incremental, and with --watch resident (``apimap.live``): an edited mapping is validated, rendered
and built by a Sphinx that stays running. Live reload is injected by this server into the HTML it sends (the
files on disk stay as built).
"""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Callable
from pathlib import Path

VERSION_PATH = "/__apimap__/version"
RELOAD_SNIPPET = b"""<script>/* apimap serve --watch: reload when a rebuild finishes */
(function () { var seen = null;
  function poll() {
    fetch("%s", {cache: "no-store"}).then(function (r) { return r.text(); }).then(function (v) {
      if (seen === null) seen = v; else if (v !== seen) location.reload();
    }).catch(function () {}).finally(function () { setTimeout(poll, 800); });
  }
  poll(); })();
</script>""" % VERSION_PATH.encode()


class _State:
    def __init__(self):
        self.version = 0
        self.lock = threading.Lock()

    def bump(self) -> None:
        with self.lock:
            self.version += 1


class Handler(http.server.SimpleHTTPRequestHandler):
    state: _State | None = (
        None  # set for --watch: enables the version endpoint and the reload snippet
    )

    def do_GET(self):  # noqa: N802 (http.server's naming)
        if self.state is not None and self.path.split("?")[0] == VERSION_PATH:
            return self._send(str(self.state.version).encode(), "text/plain")
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        if self.state is not None and path.suffix == ".html" and path.is_file():
            body = path.read_bytes()
            at = body.rfind(b"</body>")
            body = body[:at] + RELOAD_SNIPPET + body[at:] if at >= 0 else body + RELOAD_SNIPPET
            return self._send(body, "text/html; charset=utf-8")
        return super().do_GET()

    def _send(self, body: bytes, ctype: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):  # quiet: a preview prints rebuilds, not every request
        pass


def watched_paths(project) -> list[Path]:
    site = project.root / "site"
    return [
        p
        for p in (
            project.mappings,
            project.templates,
            project.conf,
            site / "_static",
            site / "_templates",
        )
        if p.exists()
    ]


def watch_and_rebuild(
    paths: list[Path],
    rebuild: Callable[[list[Path], Callable[[], None]], int],
    state: _State,
    stop: threading.Event,
) -> None:
    """Run ``rebuild(changed paths, ready)`` after each burst of changes (watchfiles debounces); ``ready()``
    bumps the version, which reloads the open pages."""
    from watchfiles import watch

    for changes in watch(*paths, stop_event=stop, debounce=300):
        names = sorted({Path(p).name for _, p in changes})
        print(
            f"apimap serve: changed {', '.join(names[:5])}{' …' if len(names) > 5 else ''}; rebuilding",
            flush=True,
        )
        if rebuild(sorted({Path(p) for _, p in changes}), state.bump) == 0:
            print("apimap serve: rebuilt; open pages reload", flush=True)
        else:
            print(
                "apimap serve: rebuild failed (see above); still serving the last good site",
                flush=True,
            )


def serve(
    project,
    port: int,
    rebuild: Callable[[list[Path], Callable[[], None]], int] | None = None,
    root: Path | None = None,
) -> int:
    """Serve ``root`` (default project.html) on 127.0.0.1:port until Ctrl-C; with ``rebuild``, watch sources
    and live-reload."""
    state = _State() if rebuild else None
    handler = functools.partial(
        type("ApimapHandler", (Handler,), {"state": state}), directory=str(root or project.html)
    )
    stop = threading.Event()
    with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as httpd:
        if rebuild:
            paths = watched_paths(project)
            threading.Thread(
                target=watch_and_rebuild, args=(paths, rebuild, state, stop), daemon=True
            ).start()
            print(
                f"Watching {', '.join(p.relative_to(project.root).as_posix() for p in paths)}",
                flush=True,
            )
        print(
            f"Serving on http://127.0.0.1:{httpd.server_address[1]}/ (Ctrl-C to stop)", flush=True
        )
        try:
            httpd.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            stop.set()
    return 0
