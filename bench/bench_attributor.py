"""Loading an attributor and attributing with it, at the size of the `quick` preset's attributor.

The stand-in: the 60,000 Fashion-MNIST training images as the reference set (the `quick` attributor's), a flat index,
20 sources and the `quick` preset's network shape (one residual block per stage); the network is untrained, which
changes no timing. Two spaces: RGB (the space `quick` ships) and SL (a learned encoder, here untrained: every reference
image goes through it when an index is rebuilt). Each is saved in this version's format (the index as arrays) and in the
previous one (reference images only: the index is rebuilt by embedding them at every load).

Measured, each in fresh processes (median of 3 after one warm-up run):
  1. `gmfpt attribute IMAGE --model DIR` and `gmfpt attribute FOLDER --model DIR` (1,000 PNGs), whole processes
     (targets for the current format, RGB: one image within 2 s, 1,000 within 10 s);
  2. the same in one process, split into importing gmfpt_nb.attribution (with torch), `Attributor.load`, and `predict`
     of 1 and 1,000 images, with the peak resident memory;
  3. the folder's size on disk.
Writes bench/results/attributor.json and .md, with the load average (other jobs inflate every timing).

Run: .venv/bin/python bench/bench_attributor.py
"""
import json, os, platform, shutil, statistics, subprocess, sys, tempfile, time
from pathlib import Path

OUT = Path(__file__).parent/'results'
PY, GMFPT = sys.executable, str(Path(sys.executable).parent/'gmfpt')

def build(d:Path):
    "Write the stand-in attributors (RGB and SL, current and previous format) and 1,000 test PNGs into `d`."
    import numpy as np, torch
    from PIL import Image
    from gmfpt_nb.data import load_fmnist
    from gmfpt_nb.spaces import RGBSpace, FeatureSpace, SmallResNet
    from gmfpt_nb.manifold import Manifold
    from gmfpt_nb.networks import AttributorNet
    from gmfpt_nb.attribution import Attributor
    from gmfpt_nb.store import load_json, save_json, load_tensors, save_tensors
    ref, _ = load_fmnist('train'); xq, _ = load_fmnist('test')
    classes = ['real'] + [f'gm-{i:02d}' for i in range(19)]
    torch.manual_seed(0)
    for name, sp in [('rgb', RGBSpace()), ('sl', FeatureSpace('sl', SmallResNet(1, 10).eval()))]:
        m = Manifold.build(sp, ref, verbose=False)
        net = AttributorNet(tuple(m.artifacts(ref[:2])['a'].shape[1:]), len(classes), n_blocks=1)
        Attributor(m, net, classes, info=dict(note='untrained stand-in, for bench_attributor')).save(d/name)
        shutil.copytree(d/name, d/f'{name}-v1')                       # the previous format: reference images only
        save_tensors({'ref': load_tensors(d/name/'reference.safetensors')['ref']}, d/f'{name}-v1'/'reference.safetensors')
        meta = load_json(d/f'{name}-v1'/'attributor.json'); meta['version'] = 1; save_json(meta, d/f'{name}-v1'/'attributor.json')
    (d/'imgs').mkdir()
    for i in range(1000): Image.fromarray(xq[i, 0].numpy()).save(d/'imgs'/f'{i:04d}.png')

def child(model:str, imgs:str):
    "In a fresh process: time import, load, predict 1 and 1,000 images; print JSON."
    t0 = time.perf_counter()
    import torch
    from gmfpt_nb.attribution import Attributor
    t1 = time.perf_counter(); att = Attributor.load(model)
    t2 = time.perf_counter(); files = sorted(Path(imgs).iterdir()); att.predict(files[:1])
    t3 = time.perf_counter(); att.predict(files)
    t4 = time.perf_counter()
    peak = int(next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM:'))) / 1024
    print(json.dumps(dict(import_s=t1 - t0, load_s=t2 - t1, predict_1_s=t3 - t2, predict_1000_s=t4 - t3, peak_rss_mib=peak)))

def run_s(cmd:list) -> float:
    t = time.perf_counter()
    r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if r.returncode: raise SystemExit(f"{' '.join(cmd)} failed ({r.returncode}): {r.stderr[-2000:]}")
    return time.perf_counter() - t

def median_of(cmd, n=3):
    run_s(cmd); return statistics.median(run_s(cmd) for _ in range(n))

def main():
    load0 = os.getloadavg()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp); build(d)
        one = str(sorted((d/'imgs').iterdir())[0])
        for name in ('rgb', 'rgb-v1', 'sl', 'sl-v1'):
            model = str(d/name)
            r = dict(attributor=name, space=name.split('-')[0], format='previous (v1)' if name.endswith('v1') else 'current (v2)',
                     size_mb=sum(f.stat().st_size for f in (d/name).iterdir()) / 1e6,
                     cli_1_s=median_of([GMFPT, 'attribute', one, '--model', model, '--quiet']),
                     cli_1000_s=median_of([GMFPT, 'attribute', str(d/'imgs'), '--model', model, '--quiet']))
            ph = [json.loads(subprocess.run([PY, __file__, '--child', model, str(d/'imgs')], capture_output=True, text=True,
                                            check=True).stdout.strip().splitlines()[-1]) for _ in range(3)]
            r.update({k: statistics.median(p[k] for p in ph) for k in ph[0]})
            rows.append(r)
            print(f"{name:7s} {r['size_mb']:6.1f} MB  gmfpt attribute: 1 image {r['cli_1_s']:.2f}s, 1,000 images "
                  f"{r['cli_1000_s']:.2f}s | import {r['import_s']:.2f}s, load {r['load_s']:.2f}s, predict 1 "
                  f"{r['predict_1_s']:.3f}s, 1,000 {r['predict_1000_s']:.2f}s, peak {r['peak_rss_mib']:.0f} MiB", flush=True)
    load1 = os.getloadavg()
    hw = dict(cpu=next((l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name')),
                       platform.processor()), cores=os.cpu_count(), python=platform.python_version(),
              load_avg_before=[round(v, 2) for v in load0], load_avg_after=[round(v, 2) for v in load1])
    by = {r['attributor']: r for r in rows}
    ratios = {s: dict(load=by[f'{s}-v1']['load_s'] / by[s]['load_s'], cli_1=by[f'{s}-v1']['cli_1_s'] / by[s]['cli_1_s'])
              for s in ('rgb', 'sl')}
    rgb = by['rgb']
    targets = dict(one_image=dict(measured_s=rgb['cli_1_s'], target_s=2.0, met=rgb['cli_1_s'] <= 2.0),
                   thousand_images=dict(measured_s=rgb['cli_1000_s'], target_s=10.0, met=rgb['cli_1000_s'] <= 10.0))
    OUT.mkdir(exist_ok=True)
    (OUT/'attributor.json').write_text(json.dumps(dict(hardware=hw, rows=rows, previous_over_current=ratios,
                                                       targets=targets), indent=1))
    md = ["# Loading an attributor and attributing with it (`quick`-sized stand-in)\n",
          f"Hardware: {hw['cpu']}, {hw['cores']} cores, Python {hw['python']}; load average (1, 5, 15 min) "
          f"{hw['load_avg_before']} before, {hw['load_avg_after']} after.\n",
          "Stand-in: 60,000 Fashion-MNIST reference images, flat index, 20 sources, the `quick` network shape, untrained. "
          "'current (v2)' saves the index as arrays; 'previous (v1)' holds only the reference images, and every load "
          "re-embeds them and rebuilds the index. Whole-process times are medians of 3 runs of `gmfpt attribute ... "
          "--quiet`; the phases are medians of 3 fresh processes.\n",
          f"Targets (RGB, current format): one image within 2 s: **{'met' if targets['one_image']['met'] else 'not met'}** "
          f"({rgb['cli_1_s']:.2f} s); 1,000 images within 10 s: "
          f"**{'met' if targets['thousand_images']['met'] else 'not met'}** ({rgb['cli_1000_s']:.2f} s). Importing torch and "
          f"the package takes {rgb['import_s']:.2f} s of the one-image time; loading {rgb['load_s']:.2f} s.\n",
          f"Previous / current format, load time: RGB {ratios['rgb']['load']:.1f}x, SL {ratios['sl']['load']:.1f}x.\n",
          "| attributor | format | size (MB) | `gmfpt attribute` 1 image (s) | 1,000 images (s) | import (s) | load (s) | "
          "predict 1 (s) | predict 1,000 (s) | peak RSS (MiB) |", "|---|---|---|---|---|---|---|---|---|---|"]
    md += [f"| {r['space']} | {r['format']} | {r['size_mb']:.1f} | {r['cli_1_s']:.2f} | {r['cli_1000_s']:.2f} | "
           f"{r['import_s']:.2f} | {r['load_s']:.2f} | {r['predict_1_s']:.3f} | {r['predict_1000_s']:.2f} | "
           f"{r['peak_rss_mib']:.0f} |" for r in rows]
    (OUT/'attributor.md').write_text('\n'.join(md) + '\n')
    print(f"load average before {hw['load_avg_before']}, after {hw['load_avg_after']}; wrote {OUT/'attributor.json'} and .md")

if __name__ == '__main__':
    if len(sys.argv) == 4 and sys.argv[1] == '--child': child(sys.argv[2], sys.argv[3])
    else: main()
