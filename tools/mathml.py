#!/usr/bin/env python
"""Render the maths of a built docs site as MathML, offline.

smalldocs writes each `$...$` / `$$...$$` of the notebooks as `<span class="math inline|display">\\(...\\)</span>` for
KaTeX's auto-render script, which it links from a CDN: unreachable offline, so the reader sees raw TeX. This replaces
every such span with MathML made at build time by `latex2mathml` (browsers render MathML natively) and drops the CDN
links. Usage: python tools/mathml.py SITE_DIR. Exits 1 naming the page and the TeX that could not be converted.
"""
import html, re, sys
from pathlib import Path
from latex2mathml.converter import convert

SPAN = re.compile(r'<span class="math (inline|display)">\\[(\[](.*?)\\[)\]]</span>', re.S)
KATEX = re.compile(r'<(?:link|script)\b[^>]*katex[^>]*>(?:</script>)?\s*')
SUBS = {r'\arg\min': r'\mathop{\mathrm{arg\,min}}', r'\arg\max': r'\mathop{\mathrm{arg\,max}}'}  # what latex2mathml lacks
RAW = re.compile(r'<m[io][^>]*>(\\[A-Za-z]+)</m[io]>')   # a TeX command latex2mathml did not know, left as text

def to_mathml(tex:str, display:bool=False) -> str:
    "MathML for `tex`; a `ValueError` names a TeX command that would be shown raw."
    for a, b in SUBS.items(): tex = tex.replace(a, b)
    out = convert(tex, display='block' if display else 'inline')
    if m := RAW.search(out): raise ValueError(f"{m.group(1)} is not supported by latex2mathml (in {tex!r}); rewrite it")
    return out

def render(page:str) -> tuple[str, int]:
    "The page with every maths span as MathML, and the number of spans converted."
    n = 0
    def one(m):
        nonlocal n
        tex = html.unescape(m.group(2)).strip()
        mathml = to_mathml(tex, m.group(1) == 'display')
        n += 1
        return f'<span class="math {m.group(1)}">{mathml}</span>'
    return KATEX.sub('', SPAN.sub(one, page)), n

def main(site:Path) -> int:
    pages, spans = 0, 0
    for f in sorted(site.rglob('*.html')):
        text = f.read_text(encoding='utf-8')
        try: new, n = render(text)
        except Exception as e:
            print(f"mathml: FAILED: {f.relative_to(site)}: {type(e).__name__}: {e}", file=sys.stderr); return 1
        if new != text: f.write_text(new, encoding='utf-8'); pages += 1; spans += n
    print(f"mathml: {spans} formulas rendered as MathML on {pages} pages")
    return 0

if __name__ == '__main__':
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else '_docs')))
