"""Screenshot a comparison's ``report.html`` in a real headless browser and check its layout.

The HTML report is read in browsers of every width; this script renders it with Chromium
(Debian: ``apt-get install chromium``) at each asked width, writes a full-page PNG per width,
and prints what a reader would trip over: a page wider than the window (sideways scrolling
of the whole page), tables that scroll inside their box, and images wider than the text.
Look at the PNGs as well: the numbers say whether things fit, not whether they read well.

Usage::

    python -m harness compare --out results/demo
    python scripts/screenshot_report.py results/demo --out screenshots
    python scripts/screenshot_report.py results/demo/report.html --widths 800 1400

Exit status: 0 when the page fits every width, 1 when it overflows at some width, 2 when
the browser or the report is missing.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
MAX_HEIGHT = 30_000  # px: Chromium's screenshots stop being reliable beyond this

# Runs in the page after it has loaded: measures the layout and leaves the result in the DOM,
# where --dump-dom prints it. The report itself holds no script; only the measured copy does.
_PROBE = """
<script>
window.addEventListener("load", () => {
  const root = document.documentElement;
  const body = document.body.getBoundingClientRect();
  const scrolls = (box) => box.scrollWidth > box.clientWidth + 1;
  const scrolled = [...document.querySelectorAll(".table")]
    .filter(scrolls)
    .map((box) => (box.querySelector("caption") || box).textContent.slice(0, 80));
  const scrolledFigures = [...document.querySelectorAll(".figure")]
    .filter(scrolls)
    .map((box) => box.querySelector("img").alt);
  // An image in a box that scrolls is meant to; one that sticks out of the text is not.
  const wide = [...document.images]
    .filter((img) => !img.closest(".figure") || !scrolls(img.closest(".figure")))
    .filter((img) => img.getBoundingClientRect().width > body.width + 1)
    .map((img) => img.alt);
  const out = document.createElement("pre");
  out.id = "layout-probe";
  out.textContent = JSON.stringify({
    viewport: window.innerWidth,
    page_width: root.scrollWidth,
    page_height: root.scrollHeight,
    scrolling_tables: scrolled,
    scrolling_figures: scrolledFigures,
    wide_images: wide,
  });
  document.body.appendChild(out);
});
</script>
"""


@dataclass(frozen=True, slots=True, kw_only=True)
class Layout:
    """What the browser measured at one window width.

    Attributes:
        width: The window width asked for (px).
        viewport: The page's viewport width.
        page_width: The document's scroll width (wider than the viewport: the page overflows).
        page_height: The document's height.
        scrolling_tables: Captions of tables that scroll sideways inside their box.
        scrolling_figures: Figures shown at their minimum readable width, scrolling sideways
            inside their box.
        wide_images: Alt texts of images wider than the text column.
        screenshot: The PNG written.
    """

    width: int
    viewport: int
    page_width: int
    page_height: int
    scrolling_tables: list[str]
    scrolling_figures: list[str]
    wide_images: list[str]
    screenshot: Path

    @property
    def overflows(self) -> bool:
        """Whether the whole page scrolls sideways or an image sticks out."""
        return self.page_width > self.viewport or bool(self.wide_images)


def find_browser(name: str | None = None) -> str | None:
    """Path of a Chromium-like browser: ``name`` if given, else the first one installed."""
    for candidate in (name,) if name else BROWSERS:
        found = shutil.which(candidate)
        if found:
            return found
    return None


def _run(browser: str, profile: Path, args: list[str], timeout: float) -> str:
    done = subprocess.run(
        [
            browser,
            "--headless",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            f"--user-data-dir={profile}",
            # The root user (containers, CI) cannot use Chromium's sandbox.
            *(["--no-sandbox"] if os.geteuid() == 0 else []),
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{Path(browser).name} failed: {done.stderr.strip()[-500:]}")
    return done.stdout


def screenshot(
    html: Path, out: Path, widths: list[int], *, browser: str, timeout: float = 120.0
) -> list[Layout]:
    """Render ``html`` at each width; write ``report_<width>.png`` into ``out``.

    Args:
        html: The report's HTML file.
        out: Directory for the screenshots (created).
        widths: Window widths in px.
        browser: Path of the Chromium-like browser.
        timeout: Seconds one browser call may take.

    Returns:
        The measured layout per width.
    """
    out.mkdir(parents=True, exist_ok=True)
    text = html.read_text(encoding="utf-8")
    layouts = []
    with tempfile.TemporaryDirectory(prefix="report-shot-") as tmp:
        tmp_dir = Path(tmp)
        probe = tmp_dir / "probed.html"
        probe.write_text(text.replace("</body>", _PROBE + "</body>", 1), encoding="utf-8")
        for width in widths:
            dom = _run(
                browser,
                tmp_dir / "profile",
                [f"--window-size={width},1000", "--dump-dom", probe.as_uri()],
                timeout,
            )
            start = dom.find('<pre id="layout-probe">')
            if start < 0:
                raise RuntimeError("the browser did not run the layout probe")
            body = dom[start + len('<pre id="layout-probe">') : dom.find("</pre>", start)]
            measured = json.loads(body.replace("&amp;", "&").replace("&lt;", "<"))
            height = min(int(measured["page_height"]) + 40, MAX_HEIGHT)
            png = out / f"report_{width}.png"
            # The screenshot is of the report itself, without the probe's output.
            _run(
                browser,
                tmp_dir / "profile",
                [f"--window-size={width},{height}", f"--screenshot={png}", html.resolve().as_uri()],
                timeout,
            )
            layouts.append(
                Layout(
                    width=width,
                    viewport=int(measured["viewport"]),
                    page_width=int(measured["page_width"]),
                    page_height=int(measured["page_height"]),
                    scrolling_tables=list(measured["scrolling_tables"]),
                    scrolling_figures=list(measured["scrolling_figures"]),
                    wide_images=list(measured["wide_images"]),
                    screenshot=png,
                )
            )
    return layouts


def main(argv: list[str] | None = None) -> int:
    """Run the script; returns the exit status."""
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("report", type=Path, help="comparison directory or its report.html")
    parser.add_argument("--out", type=Path, default=Path("screenshots"), help="PNG directory")
    parser.add_argument("--widths", type=int, nargs="+", default=[800, 1400], metavar="PX")
    parser.add_argument("--browser", help="browser executable (default: the first Chromium)")
    args = parser.parse_args(argv)
    html = args.report / "report.html" if args.report.is_dir() else args.report
    if not html.is_file():
        print(f"error: {html}: no such report", file=sys.stderr)
        return 2
    browser = find_browser(args.browser)
    if browser is None:
        print("error: no Chromium found (Debian: apt-get install chromium)", file=sys.stderr)
        return 2
    if any(w < 200 or w > 10_000 for w in args.widths):
        print(f"error: --widths {args.widths}: each must be 200..10000 px", file=sys.stderr)
        return 2
    layouts = screenshot(html, args.out, args.widths, browser=browser)
    for lay in layouts:
        verdict = "page overflows" if lay.overflows else "fits"
        print(
            f"{lay.width} px: {verdict} (page {lay.page_width} x {lay.page_height} px in a "
            f"{lay.viewport} px viewport); {len(lay.scrolling_tables)} table(s) and "
            f"{len(lay.scrolling_figures)} figure(s) scroll sideways in their box; "
            f"screenshot {lay.screenshot}"
        )
        for caption in lay.scrolling_tables:
            print(f"  table scrolls: {caption}")
        for alt in lay.scrolling_figures:
            print(f"  figure scrolls: {alt}")
        for alt in lay.wide_images:
            print(f"  image wider than the text: {alt}")
    return 1 if any(lay.overflows for lay in layouts) else 0


if __name__ == "__main__":
    sys.exit(main())
