"""Write README.md from nbs/index.ipynb (what `nbdev-readme` does where Quarto is installed).

Markdown cells are copied; code cells are shown unless hidden (`#| hide`) or marked `#| echo: false`; Markdown outputs
are copied, other text outputs indented; PNG outputs (figures) are written to images/ and linked."""
import base64, io
from PIL import Image
from pathlib import Path
from fastcore.nbio import read_nb

def _out_text(o):
    if o.get('output_type') == 'stream': return ''.join(o['text'])
    d = o.get('data', {})
    if 'image/png' in d: return ''
    return ''.join(d['text/markdown']) if 'text/markdown' in d else ''.join(d.get('text/plain', ''))

def nb2md(nb_path='nbs/index.ipynb', images:Path|None=None) -> str:
    parts, n_img = [], 0
    for c in read_nb(nb_path).cells:
        src = ''.join(c.source)
        if c.cell_type == 'markdown':
            parts.append(src.replace('\n> ', '\n\n> ', 1) if src.startswith('# ') else src)
            continue
        if src.lstrip().startswith('#| hide'): continue
        if '#| echo: false' not in src:
            parts.append('```python\n' + '\n'.join(l for l in src.splitlines() if not l.startswith('#|')) + '\n```')
        md = [o for o in c.get('outputs', []) if 'text/markdown' in o.get('data', {})]   # shown as Markdown (tables)
        outs = [t for t in map(_out_text, [o for o in c.get('outputs', []) if o not in md]) if t.strip()]
        if outs: parts.append('\n'.join(f'    {l}' for t in outs for l in t.rstrip().splitlines()))
        parts += [''.join(o['data']['text/markdown']).strip() for o in md]
        for o in c.get('outputs', []):
            png = o.get('data', {}).get('image/png')
            if png and images is not None:
                n_img += 1; images.mkdir(exist_ok=True)
                img = Image.open(io.BytesIO(base64.b64decode(''.join(png))))
                if img.width > 1400: img = img.resize((1400, round(img.height * 1400 / img.width)), Image.LANCZOS)   # a readable size for the page
                img.save(images/f'readme-{n_img}.png', optimize=True)
                parts.append(f'![figure {n_img}](images/readme-{n_img}.png)')
    return '\n\n'.join(parts) + '\n'

if __name__ == '__main__':
    root = Path(__file__).resolve().parent.parent
    (root/'README.md').write_text('<!-- Generated from nbs/index.ipynb by tools/readme.py; edit the notebook, not this file. -->\n\n'
                                  + nb2md(root/'nbs/index.ipynb', root/'images'))
    print('wrote README.md')
