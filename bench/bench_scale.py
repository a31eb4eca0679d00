"""Memory and speed of the streamed stages as the generated set grows, on 64x64 RGB.

Data (written to a temporary folder): a real folder of 2,000 images and, twice over, two "generated" folders: the small
set holds 5,000 images per folder, the large one 20,000 (both several chunks of 4,096, so that the comparison is between
numbers of chunks, not between a set smaller than one chunk and a larger one). All are Fashion-MNIST images upsampled to 64x64 and tinted with
a random ink and paper colour each (a stand-in for a GM dataset: nothing here depends on what the images show).

Measured, each command in its own process (`/usr/bin/time`: peak resident memory and wall time):
  1. `gmfpt artifacts --real REAL --gen A B` on the small and the large set (streamed: 4,096 images per part);
  2. `gmfpt attribute A B --jsonl --out FILE` with an attributor over the real folder (RGB space, flat index, untrained
     network: no timing depends on its weights), on the small and the large set (streamed: 4,096 images per chunk).
  3. `gmfpt data FOLDER` and `gmfpt train FOLDER --epochs 1` on a GM dataset folder of the real images and the two
     generated folders (the GM images decoded once into an image store, then read a batch at a time; artifacts on disk);
  4. `gmfpt artifacts --index ivfpq` with 10,000 and then 50,000 real images (the reference set) and the small
     generated set: the real images are decoded once into a memory-mapped store, and the compressed index keeps
     about 70 bytes per reference image (a flat index would hold 49 kB each).
Reported: peak memory of the large set over the small one (target: <= 1.3 for 4x the images; for 5x the references), images/s.
Then a projection for 1M reference images x 20 models x 100k images at 256 px (see bench/results/scale.md).
Writes bench/results/scale.json and .md, with the load average (other jobs inflate every timing).

Run: .venv/bin/python bench/bench_scale.py            (--only data train: those stages, merged into scale.json)
"""
import json, os, platform, re, subprocess, sys, tempfile, time
from pathlib import Path

OUT = Path(__file__).parent/'results'
PY, GMFPT = sys.executable, str(Path(sys.executable).parent/'gmfpt')

def tinted(x, seed, flip=False):
    "Fashion-MNIST images (N,1,28,28) as 64x64 RGB uint8 (N,64,64,3): upsampled, ink and paper colours drawn per image."
    import torch
    g = torch.Generator().manual_seed(seed)
    xb = x.float() / 255
    if flip: xb = xb.flip(-1)
    xb = torch.nn.functional.interpolate(xb, size=64, mode='bilinear', align_corners=False)
    ink, paper = torch.rand(len(xb), 3, 1, 1, generator=g) * 0.75 + 0.25, torch.rand(len(xb), 3, 1, 1, generator=g) * 0.3
    return ((paper * (1 - xb) + ink * xb) * 255).round().clamp(0, 255).to(torch.uint8).permute(0, 2, 3, 1).numpy()

def write_pngs(arr, folder:Path):
    from PIL import Image
    folder.mkdir(parents=True)
    for i, a in enumerate(arr): Image.fromarray(a).save(folder/f'{i:05d}.png')

def make_refs(d:Path, n:int):
    "n real images (the Fashion-MNIST training and test images, then their mirror images), tinted, to d/refs-n."
    import torch
    from gmfpt_nb.data import load_fmnist
    x = torch.cat([load_fmnist('train')[0], load_fmnist('test')[0]])
    x = torch.cat([x, x.flip(-1)])[:n]
    write_pngs(tinted(x, 4), d/f'refs-{n}')

def make_data(d:Path):
    import torch
    from gmfpt_nb.data import load_fmnist
    xr, _ = load_fmnist('train'); xq, _ = load_fmnist('test')
    write_pngs(tinted(xr[:2000], 1), d/'real')
    for name, n in (('small', 5000), ('large', 20_000)):
        write_pngs(tinted(xr[2000:2000 + n], 2), d/name/'gm-a')
        write_pngs(tinted(xr[20_000:20_000 + n], 3, flip=True), d/name/'gm-b')

def attributor(d:Path):
    "An untrained RGB attributor over the real folder (flat index), saved to d/att."
    import torch
    from gmfpt_nb.data import read_images, list_images
    from gmfpt_nb.spaces import RGBSpace
    from gmfpt_nb.manifold import Manifold
    from gmfpt_nb.networks import AttributorNet
    from gmfpt_nb.attribution import Attributor
    ref = read_images(list_images(d/'real')).x
    m = Manifold.build(RGBSpace(), ref, verbose=False)
    torch.manual_seed(0)
    net = AttributorNet(tuple(ref.shape[1:]), 3, n_blocks=1)
    Attributor(m, net, ['real', 'gm-a', 'gm-b'], info=dict(note='untrained, for bench_scale')).save(d/'att')

STAGES = {'artifacts': '`gmfpt artifacts`', 'attribute': '`gmfpt attribute --jsonl`', 'data': '`gmfpt data`',
          'train': '`gmfpt train --epochs 1`'}

def timed(cmd:list) -> dict:
    "Run `cmd` under /usr/bin/time: wall seconds and peak resident memory (MiB); it must succeed."
    r = subprocess.run(['/usr/bin/time', '-f', 'TIME %e %M', *cmd], capture_output=True, text=True)
    if r.returncode: raise SystemExit(f"{' '.join(cmd)} failed ({r.returncode}): {r.stderr[-2000:]}")
    s, kb = re.findall(r'TIME ([\d.]+) (\d+)', r.stderr)[-1]
    return dict(wall_s=float(s), peak_mib=int(kb) / 1024)

def folder_stages(d:Path, name:str) -> dict:
    "`gmfpt data` and `gmfpt train` on the GM dataset folder d/name (real/ linked to the real images)."
    (d/name/'real').symlink_to(d/'real', target_is_directory=True)
    data = timed([GMFPT, 'data', str(d/name), '--json'])
    train = timed([GMFPT, 'train', str(d/name), '--out', str(d/f'att-{name}'), '--cache', str(d/f'cache-train-{name}'),
                   '--preset', 'tiny', '--epochs', '1'])
    info = json.loads((d/f'att-{name}'/'attributor.json').read_text())
    return dict(data=data, train=train, train_info={k: info.get('info', {}).get(k) for k in ('n_train', 'n_test', 'test_accuracy')})

def main(only=None):
    load0 = os.getloadavg(); prev = OUT/'scale.json'
    res = json.loads(prev.read_text())['runs'] if only and prev.exists() else {}
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp); t = time.perf_counter(); make_data(d); attributor(d)
        print(f"data written in {time.perf_counter() - t:.0f}s", flush=True)
        for name, n in (('small', 10_000), ('large', 40_000)):
            if only:
                r = folder_stages(d, name); res[name].update(r, data_images_per_s=(n + 2000) / r['data']['wall_s'],
                                                             train_images_per_s=(n + 1000) / r['train']['wall_s'])
                print(f"{name}: gmfpt data {r['data']['wall_s']:.1f}s, peak {r['data']['peak_mib']:.0f} MiB | gmfpt train "
                      f"{r['train']['wall_s']:.1f}s, peak {r['train']['peak_mib']:.0f} MiB; {r['train_info']}", flush=True)
                continue
            gens = [str(d/name/'gm-a'), str(d/name/'gm-b')]
            art = timed([GMFPT, 'artifacts', '--real', str(d/'real'), '--gen', *gens, '--out', str(d/f'art-{name}'),
                         '--cache', str(d/f'cache-{name}'), '--preset', 'tiny'])
            att = timed([GMFPT, 'attribute', *gens, '--model', str(d/'att'), '--jsonl', '--quiet',
                         '--out', str(d/f'pred-{name}.jsonl')])
            lines = sum(1 for _ in open(d/f'pred-{name}.jsonl'))
            assert lines == n, f"{lines} predictions for {n} images"
            res[name] = dict(n_images=n, artifacts=art, attribute=att,
                             artifacts_images_per_s=n / art['wall_s'], attribute_images_per_s=n / att['wall_s'])
            print(f"{name}: {n} images | gmfpt artifacts {art['wall_s']:.1f}s, peak {art['peak_mib']:.0f} MiB | "
                  f"gmfpt attribute {att['wall_s']:.1f}s, peak {att['peak_mib']:.0f} MiB", flush=True)
            res[name].update(folder_stages(d, name))
            for s in ('data', 'train'): res[name][f'{s}_images_per_s'] = (n + 2000 - 1000 * (s == 'train')) / res[name][s]['wall_s']
        for n in (10_000, 50_000):
            if only: break
            make_refs(d, n)
            r = timed([GMFPT, 'artifacts', '--real', str(d/f'refs-{n}'), '--gen', str(d/'small'/'gm-a'), str(d/'small'/'gm-b'),
                       '--out', str(d/f'art-refs-{n}'), '--cache', str(d/f'cache-refs-{n}'), '--preset', 'tiny',
                       '--index', 'ivfpq'])
            res[f'refs_{n}'] = dict(n_references=n, artifacts=r)
            print(f"{n} references (ivfpq): gmfpt artifacts {r['wall_s']:.1f}s, peak {r['peak_mib']:.0f} MiB", flush=True)
    ratios = {s: res['large'][s]['peak_mib'] / res['small'][s]['peak_mib'] for s in STAGES if s in res['large']}
    ratios['artifacts_references'] = res['refs_50000']['artifacts']['peak_mib'] / res['refs_10000']['artifacts']['peak_mib']
    load1 = os.getloadavg()
    hw = dict(cpu=next((l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name')),
                       platform.processor()), cores=os.cpu_count(), python=platform.python_version(),
              omp_num_threads=os.environ.get('OMP_NUM_THREADS'),
              load_avg_before=[round(v, 2) for v in load0], load_avg_after=[round(v, 2) for v in load1])
    doc = dict(hardware=hw, runs=res, peak_ratio_large_small=ratios, target='peak memory ratio <= 1.3 for 4x the images')
    if only and prev.exists():             # the other stages' run keeps its own hardware line
        doc.update(hardware=json.loads(prev.read_text())['hardware'], hardware_folder_stages=hw)
    OUT.mkdir(exist_ok=True)
    (OUT/'scale.json').write_text(json.dumps(doc, indent=1))
    render(doc)
    print(f"peak ratios {ratios}; load average {hw['load_avg_before']} -> {hw['load_avg_after']}; wrote {OUT/'scale.md'}")

def _hw_line(hw):
    return (f"{hw['cpu']}, {hw['cores']} cores, Python {hw['python']}"
            + (f", OMP_NUM_THREADS={hw['omp_num_threads']}" if hw.get('omp_num_threads') else '')
            + f"; load average (1, 5, 15 min) {hw['load_avg_before']} before, {hw['load_avg_after']} after")

def render(doc):
    "scale.md from the results of scale.json."
    res, ratios, hw = doc['runs'], doc['peak_ratio_large_small'], doc['hardware']
    md = ["# Streamed stages as the generated set grows (64x64 RGB)\n", f"Hardware: {_hw_line(hw)}.\n"]
    if 'hardware_folder_stages' in doc:
        md.append(f"`gmfpt data` and `gmfpt train` were measured in another run (`--only data train`): "
                  f"{_hw_line(doc['hardware_folder_stages'])}. A load above the core count slows their times, "
                  "not their memory.\n")
    md += ["2,000 real images; generated: 2 folders x 5,000 (small) or x 20,000 (large) images, 64x64 RGB PNG "
           "(upsampled, tinted Fashion-MNIST). Each command in its own process; peak resident memory from `/usr/bin/time`.\n",
           "| stage | images | wall (s) | images/s | peak memory (MiB) |", "|---|---|---|---|---|"]
    for s, label in STAGES.items():
        if s not in res['large']: continue
        for name in ('small', 'large'):
            r = res[name]
            md.append(f"| {label} | {r['n_images']:,} | {r[s]['wall_s']:.1f} | {r[s + '_images_per_s']:.0f} | "
                      f"{r[s]['peak_mib']:.0f} |")
    md += ["", "Reference set (`gmfpt artifacts --index ivfpq`, 10,000 generated images):", "",
           "| references | wall (s) | peak memory (MiB) |", "|---|---|---|"]
    md += [f"| {res[k]['n_references']:,} | {res[k]['artifacts']['wall_s']:.1f} | {res[k]['artifacts']['peak_mib']:.0f} |"
           for k in ('refs_10000', 'refs_50000')]
    md += ["", "Peak memory ratios (target <= 1.3): " +
           ", ".join(f"{s} {v:.2f} ({'met' if v <= 1.3 else 'NOT met'})" for s, v in ratios.items()) +
           " (artifacts, attribute, data and train: 4x the generated images; artifacts_references: 5x the reference "
           "images). `gmfpt data` and `gmfpt train` read the real images as well (2,000 more; `train`: the 1,000 "
           "held-out ones, the other half is the reference set), and `images/s` counts them."]
    (OUT/'scale.md').write_text('\n'.join(md) + '\n')

if __name__ == '__main__':
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--only', nargs='*', choices=['data', 'train'], help='only the folder stages, merged into scale.json')
    ap.add_argument('--render', action='store_true', help='only rewrite scale.md from scale.json')
    a = ap.parse_args()
    if a.render: render(json.loads((OUT/'scale.json').read_text()))
    else: main(a.only)
