"""Take the digest screenshots in docs/screens/ from a running tracker with a compiled digest.

    .venv/bin/pip install playwright        # the Python package only; it drives the system Chromium
    .venv/bin/python scripts/screens.py --base-url http://127.0.0.1:5000 \
        --username eakao.dieuphoi --password demo-dieuphoi-2025

It signs in through the login form, opens the menu's digest (today's, else the newest), saves the
page at 360 px wide (full height) as ``digest-360.png``, downloads the page's PDF and renders its
first page with ``pdftoppm`` as ``digest-a4.png``. It also prints the page to PDF the way a
browser prints it and reports how many A4 pages that takes (the print CSS aims at one).
Needs ``chromium`` and ``pdftoppm`` (poppler-utils) on the PATH, or ``--chromium PATH``.
"""
import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright
from pypdf import PdfReader

OUT = Path(__file__).resolve().parents[1] / "docs" / "screens"


def parse_args():
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:5000")
    parser.add_argument("--username", default="eakao.dieuphoi")
    parser.add_argument("--password", default="demo-dieuphoi-2025")
    parser.add_argument("--path", default="/digests", help="the digest page to take (default: the menu's)")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    parser.add_argument("--out", type=Path, default=OUT)
    return parser.parse_args()


def sign_in(page, args):
    """Sign in through the login form."""
    page.goto(f"{args.base_url}/login")
    page.fill("input[name=username]", args.username)
    page.fill("input[name=password]", args.password)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()


def take_phone(page, args):
    """Save the digest page at 360 px as digest-360.png; return the page's PDF address."""
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{args.base_url}{args.path}")
    page.screenshot(path=str(args.out / "digest-360.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    print(f"digest-360.png: {page.url} (page width {width} px{', OVERFLOWS' if width > 360 else ''})")
    return page.eval_on_selector("a[href$='.pdf'], a[href*='.pdf?']", "link => link.href")


def take_pdf(context, pdf_url, args):
    """Render the first page of the digest's PDF as digest-a4.png."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "digest.pdf"
        path.write_bytes(context.request.get(pdf_url).body())
        pages = len(PdfReader(path).pages)
        subprocess.run(["pdftoppm", "-png", "-r", "90", "-f", "1", "-l", "1", "-singlefile", str(path),
                        str(args.out / "digest-a4")], check=True)
    print(f"digest-a4.png: {pdf_url} ({pages} page{'s' if pages != 1 else ''})")


def count_printed_pages(page):
    """Print the page as the browser would (A4) and return the number of pages."""
    page.emulate_media(media="print")
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        page.pdf(path=handle.name, prefer_css_page_size=True, print_background=True)
        return len(PdfReader(handle.name).pages)


def main():
    """Take both screenshots."""
    args = parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=args.chromium)
        context = browser.new_context(locale="vi-VN", device_scale_factor=2)
        page = context.new_page()
        sign_in(page, args)
        pdf_url = take_phone(page, args)
        take_pdf(context, pdf_url, args)
        printed = count_printed_pages(page)
        print(f"the page prints on {printed} A4 page{'s' if printed != 1 else ''}")
        browser.close()
    return 0 if printed == 1 else 1


if __name__ == "__main__":
    sys.exit(main())
