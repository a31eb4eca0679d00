#!/usr/bin/env python
"""Check the built docs site in a real browser, offline.

1. Every internal link of every html page of the site (each href and src that is relative or same-origin) points to a
   file that exists; external http(s) links, mailto:, data: and pure #anchors are ignored.
2. The site is served on 127.0.0.1 (a free port) and headless Chromium (Playwright; GMFPT_CHROMIUM, default
   /usr/bin/chromium, else chromium or google-chrome on PATH) opens the home page and one figure page: each must answer HTTP 200, fetch nothing from the site
   that fails, and show every <img> (naturalWidth > 0); the figure page must have at least one image. Requests to
   other hosts are blocked, so the check is the same with or without a network.
3. Maths: the home page and the manifold page show their formulas rendered (MathML `<math>` elements, made at build
   time by tools/mathml.py) and no raw TeX delimiters (`\\(`, `\\[`, `$$`) in their text outside code; the manifold page
   (an API page) shows nbdev's documented signatures (show_doc: each parameter with its docments comment).
4. Full-page screenshots: test-outputs/docs-home.png, docs-figure.png and docs-manifold.png.

Usage: python tools/check_site.py [FIGURE_PAGE] [--site DIR]
  FIGURE_PAGE: a page of the site, as `50_fig_tsne`, `50_fig_tsne.html` or `fig_tsne.html` (default: the first that
  exists of 50_fig_tsne, 51_fig_artifacts, 54_fig_clustering, 04_zoo). DIR: default _docs, else _proc/_docs.
Exits 1 with the list of problems, else 0. Build the site first with `bash tools/docs.sh`.
"""

import argparse
import functools
import http.server
import os
import re
import shutil
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
FIGURE_PAGES = ("50_fig_tsne", "51_fig_artifacts", "54_fig_clustering", "04_zoo")
MATH_PAGE = "05_manifold"   # an API page with maths: formulas rendered, and documented signatures
LINK_ATTRS = ("href", "src", "poster", "data")  # attributes that name a file the page needs or links to


class Links(HTMLParser):
    "Collect (tag, attribute, value) for every link-like attribute of a page, `srcset` entries included."

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = []

    def handle_starttag(self, tag, attrs):
        for k, v in attrs:
            if v is None:
                continue
            if k in LINK_ATTRS and not (tag == "object" and k != "data"):
                self.found.append((tag, k, v.strip()))
            elif k == "srcset":
                self.found += [(tag, k, part.strip().split()[0]) for part in v.split(",") if part.strip()]


def internal_target(site: Path, page: Path, url: str) -> Path | None:
    "The file an internal link points to, or None for a link that is not checked (external, mailto:, #anchor, ...)."
    if not url or url.startswith("#"):
        return None
    parts = urlsplit(url)
    if parts.scheme and parts.scheme not in ("http", "https"):
        return None  # mailto:, data:, javascript:, tel:, ...
    if parts.netloc and parts.netloc.split(":")[0] not in ("127.0.0.1", "localhost"):
        return None  # another site
    path = unquote(parts.path)
    if not path:
        return None  # `?q=...` only: the page itself
    target = (site / path.lstrip("/")) if path.startswith("/") else (page.parent / path)
    target = Path(os.path.normpath(target))
    return target / "index.html" if target.is_dir() or path.endswith("/") else target


def check_links(site: Path) -> tuple[int, int, list[str]]:
    "Check every internal link of every html page; return (pages, links checked, problems)."
    problems, n = [], 0
    pages = sorted(site.rglob("*.html"))
    for page in pages:
        p = Links()
        p.feed(page.read_text(encoding="utf-8", errors="replace"))
        for tag, attr, url in p.found:
            target = internal_target(site, page, url)
            if target is None:
                continue
            n += 1
            inside = target == site or site in target.parents
            if not inside or not target.is_file():
                why = "outside the site" if not inside else "no such file"
                problems.append(f"broken link in {page.relative_to(site)}: <{tag} {attr}={url!r}> ({why})")
    return len(pages), n, problems


def find_page(site: Path, name: str | None, defaults=FIGURE_PAGES) -> str | None:
    "The html file name of a page: NAME as given, or nbdev's name for it (no number prefix), else the first of `defaults`."
    for cand in [name] if name else defaults:
        stem = cand.removesuffix(".html").removesuffix(".ipynb")
        for f in (stem + ".html", re.sub(r"^\d+_", "", stem) + ".html"):
            if (site / f).is_file():
                return f
    return None


def serve(site: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    "Serve the site on 127.0.0.1, on a free port, from a thread; return the server and its base URL."
    handler = functools.partial(type("Quiet", (http.server.SimpleHTTPRequestHandler,), {"log_message": lambda *a: None}), directory=str(site))
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, f"http://127.0.0.1:{srv.server_address[1]}/"


# Make lazy images load, then wait until every image has finished (loaded or failed)
ALL_IMAGES_DONE = "() => { document.querySelectorAll('img[loading=lazy]').forEach(i => i.loading = 'eager'); return Array.from(document.images).every(i => i.complete); }"
IMAGES = "() => Array.from(document.images).map(i => ({src: (i.currentSrc || i.src || '').slice(0, 80), w: i.naturalWidth, h: i.naturalHeight}))"
# Rendered maths, raw TeX left in the text (code blocks excepted), and documented signatures (docments)
MATH = """() => { const b = document.querySelector('main') || document.body; const c = b.cloneNode(true);
  c.querySelectorAll('pre, code, script, style').forEach(e => e.remove());
  const t = c.textContent; const raw = ['\\\\(', '\\\\[', '$$'].filter(d => t.includes(d));
  const shown = Array.from(document.querySelectorAll('math')).filter(m => m.getBoundingClientRect().width > 0).length;
  return {math: document.querySelectorAll('math').length, shown: shown, raw: raw,
          docments: Array.from(document.querySelectorAll('pre')).some(p => /* a show_doc signature with its docments */
            (p.textContent.includes('def ') || p.textContent.includes('class ')) && p.textContent.includes(', #'))}; }"""


def browse(base: str, checks: list[tuple[str, str, Path, bool, set]], chromium: str) -> tuple[list[str], list[str]]:
    "Open each (label, page, screenshot, needs an image, other needs: 'math', 'docments') in headless Chromium; return (summary lines, problems)."
    from playwright.sync_api import sync_playwright

    lines, problems = [], []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            for label, name, shot, need_img, needs in checks:
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                bad = []
                page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(base) else r.abort())
                page.on("response", lambda r, bad=bad: r.url.startswith(base) and r.status >= 400 and bad.append(f"{r.status} {r.url[len(base) - 1:]}"))
                page.on("requestfailed", lambda r, bad=bad: r.url.startswith(base) and bad.append(f"failed {r.url[len(base) - 1:]}"))
                t = time.time()
                resp = page.goto(base + name, wait_until="load", timeout=60_000)
                if resp is None or resp.status != 200:
                    problems.append(f"{label} page {name}: HTTP {resp.status if resp else 'no response'}")
                try:
                    page.wait_for_function(ALL_IMAGES_DONE, timeout=30_000)
                except Exception:
                    problems.append(f"{label} page {name}: images still loading after 30s")
                imgs = page.evaluate(IMAGES)
                broken = [i["src"] for i in imgs if not i["w"]]
                problems += [f"{label} page {name}: image did not load: {s}" for s in broken]
                if need_img and not imgs:
                    problems.append(f"{label} page {name}: no <img> on the page (a figure page should show its figures)")
                problems += [f"{label} page {name}: request to the site failed: {b}" for b in bad]
                m = page.evaluate(MATH)
                problems += [f"{label} page {name}: raw TeX delimiter {d!r} in the text (maths not rendered)" for d in m["raw"]]
                if "math" in needs and not (m["math"] and m["shown"] == m["math"]):
                    problems.append(f"{label} page {name}: {m['shown']} of {m['math']} formulas rendered (expected some, all shown)")
                if "docments" in needs and not m["docments"]:
                    problems.append(f"{label} page {name}: no documented signature (show_doc with docments) on an API page")
                page.screenshot(path=str(shot), full_page=True)
                lines.append(f"{label}: {name} HTTP {resp.status if resp else '-'}, {len(imgs) - len(broken)}/{len(imgs)} images loaded, "
                             f"{m['shown']} formulas rendered, {time.time() - t:.1f}s -> {shot.relative_to(ROOT) if shot.is_relative_to(ROOT) else shot}")
                page.close()
        finally:
            browser.close()
    return lines, problems


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("page", nargs="?", help="the figure page to open (default: the first of %s that exists)" % ", ".join(FIGURE_PAGES))
    ap.add_argument("--site", help="the built site (default: _docs, else _proc/_docs)")
    ap.add_argument("--out", default=str(ROOT / "test-outputs"), help="where the screenshots go (default test-outputs/)")
    a = ap.parse_args()
    site = Path(a.site) if a.site else next((d for d in (ROOT / "_docs", ROOT / "_proc" / "_docs") if (d / "index.html").is_file()), ROOT / "_docs")
    site = site.resolve()
    if not (site / "index.html").is_file():
        print(f"check_site: FAILED: no site at {site} (no index.html); build it with: bash tools/docs.sh", file=sys.stderr)
        return 1
    chromium = os.environ.get("GMFPT_CHROMIUM", "/usr/bin/chromium")
    if "GMFPT_CHROMIUM" not in os.environ and not Path(chromium).is_file():  # e.g. GitHub's Ubuntu runners: Google Chrome
        chromium = next(filter(None, map(shutil.which, ("chromium", "google-chrome", "google-chrome-stable"))), chromium)
    if not Path(chromium).is_file():
        print(f"check_site: FAILED: no Chromium at {chromium} (set GMFPT_CHROMIUM, or apt-get install chromium)", file=sys.stderr)
        return 1
    figure = find_page(site, a.page)
    t = time.time()
    n_pages, n_links, problems = check_links(site)
    print(f"check_site: {site}: {n_pages} html pages, {n_links} internal links checked ({time.time() - t:.1f}s)")
    if figure is None:
        problems.append(f"no figure page: {a.page or ' / '.join(FIGURE_PAGES)} is not in the site")
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    checks = [("home", "index.html", out / "docs-home.png", False, {"math"})]
    if figure:
        checks.append(("figure", figure, out / "docs-figure.png", True, set()))
    math_page = find_page(site, MATH_PAGE, ())
    if math_page is None:
        problems.append(f"no page {MATH_PAGE} in the site")
    else:
        checks.append(("manifold", math_page, out / "docs-manifold.png", False, {"math", "docments"}))
    srv, base = serve(site)
    try:
        # Playwright's sync API refuses to run inside an asyncio loop, so it gets a thread of its own
        with ThreadPoolExecutor(1) as ex:
            lines, more = ex.submit(browse, base, checks, chromium).result()
    except Exception as e:
        lines, more = [], [f"the browser check could not run: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"]
    finally:
        srv.shutdown()
    problems += more
    for line in lines:
        print(f"check_site: {line}")
    if problems:
        print(f"check_site: FAILED: {len(problems)} problem(s):", file=sys.stderr)
        for p in problems:
            print(f"  - {p}", file=sys.stderr)
        return 1
    print("check_site: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
