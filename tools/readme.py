"""Write README.md from nbs/index.ipynb (what `nbdev-readme` does where Quarto is installed)."""
from pathlib import Path
from fastcore.nbio import read_nb

def _out_text(o):
    if o.get('output_type') == 'stream': return ''.join(o['text'])
    d = o.get('data', {})
    return ''.join(d['text/markdown']) if 'text/markdown' in d else ''.join(d.get('text/plain', ''))

def nb2md(nb_path='nbs/index.ipynb') -> str:
    parts = []
    for c in read_nb(nb_path).cells:
        src = ''.join(c.source)
        if c.cell_type == 'markdown':
            parts.append(src.replace('\n> ', '\n\n> ', 1) if src.startswith('# ') else src)
        elif not src.lstrip().startswith('#| hide'):
            parts.append(f'```python\n{src}\n```')
            outs = [t for t in map(_out_text, c.get('outputs', [])) if t.strip()]
            if outs: parts.append('\n'.join(f'    {l}' for t in outs for l in t.rstrip().splitlines()))
    return '\n\n'.join(parts) + '\n'

if __name__ == '__main__':
    root = Path(__file__).resolve().parent.parent
    (root/'README.md').write_text('<!-- Generated from nbs/index.ipynb by tools/readme.py; edit the notebook, not this file. -->\n\n' + nb2md(root/'nbs/index.ipynb'))
    print('wrote README.md')
