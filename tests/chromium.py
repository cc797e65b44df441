"""Headless Chromium for the report tests: open a page, run JavaScript, return its value."""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import tempfile
import time

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium() -> str | None:
    """Path of a Chromium (or Chrome) binary, or None; $SERENADE_CHROMIUM overrides."""
    if os.environ.get("SERENADE_CHROMIUM"):
        return os.environ["SERENADE_CHROMIUM"]
    return next((found for name in CHROMIUM_NAMES if (found := shutil.which(name))), None)


def chromium_evaluate(url: str, expression: str, *, timeout: float = 120.0,
                      chromium: str | None = None, screenshot: str | os.PathLike | None = None,
                      window: tuple[int, int] = (1600, 1000)):
    """Open `url` in headless Chromium, wait for its load event, evaluate the JavaScript
    `expression` (a promise is awaited) and return its JSON value; with `screenshot`, save a
    PNG of the page (a `window`-sized viewport) as it is after the expression.

    Talks the DevTools protocol over --remote-debugging-pipe (NUL-separated JSON on fds 3/4),
    so no websocket client is needed; a fresh profile in a temporary folder each time.
    """
    binary = chromium or find_chromium()
    if binary is None:
        raise FileNotFoundError("no Chromium found (install the Debian package `chromium`)")
    to_browser_r, to_browser_w = os.pipe()
    from_browser_r, from_browser_w = os.pipe()

    def child_fds():  # the browser reads commands on fd 3 and answers on fd 4
        commands, answers = os.dup(to_browser_r), os.dup(from_browser_w)  # neither is 3 or 4 now
        os.dup2(commands, 3)
        os.dup2(answers, 4)

    with tempfile.TemporaryDirectory(prefix="serenade-chromium-") as profile:
        process = subprocess.Popen(
            [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--disable-dev-shm-usage", f"--user-data-dir={profile}",
             f"--window-size={window[0]},{window[1]}",
             "--remote-debugging-pipe", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            preexec_fn=child_fds, pass_fds=(3, 4))
        os.close(to_browser_r)
        os.close(from_browser_w)
        deadline = time.monotonic() + timeout
        buffer, counter = b"", 0

        def receive() -> dict:
            nonlocal buffer
            while b"\0" not in buffer:
                left = deadline - time.monotonic()
                if left <= 0 or not select.select([from_browser_r], [], [], left)[0]:
                    raise TimeoutError(f"Chromium did not answer within {timeout:g} s ({url})")
                chunk = os.read(from_browser_r, 1 << 20)
                if not chunk:
                    raise RuntimeError("Chromium closed the DevTools pipe: "
                                       + process.stderr.read().decode(errors="replace")[-2000:])
                buffer += chunk
            message, buffer = buffer.split(b"\0", 1)
            return json.loads(message)

        def call(method: str, session: str | None = None, **params) -> dict:
            nonlocal counter
            counter += 1
            message = {"id": counter, "method": method, "params": params}
            if session:
                message["sessionId"] = session
            os.write(to_browser_w, json.dumps(message).encode() + b"\0")
            while True:
                answer = receive()
                if answer.get("id") == counter:
                    if "error" in answer:
                        raise RuntimeError(f"{method}: {answer['error']}")
                    return answer["result"]

        try:
            target = call("Target.createTarget", url="about:blank")["targetId"]
            session = call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
            call("Page.enable", session)
            call("Page.navigate", session, url=url)
            while receive().get("method") != "Page.loadEventFired":
                pass
            result = call("Runtime.evaluate", session, expression=expression, awaitPromise=True,
                          returnByValue=True)
            if "exceptionDetails" in result:
                details = result["exceptionDetails"]
                raise RuntimeError(f"JavaScript error in {url}: "
                                   f"{details.get('exception', {}).get('description') or details}")
            if screenshot is not None:
                image = call("Page.captureScreenshot", session, format="png")["data"]
                with open(screenshot, "wb") as handle:
                    handle.write(base64.b64decode(image))
            return result["result"].get("value")
        finally:
            try:
                os.write(to_browser_w, json.dumps({"id": 0, "method": "Browser.close"}).encode() + b"\0")
                process.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                process.kill()
                process.wait()
            os.close(to_browser_w)
            os.close(from_browser_r)
            process.stderr.close()
