"""Where the time of the attribution tables goes: per-method training cost, and the cost of the data loading around it.

For every network-based method of the attribution table (ManiFPT on image-shaped artifacts, and the CNN baselines), on
random inputs of the quick preset's shapes:
  1. a training epoch through gmfpt's own path (`train_attributor`: fastai Learner, one-cycle, best-epoch tracking) vs
     a bare PyTorch loop doing the same forward/backward/step on the same batches, both in the default memory format
     (ratio = overhead of the framework and the data loading; target: at most 1.15x);
  2. gmfpt's path with `TrainConfig(channels_last=True)` (the default) vs `channels_last=False` (ratio < 1 = faster).
Then projects the quick Table 2 training time (3 seeds) from the measured channels-last epoch times and the quick sizes.
Writes bench/results/eval.json and .md.

Run: .venv/bin/python bench/bench_eval.py   [--n 4000: images per timed epoch]
"""
import argparse, json, os, platform, time
from dataclasses import replace
from pathlib import Path
import torch, torch.nn as nn
from gmfpt_nb.networks import AttributorNet, TrainConfig, train_attributor
from gmfpt_nb.baselines import get_baseline, cooccurrence
from gmfpt_nb.pipeline import PRESETS

OUT = Path(__file__).parent/'results'

def bare_epoch(net, x, y, bs):
    "One epoch of forward/backward/AdamW steps, no framework."
    opt = torch.optim.AdamW(net.parameters(), 1e-3, weight_decay=1e-2); net.train(); loss = nn.CrossEntropyLoss()
    perm = torch.randperm(len(x), generator=torch.Generator().manual_seed(0))
    t = time.perf_counter()
    for i in range(0, len(x) - bs + 1, bs):
        xb = x[perm[i:i+bs]]
        opt.zero_grad(); l = loss(net(xb), y[perm[i:i+bs]]); l.backward(); opt.step()
    return time.perf_counter() - t

def main():
    ap = argparse.ArgumentParser(); ap.add_argument('--n', type=int, default=4000); args = ap.parse_args()
    torch.manual_seed(0)
    p = PRESETS['quick']; cfg = p.eval.train; n_cls = 20; n = args.n
    x_img = torch.randint(0, 256, (n, 1, 28, 28), dtype=torch.uint8); y = torch.randint(0, n_cls, (n,))
    cases = {'ManiFPT RGB/FREQ (artifact CNN)': (lambda: AttributorNet((1, 28, 28), n_cls, cfg.widths, cfg.n_blocks), torch.randn(n, 1, 28, 28))}
    for b in ('Marra18', 'Wang20', 'Yu19', 'Nataraj19'):
        bl = get_baseline(b); xi = bl.inputs(x_img)
        cases[b] = ((lambda bl=bl, xi=xi: bl.make_net(tuple(xi.shape[1:]), n_cls, cfg)), xi)
    rows = []
    for name, (make, xi) in cases.items():
        def gmfpt_epoch(cl):
            torch.manual_seed(0); net = make()
            if hasattr(net, 'std'): net.std.fit(xi)
            t = time.perf_counter(); train_attributor(xi, y, xi[:256], y[:256], n_cls, replace(cfg, epochs=1, channels_last=cl), 0, model=net)
            return time.perf_counter() - t
        t_fw, t_cl = gmfpt_epoch(False), gmfpt_epoch(True)
        torch.manual_seed(0); t_bare = bare_epoch(make(), xi, y, cfg.bs)
        rows.append(dict(method=name, gmfpt_epoch_s=round(t_fw, 2), bare_epoch_s=round(t_bare, 2), overhead=round(t_fw / t_bare, 2),
                         gmfpt_channels_last_s=round(t_cl, 2), channels_last_ratio=round(t_cl / t_fw, 2), ms_per_image=round(1000 * t_cl / n, 3)))
        print(rows[-1], flush=True)
    # projection: quick Table 2 trains each method on 50% of 20 sources x 1000 images, 3 seeds; Table 4 on the two cross datasets
    n_train, seeds, epochs = 10_000, len(p.eval.seeds), cfg.epochs
    # (Wang20 trains on twice the images for half the epochs: the same count)
    proj = {r['method']: round(r['ms_per_image'] * n_train * epochs * seeds / 1000) for r in rows}
    res = dict(hardware=dict(cpu=platform.processor() or platform.machine(), cores=os.cpu_count(), torch=torch.__version__, threads=torch.get_num_threads()),
               n_images=n, rows=rows, projected_table2_training_s=proj)
    OUT.mkdir(exist_ok=True); (OUT/'eval.json').write_text(json.dumps(res, indent=1))
    md = ['| method | gmfpt epoch (s) | bare loop (s) | overhead | gmfpt channels-last (s) | channels-last / default | ms per image |', '|---|---|---|---|---|---|---|']
    md += [f"| {r['method']} | {r['gmfpt_epoch_s']} | {r['bare_epoch_s']} | {r['overhead']}x | {r['gmfpt_channels_last_s']} | {r['channels_last_ratio']} | {r['ms_per_image']} |" for r in rows]
    (OUT/'eval.md').write_text('\n'.join(md) + f"\n\n{n} images per epoch, {res['hardware']}\n\nprojected quick Table 2 training (s, 3 seeds): {proj}\n")
    print('\n'.join(md)); print('projected quick Table 2 training (s):', proj)

if __name__ == '__main__': main()
