"""Start-up time of the `gmfpt` command: whole processes, timed from launch to exit.

Times, each several times (the median is reported; one untimed warm-up run first): `python -c pass` (the reference),
`python -c "import torch"`, `gmfpt --help`, `gmfpt attribute --help` and `gmfpt attribute IMAGE --model DIR` on one
28x28 PNG with a tiny attributor built here in a temporary folder (RGB space, 200 random grey reference images, an
untrained `AttributorNet`; nothing is trained). Prints the medians, their ratios to the reference, whether the targets
are met (`gmfpt --help` <= 0.5 s; `gmfpt attribute` <= 2 s) and the load average, which skews every number on a
shared machine. Writes bench/results/startup.json and .md.

Run: .venv/bin/python bench/bench_startup.py
"""
import json, os, platform, statistics, subprocess, sys, tempfile, time
from pathlib import Path

OUT = Path(__file__).parent/'results'
PY, GMFPT = sys.executable, str(Path(sys.executable).parent/'gmfpt')

def tiny_attributor(d:Path) -> tuple[Path, Path]:
    "Write an untrained RGB-space attributor over 200 random 28x28 grey images and one test PNG into `d`."
    import numpy as np, torch
    from PIL import Image
    from gmfpt_nb.spaces import RGBSpace
    from gmfpt_nb.manifold import Manifold, IndexConfig
    from gmfpt_nb.networks import AttributorNet
    from gmfpt_nb.attribution import Attributor
    g = torch.Generator().manual_seed(0)
    ref = torch.randint(0, 256, (200, 1, 28, 28), generator=g, dtype=torch.uint8)
    m = Manifold.build(RGBSpace(), ref, IndexConfig(gpu=False), verbose=False)
    torch.manual_seed(0)
    net = AttributorNet(tuple(m.artifacts(ref[:2])['a'].shape[1:]), 3)
    Attributor(m, net, ['real', 'gm-a', 'gm-b'], info=dict(note='untrained, for bench_startup')).save(d/'att')
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (28, 28), dtype=np.uint8)).save(d/'img.png')
    return d/'att', d/'img.png'

def run_s(cmd:list) -> float:
    "Seconds from launching `cmd` to its exit; it must succeed."
    t = time.perf_counter()
    r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    s = time.perf_counter() - t
    if r.returncode: raise SystemExit(f"{' '.join(cmd)} failed ({r.returncode}): {r.stderr[-2000:]}")
    return s

def main(reps:int=7, slow_reps:int=5):
    load0 = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        att, img = tiny_attributor(Path(tmp))
        cases = [('python -c pass', [PY, '-c', 'pass'], None, reps),
                 ('python -c "import torch"', [PY, '-c', 'import torch'], None, slow_reps),
                 ('gmfpt --help', [GMFPT, '--help'], 0.5, reps),
                 ('gmfpt attribute --help', [GMFPT, 'attribute', '--help'], 2.0, reps),
                 ('gmfpt attribute IMAGE --model DIR', [GMFPT, 'attribute', str(img), '--model', str(att)], 2.0, slow_reps)]
        rows = []
        for name, cmd, target, n in cases:
            run_s(cmd)                                                    # warm-up: page cache, .pyc files
            ts = [run_s(cmd) for _ in range(n)]
            rows.append(dict(command=name, runs=n, median_s=round(statistics.median(ts), 3),
                             min_s=round(min(ts), 3), max_s=round(max(ts), 3), target_s=target))
            print(f"{name:36s} median {rows[-1]['median_s']:6.3f}s  (min {min(ts):.3f}, max {max(ts):.3f}, {n} runs)",
                  flush=True)
    torch_loaded = subprocess.run([PY, '-c', "import gmfpt_nb.cli, sys; print('torch' in sys.modules)"],
                                  capture_output=True, text=True).stdout.strip() == 'True'
    ref = rows[0]['median_s']
    for r in rows:
        r['ratio_to_python'] = round(r['median_s'] / ref, 1)
        r['target_met'] = None if r['target_s'] is None else r['median_s'] <= r['target_s']
    load1 = os.getloadavg()
    hw = dict(cpu=next((l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name')),
                       platform.processor()), cores=os.cpu_count(), python=platform.python_version(),
              load_avg_before=[round(v, 2) for v in load0], load_avg_after=[round(v, 2) for v in load1])
    print(f"\nimport gmfpt_nb.cli imports torch: {torch_loaded}")
    for r in rows:
        t = '' if r['target_s'] is None else f"target {r['target_s']} s: {'met' if r['target_met'] else 'NOT met'}"
        print(f"{r['command']:36s} {r['median_s']:6.3f}s  {r['ratio_to_python']:6.1f}x python  {t}")
    print(f"load average (1, 5, 15 min): before {hw['load_avg_before']}, after {hw['load_avg_after']} "
          f"on {hw['cores']} cores")
    OUT.mkdir(exist_ok=True)
    (OUT/'startup.json').write_text(json.dumps(dict(hardware=hw, cli_imports_torch=torch_loaded, rows=rows), indent=1))
    md = ["# Start-up time of the `gmfpt` command\n",
          f"Whole processes, median of several runs after a warm-up. Hardware: {hw['cpu']}, {hw['cores']} cores, "
          f"Python {hw['python']}. Load average (1, 5, 15 min): {hw['load_avg_before']} before, "
          f"{hw['load_avg_after']} after: a load above the core count slows every row.\n",
          f"`import gmfpt_nb.cli` imports torch: **{torch_loaded}**.\n",
          "| command | median (s) | min (s) | max (s) | runs | x `python -c pass` | target (s) | met |",
          "|---|---|---|---|---|---|---|---|"]
    md += [f"| `{r['command']}` | {r['median_s']} | {r['min_s']} | {r['max_s']} | {r['runs']} | {r['ratio_to_python']} | "
           f"{r['target_s'] or ''} | {'' if r['target_met'] is None else 'yes' if r['target_met'] else 'no'} |"
           for r in rows]
    md += ["", "`gmfpt attribute IMAGE --model DIR` (a folder holding an attributor) includes importing torch (the row "
           "above: most of the time) and FAISS, loading the attributor and one prediction; it imports neither pandas "
           "(the printed table and the JSON outputs are made without it; `--csv` imports it) nor the pipeline module "
           "(only a preset name as `--model` needs it). Run it on an idle machine: with another job on the two cores, "
           "PyTorch's threads wait on each other and one 28x28 prediction can take 0.7 s instead of 0.03 s."]
    (OUT/'startup.md').write_text('\n'.join(md) + '\n')

if __name__ == '__main__': main()
