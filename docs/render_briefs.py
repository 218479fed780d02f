"""Render the brief of a scorecard folder in each language into docs/: ``docs/brief/brief.<lang>
.md`` and ``.html`` (with ``scorecard.<lang>.png``), a picture of each page in
``docs/img/brief_<lang>.png`` (headless Chromium through playwright), and the folder's
``scorecard.png`` copied to ``docs/img/scorecard.png``.

    clustersim scorecard --out runs/main --force      # the main job
    .venv/bin/python docs/render_briefs.py runs/main  # then this

``--no-pictures`` skips the pictures (no Chromium needed); ``--docs DIR`` writes into another
docs folder.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sim.i18n import LANGUAGES, language  # noqa: E402
from sim.reporting.brief import BriefInputError, brief_from_folder  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def picture(page: Path, png: Path) -> None:
    """A full-page picture of an HTML file, 1000 pixels wide."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        try:
            tab = browser.new_page(viewport={"width": 1000, "height": 800})
            tab.goto(page.resolve().as_uri())
            tab.screenshot(path=str(png), full_page=True)
        finally:
            browser.close()


def main(argv: list[str] | None = None) -> int:
    """Render the briefs (and their pictures) of a scorecard folder; returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="a folder written by `clustersim scorecard`")
    parser.add_argument("--docs", type=Path, default=ROOT / "docs", help="docs folder")
    parser.add_argument("--no-pictures", action="store_true", help="no PNG of the pages")
    args = parser.parse_args(argv)
    pictures = not args.no_pictures
    if pictures and not CHROMIUM.exists():
        print(f"render_briefs: {CHROMIUM} not found; install chromium or pass --no-pictures",
              file=sys.stderr)
        return 1
    out, img = args.docs / "brief", args.docs / "img"
    img.mkdir(parents=True, exist_ok=True)
    for lang in LANGUAGES:
        with language(lang):
            try:
                written = brief_from_folder(args.folder, out)
            except BriefInputError as err:
                print(f"render_briefs: {err}", file=sys.stderr)
                return 2
        print("wrote " + ", ".join(str(p) for p in written))
        if pictures:
            png = img / f"brief_{lang}.png"
            picture(out / f"brief.{lang}.html", png)
            print(f"wrote {png}")
    shutil.copyfile(args.folder / "scorecard.png", img / "scorecard.png")
    print(f"wrote {img / 'scorecard.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
