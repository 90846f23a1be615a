"""A minimal headless-Chromium driver for the book tests (standard library only).

Chromium is started with ``--remote-debugging-pipe``: it reads DevTools-protocol
commands from file descriptor 3 and writes replies and events to descriptor 4, each
message a JSON object followed by a NUL byte. That avoids WebSocket clients, Selenium,
chromedriver and Playwright's own browser downloads.
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import tempfile
import time

#: Bound of every wait on the browser (s): generous, because the suite's background workflows
#: share the cores while the browser checks run (a page once took over 60 s to load under load).
PAGE_TIMEOUT = 120

CHROMIUM_CANDIDATES = ("/usr/lib/chromium/chromium", "chromium", "chromium-browser",
                       "google-chrome", "google-chrome-stable")


def find_chromium() -> str | None:
    for name in CHROMIUM_CANDIDATES:
        path = name if os.path.isabs(name) and os.access(name, os.X_OK) else shutil.which(name)
        if path:
            return path
    return None


def install_chromium() -> tuple[str | None, str]:
    """Install the Debian package ``chromium`` if we can; return (path, why-not)."""
    path = find_chromium()
    if path:
        return path, ""
    if shutil.which("apt-get") is None:
        return None, "no chromium and no apt-get to install it"
    if os.geteuid() != 0:
        return None, "no chromium, and installing the Debian package needs root"
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    cmd = ["apt-get", "install", "-y", "-q", "--no-install-recommends", "chromium"]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], capture_output=True, env=env)
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    path = find_chromium()
    return path, "" if path else f"apt-get install chromium failed: {proc.stderr[-500:]}"


class CDPError(RuntimeError):
    pass


class Browser:
    """One headless Chromium with one page, driven over the DevTools pipe."""

    def __init__(self, executable: str, width: int = 1280, height: int = 900):
        self.width, self.height = int(width), int(height)
        self.profile_dir = tempfile.mkdtemp(prefix="glassbook-chromium-")
        to_child_r, self._to_child_w = os.pipe()
        self._from_child_r, from_child_w = os.pipe()

        def wire_fds():           # runs in the child before exec; dup both before moving
            a = os.dup(to_child_r)
            b = os.dup(from_child_w)
            os.dup2(a, 3)
            os.dup2(b, 4)

        args = [executable, "--headless=new", "--remote-debugging-pipe", "--no-sandbox",
                "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--no-default-browser-check", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-extensions",
                "--hide-scrollbars", "--mute-audio", f"--window-size={width},{height}",
                f"--user-data-dir={self.profile_dir}", "about:blank"]
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, pass_fds=(3, 4), preexec_fn=wire_fds)
        os.close(to_child_r)
        os.close(from_child_w)
        self._buf = b""
        self._next_id = 0
        self.events: list[dict] = []
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Network"):
            self.send(f"{domain}.enable", session=True)
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}, session=True)

    # -- protocol -----------------------------------------------------------------------
    def _read_message(self, timeout: float) -> dict | None:
        deadline = time.monotonic() + timeout
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([self._from_child_r], [], [], left)
            if not ready:
                return None
            chunk = os.read(self._from_child_r, 1 << 20)
            if not chunk:
                raise CDPError("chromium closed the DevTools pipe")
            self._buf += chunk
        raw, self._buf = self._buf.split(b"\0", 1)
        return json.loads(raw)

    def send(self, method: str, params: dict | None = None, session: bool = False, timeout: float = PAGE_TIMEOUT):
        self._next_id += 1
        msg = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = self.session
        os.write(self._to_child_w, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read_message(max(0.0, deadline - time.monotonic()))
            if reply is None:
                raise CDPError(f"no reply to {method} within {timeout} s")
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise CDPError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)

    def wait_event(self, method: str, timeout: float = PAGE_TIMEOUT) -> dict:
        for i, ev in enumerate(self.events):
            if ev["method"] == method:
                return self.events.pop(i)
        deadline = time.monotonic() + timeout
        while True:
            msg = self._read_message(max(0.0, deadline - time.monotonic()))
            if msg is None:
                raise CDPError(f"no {method} event within {timeout} s")
            if msg.get("method") == method:
                return msg
            if "method" in msg:
                self.events.append(msg)

    # -- conveniences ---------------------------------------------------------------------
    def goto(self, url: str, timeout: float = PAGE_TIMEOUT) -> None:
        self.events.clear()
        self.send("Page.navigate", {"url": url}, session=True)
        self.wait_event("Page.loadEventFired", timeout)

    def evaluate(self, expression: str, timeout: float = PAGE_TIMEOUT):
        res = self.send("Runtime.evaluate", {"expression": expression, "awaitPromise": True,
                                             "returnByValue": True}, session=True, timeout=timeout)
        if "exceptionDetails" in res:
            raise CDPError(f"JavaScript error: {res['exceptionDetails']}")
        return res["result"].get("value")

    def drain(self, seconds: float = 0.2) -> None:
        """Collect events that arrive within ``seconds`` (network finishes, console...)."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            msg = self._read_message(left)
            if msg is None:
                break
            if "method" in msg:
                self.events.append(msg)

    def screenshot(self, path: str, full_page: bool = True, max_height: int = 4000) -> None:
        """Save a PNG of the page. ``full_page``: the whole page up to ``max_height`` px,
        taken by making the viewport that tall (``captureBeyondViewport`` with a clip
        draws the book theme's sticky sidebars and header shifted, cutting off the left
        of the article), then restoring the viewport."""
        metrics = {"width": self.width, "height": self.height, "deviceScaleFactor": 1, "mobile": False}
        if full_page:
            height = min(int(self.evaluate("document.documentElement.scrollHeight")), max_height)
            self.send("Emulation.setDeviceMetricsOverride", {**metrics, "height": max(height, self.height)},
                      session=True)
            self.drain(0.5)
        try:
            data = self.send("Page.captureScreenshot", {"format": "png"}, session=True)["data"]
        finally:
            if full_page:
                self.send("Emulation.setDeviceMetricsOverride", metrics, session=True)
        with open(path, "wb") as fh:
            fh.write(base64.b64decode(data))

    def close(self) -> None:
        try:
            self.send("Browser.close", timeout=5)
        except (CDPError, OSError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._to_child_w, self._from_child_r):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self.profile_dir, ignore_errors=True)
