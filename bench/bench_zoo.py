"""Per-model training-step and sampling cost of the zoo, and the projected time of a whole `quick` zoo build.

Times 5 training steps (after one warm-up step) of every entry at the quick batch size, and sampling of 250 images
(diffusion: a few sampler steps, scaled to the sampler's full step count), on the real data's image shape; then
projects steps x step time + sampling for one real dataset under the quick ZooConfig (shared UNets counted once).
Writes bench/results/zoo.json and .md.

Run: .venv/bin/python bench/bench_zoo.py
"""
import json, os, platform, time
from pathlib import Path
import torch
from gmfpt_nb.data import real_data
from gmfpt_nb.zoo import ZOO, ZooConfig, build_gm, _opts, _step, _steps, _train_key

OUT = Path(__file__).parent/'results'

def main():
    cfg, real = ZooConfig(), real_data('fmnist', n_ref=5000, n_heldout=10)
    xb = real.ref[:cfg.bs].float() / 255
    rows, seen = [], set()
    for name, e in ZOO.items():
        torch.manual_seed(0)
        m = build_gm(e, tuple(real.ref.shape[1:])); opts = _opts(m, e, cfg.lr); m.train()
        _step(m, e, opts, xb)
        t = time.perf_counter()
        for _ in range(5): _step(m, e, opts, xb)
        step_s = (time.perf_counter() - t) / 5
        m.eval()
        full = None
        if e.family == 'Diffusion':
            full = m.sample_steps or (25 if m.sampler == 'ddim' else 15); m.sample_steps = 3
        t = time.perf_counter(); m.sample(250); s = time.perf_counter() - t
        sample_s = s * cfg.n_samples / 250 * (full / 3 if full else 1)
        key = json.dumps(_train_key(e, {}, 0, cfg), sort_keys=True, default=str)
        train_s = 0. if key in seen else _steps(e, cfg) * step_s      # entries sharing a trained network train it once
        seen.add(key)
        rows.append(dict(name=name, family=e.family, ms_per_step=round(step_s * 1000, 1), steps=_steps(e, cfg), train_s=round(train_s, 1), sample_s=round(sample_s, 1)))
        print(f"{name:24s} {step_s*1000:6.0f} ms/step x {_steps(e, cfg):4d} steps = {train_s:6.0f}s train, {sample_s:5.0f}s to sample {cfg.n_samples}", flush=True)
    total = sum(r['train_s'] + r['sample_s'] for r in rows)
    hw = dict(cpu=next((l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name')), platform.processor()),
              cores=os.cpu_count(), torch_threads=torch.get_num_threads(), load_avg=os.getloadavg())
    print(f"projected quick zoo build for one real dataset: {total/60:.1f} min (target <= 20 min); hardware {hw}")
    OUT.mkdir(exist_ok=True)
    (OUT/'zoo.json').write_text(json.dumps(dict(hardware=hw, rows=rows, projected_minutes=total / 60), indent=1))
    md = [f"# Zoo cost benchmark\n\nHardware: {hw}\n\nProjected quick zoo build for one real dataset: **{total/60:.1f} min** (target <= 20 min)\n",
          "| model | family | ms/step | steps | train s | sample s |", "|---|---|---|---|---|---|"]
    md += [f"| {r['name']} | {r['family']} | {r['ms_per_step']} | {r['steps']} | {r['train_s']} | {r['sample_s']} |" for r in rows]
    (OUT/'zoo.md').write_text('\n'.join(md) + '\n')

if __name__ == '__main__': main()
