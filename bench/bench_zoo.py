"""Zoo training speed on this machine, and the build of the default zoo with its quality bar.

Part 1 (`--speed`, minutes): for one entry of each kind of network (DCGAN, spectral-norm/hinge GAN, WGAN-GP, VAE,
RealNVP, Glow, the plain and attention UNets), the time of one optimisation step of the zoo's own `_step` under
each option, as a ratio against the fp32 step at batch 64 timed in the same process (higher is faster): bf16 autocast,
then, in the precision the zoo adopts on this machine (`use_bf16`), channels-last, batch 128 (time per image), one
thread instead of two, GANs of generator width 64 and 96 instead of 128, and `torch.compile` (DCGAN only: it compiles for minutes); and the time to draw 1,000 samples.

Part 2 (`--curves`, about an hour): the step budget of each family follows from the bar. One entry of each kind is
trained with the zoo's recipe for up to N steps; every M steps its (EMA) samples are scored in the SL space against
the references and the bar (the diffusion UNet with both samplers). Writes zoo_curves.json/.md and sample strips.
With `--real fmnist-rest` (or `fmnist-tops`), on that dataset's references and bar: zoo_curves_<real>.*; `--total`
and `--every` set the steps and the scoring interval (e.g. `--only dcgan --total 9000 --every 1000`).

Part 2a (`--flow-variants`, hours on 2 cores): the same curves for flows with more capacity than the zoo's (more steps
per scale, wider coupling networks with residual blocks: `FLOW_VARIANTS`), and for continuous flows trained by flow
matching on the diffusion UNets, to find flows that pass the bar.
Writes zoo_flow_variants.json/.md and sample strips.

Part 2b (`--flow-temps`, half an hour on 2 cores, seconds when the flows are cached): does a sampling temperature
rescue the flows? Each flow entry is trained (or loaded from the run directory) exactly as the zoo trains it, and 1,000
samples at each temperature from 0.4 to 1.0 are scored against the references and the bar. Writes
zoo_flow_temps.json/.md and zoo_flow_temps.png (16 samples per row, one row per flow and temperature).

Part 2c (`--bf16-quality`, minutes on a CPU with bf16 units): the first instances of a few entries (VAEs and the
DCGAN by default, `--only` others), trained as the zoo trains them in fp32 and under bf16 autocast, scored against the
same references: does bf16 change the bar? Writes zoo_bf16.json/.md.

Part 2d (`--sample-noise`, a minute when the members are cached or shipped): how much do the quality figures of one
member move between independent draws of its 1,000 samples? A few members (`NOISE_MEMBERS`, `--only` entries of
them), each scored on its dataset samples and six other draws. Writes zoo_noise.json/.md.

Part 3 (`--build`, hours on 2 cores): builds the default (`quick`) zoo of Fashion-MNIST, both instances of every
entry, with the quality figures in the SL space and the bar; records per member family, arch, seed, steps, train and
sample seconds, KID, precision, recall, pass/fail, the references, the total wall time, the load average and device.
Members are trained one by one first (every entry's first instance, GANs first, then the second instances), each
recorded in zoo_progress.json as soon as it is done, so a build interrupted after hours resumes from the cache and
keeps what it measured; the GM dataset folder and zoo.json/.md follow when every member is trained. After each
member, zoo_build.png is drawn again (part 3a), for a person to check that every row shows garments.
With `--real fmnist-tops` (or `fmnist-rest`), the same for the cross-dataset zoo the main job builds on that dataset
(one instance of every entry): zoo_progress_<real>.json, zoo_build_<real>.png, zoo_<real>.json/.md.
Every member trained here ships in weights/, passing or not: the cross-dataset zoos keep their failing members (marked
FAIL; Table 4 needs the same entries on both halves), and a fresh machine would otherwise retrain them for hours before
the main job. The verdict is not in the file: each build recomputes it. A recorded member whose weights do not ship
(an older build shipped passing members only) is trained again (from its cache if the run directory holds it) and
recorded with this machine's figures.

Part 3a (`--strips`, seconds): zoo_build.png, one row of 12 samples per member recorded so far with its current
training key (read from the cache: nothing is trained), marked pass or FAIL.

Part 3b (`--rescore`, minutes): the bar in the SL space of *this* machine. The SL encoder is trained, not shipped,
and its weights differ by CPU kind (the same seed gives other bf16 roundings), so the references, the limits and every
member's KID move with it. Every member recorded in a build whose samples are cached or whose weights ship (nothing is
trained) is scored again here beside its recorded figures and limits: zoo_rescore_<real>.md.

Writes bench/results/zoo_speed.json/.md (part 1), zoo_curves.json/.md (part 2) and zoo.json/zoo.md (part 3), each with
the hardware.

Run: .venv/bin/python bench/bench_zoo.py --speed      (or --curves, --flow-temps, --bf16-quality, --sample-noise, --build, --strips, --rescore)
"""
import argparse, contextlib, json, os, platform, time
from dataclasses import replace, asdict
from pathlib import Path
import torch
from gmfpt_nb.data import real_data
from gmfpt_nb.store import to_markdown
from gmfpt_nb.gms import ZOO, COUPLING_FLOWS, build_gm
from gmfpt_nb.zoo import ZooConfig, _opts, _ema, _step, _memory_format, sample_gm

OUT = Path(__file__).parent/'results'
WEIGHTS = Path(__file__).parent.parent/'weights'   # the shipped weights of the default zoo (`zoo.weights_dir`)
KINDS = ['dcgan', 'sngan-hinge', 'wgan-gp', 'vae', 'realnvp', 'glow', 'flow-matching', 'ddpm-ddim', 'ddpm-attn']
ENTRIES = {**ZOO, **COUPLING_FLOWS}   # the zoo's entries, and the coupling flows it tried and replaced

def hardware():
    cpu = next((l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name')),
               platform.processor())
    dev = torch.cuda.get_device_name() if torch.cuda.is_available() else 'cpu'
    from gmfpt_nb.zoo import use_bf16
    return dict(cpu=cpu, cores=os.cpu_count(), torch=torch.__version__, torch_threads=torch.get_num_threads(),
                device=dev, bf16_units=use_bf16(ZooConfig()), load_avg=[round(v, 2) for v in os.getloadavg()])

def step_ms(name, real, cfg, bs=64, channels_last=False, compile=False, n=6):
    "Median milliseconds of one training step (after two warm-up steps)."
    e = ENTRIES[name]; torch.manual_seed(0)
    m = build_gm(e, tuple(real.ref.shape[1:]), cfg.gan_width)
    if channels_last: m = m.to(memory_format=torch.channels_last)
    opts, ema = _opts(m, e, cfg), _ema(m, e, cfg)
    if compile: m.G, m.D = torch.compile(m.G), torch.compile(m.D)      # GANs: `_step` calls G and D
    xb = real.ref[:bs].float() / 255
    if channels_last: xb = xb.contiguous(memory_format=torch.channels_last)
    m.train(); ts = []
    for i in range(n + (2 if n > 1 else 1)):
        t = time.perf_counter(); _step(m, e, opts, xb, cfg, ema); ts.append(time.perf_counter() - t)
    ts = sorted(ts[-n:]); return 1000 * ts[len(ts) // 2]

@contextlib.contextmanager
def threads(k):
    old = torch.get_num_threads(); torch.set_num_threads(k)
    try: yield
    finally: torch.set_num_threads(old)

def speed(real, only=None):
    from gmfpt_nb.zoo import use_bf16
    fp32, bf16 = replace(ZooConfig(), bf16=False), replace(ZooConfig(), bf16=True)
    native = use_bf16(ZooConfig())                 # what the zoo adopts on this machine
    cfg, rows = (bf16 if native else fp32), []
    print(f"bf16 units: {native}; the other options are timed in {'bf16' if native else 'fp32'}", flush=True)
    for name in [k for k in KINDS if not only or k in only]:
        ref = step_ms(name, real, fp32)
        r = dict(name=name, family=ENTRIES[name].family, fp32_ms=round(ref, 1))
        r['bf16'] = ref / step_ms(name, real, bf16, n=6 if native else 1)      # emulated bf16 is slow: one step
        r['channels_last'] = ref / step_ms(name, real, cfg, channels_last=True)
        r['bs128_per_image'] = ref / (step_ms(name, real, cfg, bs=128) / 2)
        with threads(1): r['one_thread'] = ref / step_ms(name, real, cfg)
        if ENTRIES[name].family == 'GAN':
            for w in (64, 96): r[f'gan_width_{w}'] = ref / step_ms(name, real, replace(cfg, gan_width=w))
        if name == 'dcgan':
            try: r['compile'] = ref / step_ms(name, real, cfg, compile=True)
            except Exception as ex: r['compile'] = f'failed: {type(ex).__name__}'
        e = ENTRIES[name]; torch.manual_seed(0); m = build_gm(e, tuple(real.ref.shape[1:])).eval()
        t = time.perf_counter(); sample_gm(m, 1000); r['sample_1000_s'] = round(time.perf_counter() - t, 1)
        r = {k: round(v, 2) if isinstance(v, float) else v for k, v in r.items()}
        print(r, flush=True); rows.append(r)
    hw = hardware()
    (OUT/'zoo_speed.json').write_text(json.dumps(dict(hardware=hw, rows=rows), indent=1))
    cols = list(dict.fromkeys([c for r in rows for c in r]))
    md = [f"# Zoo step time: options as ratios against the fp32 step at batch 64 (higher is faster)\n\n"
          f"Hardware: {hw}\n", '| ' + ' | '.join(cols) + ' |', '|' + '---|' * len(cols)]
    md += ['| ' + ' | '.join(str(r.get(c, '')) for c in cols) + ' |' for r in rows]
    (OUT/'zoo_speed.md').write_text('\n'.join(md) + '\n')

CURVES = [('dcgan', 3000, 250), ('sngan-hinge', 3000, 250), ('vae', 2000, 250), ('glow', 6000, 1000),
          ('ddpm-ddim', 1500, 500), ('wgan-gp', 3000, 250), ('realnvp', 6000, 1000)]

def _flow(name, **capacity):     # a variant of a flow entry with more capacity (`Flow`'s `extra` settings)
    e = ENTRIES[name]; label = name + ''.join(f'-{k[0]}{v}' for k, v in capacity.items())
    return label, replace(e, name=label, extra=e.extra + tuple(capacity.items()))

# flows with more capacity than the zoo's (which fail the bar: zoo_curves.md); f = flow_steps, w = width, b = blocks
FLOW_VARIANTS = [(*_flow('realnvp', flow_steps=6, width=96, blocks=1), 6000, 1000),
                 (*_flow('glow', flow_steps=6, width=96, blocks=1), 6000, 1000),
                 (*_flow('realnvp', flow_steps=8, width=128, blocks=2), 6000, 1000)]
# the continuous flows trained by flow matching on the diffusion models' UNets (plain, and with attention) that replaced
# the coupling flows in the zoo, with the diffusion models' step budget
FLOW_VARIANTS += [(n, ZOO[n], 1500, 500) for n in ('flow-matching', 'flow-matching-attn')]

def curves(real, only=None, gan_width=None, variants=False, total=None, every=None):
    """Quality against training steps, one entry of each kind, with the zoo's recipe (`ZooConfig()`); with `variants`,
    the flows of `FLOW_VARIANTS` instead (written to zoo_flow_variants.*)."""
    import copy, pandas as pd
    from torchvision.utils import save_image
    from gmfpt_nb.store import RunDir
    from gmfpt_nb.spaces import get_space
    from gmfpt_nb.zoo import _ema_part
    from gmfpt_nb.quality import quality_references, quality_figures, QualityBar
    cfg, bar, sl = ZooConfig(), QualityBar(), get_space('sl', real, RunDir())
    if gan_width: cfg = replace(cfg, gan_width=gan_width)
    stem = 'zoo_curves' if cfg.gan_width == ZooConfig().gan_width else f'zoo_curves_gan{cfg.gan_width}'
    if variants: stem = 'zoo_flow_variants'
    from gmfpt_nb.pipeline import PRESETS
    stem += _suffix(real, PRESETS['quick'])       # another real dataset: zoo_curves_<real>.*
    todo = FLOW_VARIANTS if variants else [(n, ENTRIES[n], total or t, every or k) for n, t, k in CURVES]
    feat = lambda x: sl.embed(x).flatten(1)
    refs = quality_references(real.heldout, feat); f_real = feat(real.heldout[:1000])
    print(refs.to_string(), flush=True)
    rows, strips, t_all = [], {}, time.time()
    old = json.loads((OUT/f'{stem}.json').read_text()) if (OUT/f'{stem}.json').exists() and only else {}
    keep = [r for r in old.get('rows', []) if r['name'] not in only and r['name'] != 'ddpm-dpmsolver'
            or (r['name'] == 'ddpm-dpmsolver' and 'ddpm-ddim' not in only)] if only else []
    def write():                 # after each entry: an interrupted run keeps what it measured
        df = pd.DataFrame(keep + rows).drop(columns='passes', errors='ignore')
        df.insert(df.columns.get_loc('fails'), 'passes', df.fails == '')
        (OUT/stem).mkdir(exist_ok=True)
        for label, st in strips.items(): save_image(torch.cat(st), OUT/stem/f'{label}.png', nrow=12, padding=1)
        res = dict(hardware=hardware(), minutes=round((time.time() - t_all) / 60, 1) + old.get('minutes', 0),
                   zoo=asdict(cfg),
                   references=refs.to_dict('records'), bar_limits=bar.limits(refs), rows=df.to_dict('records'))
        (OUT/f'{stem}.json').write_text(json.dumps(res, indent=1, default=str))
        md = [f"# Quality against training steps (SL space), with the zoo's recipe\n\nHardware: {res['hardware']}\n",
              "## References\n", to_markdown(refs.set_index('reference')), f"\nBar limits: {res['bar_limits']}\n",
              "## Curves\n", to_markdown(df.set_index('name')),
              f"\n`{stem}/<name>.png`: 12 samples per row, one row per evaluation step of that entry, in order.\n"]
        (OUT/f'{stem}.md').write_text('\n'.join(md) + '\n')
    for name, e, total, every in todo:
        if only and name not in only: continue
        torch.manual_seed(0)
        fmt = _memory_format(e, cfg)                            # as the zoo trains it
        m = build_gm(e, tuple(real.ref.shape[1:]), cfg.gan_width).to(memory_format=fmt)
        opts, ema = _opts(m, e, cfg), _ema(m, e, cfg)
        g, train_s, t0 = torch.Generator().manual_seed(0), 0., time.time()
        m.train()
        for step in range(1, total + 1):
            xb = (real.ref[torch.randint(0, len(real.ref), (cfg.bs,), generator=g)].float() / 255).contiguous(memory_format=fmt)
            _step(m, e, opts, xb, cfg, ema)
            if step % every: continue
            train_s += time.time() - t0
            mm = copy.deepcopy(m).eval()
            if ema is not None: ema.copy_to(_ema_part(mm, e).parameters())
            for sampler in (['ddim', 'dpmsolver'] if e.family == 'Diffusion' else [None]):
                if sampler: mm.sampler = sampler
                t = time.time(); xs = sample_gm(mm, cfg.n_samples, 0); sample_s = time.time() - t
                q = quality_figures(f_real, feat(xs))
                label = name if not sampler or sampler == 'ddim' else 'ddpm-dpmsolver'
                rows.append(dict(name=label, family=e.family, step=step, train_s=round(train_s, 1),
                                 sample_s=round(sample_s, 1), **q, fails=bar.failures(q, refs)))
                strips.setdefault(label, []).append(xs[:12].float() / 255)
                print(rows[-1], flush=True)
            write()                                            # after each evaluation: a killed run keeps its rows
            t0 = time.time()

NOISE_MEMBERS = [('beta-vae', 0), ('beta-vae', 1), ('dcgan-instance', 0), ('dcgan-instance', 1), ('vae', 0), ('dcgan', 0)]

def sample_noise(real, only=None, draws=6):
    """The quality figures' own noise: each member (cached or shipped, as the zoo trains it) scored on its dataset
    samples and on `draws` more independent draws of as many samples, against the same real features."""
    import pandas as pd
    from gmfpt_nb.store import RunDir
    from gmfpt_nb.spaces import get_space
    from gmfpt_nb.zoo import train_member, sample_gm, sample_seed, instance_name
    from gmfpt_nb.quality import quality_figures, quality_references, QualityBar
    from gmfpt_nb.pipeline import PRESETS
    p, run = PRESETS['quick'], RunDir()
    sl = get_space('sl', real, run, p.encoders); feat = lambda x: sl.embed(x).flatten(1)
    f_real, rows = feat(real.heldout[:1000]), []
    refs = quality_references(real.heldout, feat, n=1000, seed=p.seed)
    for name, s in [m for m in NOISE_MEMBERS if not only or m[0] in only]:
        model, info, xs, _, _ = train_member(name, real, s, run, p.zoo)
        for d in range(draws + 1):      # draw 0: the dataset's samples; then other noise streams
            x = xs if d == 0 else sample_gm(model, len(xs), 10_000 + d)
            rows.append(dict(name=instance_name(name, s, p.zoo), draw=d, **quality_figures(f_real, feat(x))))
    df = pd.DataFrame(rows)
    st = df.groupby('name', sort=False)[['kid', 'precision', 'recall']].agg(['mean', 'std', 'min', 'max']).round(3)
    st.columns = [f'{a} {b}' for a, b in st.columns]
    res = dict(hardware=hardware(), bar_limits=QualityBar().limits(refs), draws=draws, rows=rows,
               summary=st.reset_index().to_dict('records'))
    (OUT/'zoo_noise.json').write_text(json.dumps(res, indent=1))
    md = ["# The quality figures' own noise: independent draws of 1,000 samples of the same member\n",
          f"Hardware: {res['hardware']}\n", f"Bar limits: {res['bar_limits']}\n",
          f"Draw 0 is the member's dataset samples; draws 1-{draws} come from other noise streams.\n",
          to_markdown(st)]
    (OUT/'zoo_noise.md').write_text('\n'.join(md) + '\n'); print('\n'.join(md))

def bf16_quality(real, only=None):
    """Does bf16 autocast change the bar? Each entry's first instance trained as the zoo trains it, once in fp32 and
    once under bf16 autocast (each cached like any zoo member), scored against the same references."""
    import pandas as pd
    from gmfpt_nb.store import RunDir
    from gmfpt_nb.spaces import get_space
    from gmfpt_nb.zoo import train_member
    from gmfpt_nb.quality import quality_references, quality_figures, QualityBar
    from gmfpt_nb.pipeline import PRESETS
    p, run, bar = PRESETS['quick'], RunDir(), QualityBar()
    os.environ['GMFPT_WEIGHTS'] = ''           # trained here, each way: shipped weights stand in for either
    sl = get_space('sl', real, run, p.encoders); feat = lambda x: sl.embed(x).flatten(1)
    refs = quality_references(real.heldout, feat, n=1000, seed=p.seed); f_real = feat(real.heldout[:1000])
    rows = []
    for name in only or ['vae', 'beta-vae', 'vae-nearest', 'dcgan']:
        for b in (False, True):
            _, info, xs, _, _ = train_member(name, real, p.seed, run, replace(p.zoo, bf16=b))
            q = quality_figures(f_real, feat(xs))
            rows.append(dict(name=name, precision_mode='bf16' if b else 'fp32', steps=info['steps'],
                             train_s=info['train_seconds'], **q, fails=bar.failures(q, refs)))
            print(rows[-1], flush=True)
    df = pd.DataFrame(rows); df.insert(df.columns.get_loc('fails'), 'passes', df.fails == '')
    res = dict(hardware=hardware(), bar_limits=bar.limits(refs), rows=df.to_dict('records'))
    (OUT/'zoo_bf16.json').write_text(json.dumps(res, indent=1, default=str))
    md = [f"# bf16 autocast and the bar: the same members trained in fp32 and in bf16 (SL space)\n\n"
          f"Hardware: {res['hardware']}\n", f"Bar limits: {res['bar_limits']}\n", to_markdown(df.set_index('name')),
          "\n`train_s`: seconds to train, as recorded when the member was trained (the load average is above).\n"]
    (OUT/'zoo_bf16.md').write_text('\n'.join(md) + '\n'); print('\n'.join(md))

TEMPS = (0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)

def flow_temps(real):
    "Quality of each flow's samples against the sampling temperature, with the zoo's recipe and budget."
    import pandas as pd
    from torchvision.utils import save_image
    from gmfpt_nb.store import RunDir
    from gmfpt_nb.spaces import get_space, real_key
    from gmfpt_nb.zoo import train_gm, _steps
    from gmfpt_nb.quality import quality_references, quality_figures, QualityBar
    cfg, bar, run, t0 = ZooConfig(), QualityBar(), RunDir(), time.time()
    sl = get_space('sl', real, run); feat = lambda x: sl.embed(x).flatten(1)
    refs = quality_references(real.heldout, feat, n=1000, seed=0); f_real = feat(real.heldout[:1000])
    rows, strips = [], []
    for name in COUPLING_FLOWS:                # (the zoo's flow-matching flows sample by an ODE: no temperature)
        m, info = train_gm(ENTRIES[name], real.ref, run, real_key(real), 0, cfg)
        for temp in TEMPS:
            g = torch.Generator().manual_seed(0)
            xs = torch.cat([m.sample(250, generator=g, temp=temp) for _ in range(cfg.n_samples // 250)])
            xs = (xs.float() * 255).round().clamp(0, 255).to(torch.uint8)
            q = quality_figures(f_real, feat(xs))
            rows.append(dict(name=name, steps=_steps(ENTRIES[name], cfg), temp=temp, **q, fails=bar.failures(q, refs)))
            strips.append(xs[:16].float() / 255); print(rows[-1], flush=True)
    df = pd.DataFrame(rows); df.insert(df.columns.get_loc('fails'), 'passes', df.fails == '')
    save_image(torch.cat(strips), OUT/'zoo_flow_temps.png', nrow=16, padding=1)
    res = dict(hardware=hardware(), minutes=round((time.time() - t0) / 60, 1), zoo=asdict(cfg),
               references=refs.to_dict('records'), bar_limits=bar.limits(refs), rows=df.to_dict('records'))
    (OUT/'zoo_flow_temps.json').write_text(json.dumps(res, indent=1, default=str))
    md = [f"# Flows: quality against the sampling temperature (SL space), zoo recipe and budget\n\n"
          f"Hardware: {res['hardware']}\n", f"Bar limits: {res['bar_limits']}\n", to_markdown(df.set_index('name')),
          "\n`zoo_flow_temps.png`: 16 samples per row, one row per flow and temperature, in the table's order.\n"]
    (OUT/'zoo_flow_temps.md').write_text('\n'.join(md) + '\n')
    print('\n'.join(md))

def _key(name, seed, p, real):  # a member's training key (its cache folder's name): what its record must match
    from gmfpt_nb.store import config_key, code_version
    from gmfpt_nb.zoo import _train_key
    from gmfpt_nb.spaces import real_key
    return config_key({**_train_key(ZOO[name], real_key(real), seed, p.zoo), 'code': code_version('zoo')})

def _current(r, p, real):      # whether a build record was trained as its member is now
    from gmfpt_nb.zoo import _steps
    e = ZOO.get(r['arch'])
    if e is None or 'key' in r: return e is not None and r['key'] == _key(r['arch'], r['seed'], p, real)
    return r['steps'] == _steps(e, p.zoo) and r.get('extra', repr(e.extra)) == repr(e.extra)   # older records

def _shipped(name, seed, p, real):   # whether the member's weights ship in weights/ (its exact training key)
    from gmfpt_nb.zoo import _shipped_file
    from gmfpt_nb.spaces import real_key
    return _shipped_file(ZOO[name], real_key(real), seed, p.zoo, WEIGHTS).exists()

def _suffix(real, p):  # the result files of a build on another real dataset than the preset's: zoo_build_<real>.png, ...
    return '' if real.name == p.real else f'_{real.name}'

def strips(real):
    "zoo_build.png: 12 cached samples of every member recorded with its entry's current recipe, in the build's order."
    import matplotlib; matplotlib.use('Agg'); import matplotlib.pyplot as plt
    from gmfpt_nb.store import RunDir, load_tensors
    from gmfpt_nb.zoo import _train_key, _samples_cfg
    from gmfpt_nb.spaces import real_key
    from gmfpt_nb.analysis import sample_grid
    from gmfpt_nb.pipeline import PRESETS
    p, run = PRESETS['quick'], RunDir()
    sfx = _suffix(real, p)
    recs = [r for r in json.loads((OUT/f'zoo_progress{sfx}.json').read_text())['members'] if _current(r, p, real)]
    xs = {}
    for r in recs:
        e = ZOO[r['arch']]
        sd = run.stage('samples', _samples_cfg(e, _train_key(e, real_key(real), r['seed'], p.zoo), p.zoo))
        if (sd/'samples.safetensors').exists(): xs[r['name']] = load_tensors(sd/'samples.safetensors')['x'][:12]
    labels = {r['name']: f"{r['name']} ({'pass' if not r['fails'] else 'FAIL'})" for r in recs}
    fig = sample_grid(xs, n=12, labels=labels); fig.savefig(OUT/f'zoo_build{sfx}.png', dpi=80, bbox_inches='tight')
    plt.close(fig); print(f'zoo_build.png: {len(xs)} members')

def rescore(real):
    "Part 3b: every recorded member of a build scored again in this machine's SL space, beside its recorded verdict."
    import pandas as pd
    from gmfpt_nb.store import RunDir, load_tensors
    from gmfpt_nb.spaces import get_space, real_key
    from gmfpt_nb.zoo import train_member, _train_key, _samples_cfg
    from gmfpt_nb.quality import QualityBar, quality_references, quality_figures
    from gmfpt_nb.pipeline import PRESETS
    p, run, bar = PRESETS['quick'], RunDir(), QualityBar()
    sfx = _suffix(real, p); cfg = p.zoo if not sfx else replace(p.zoo, instances=1)
    sl = get_space('sl', real, run, p.encoders); feat = lambda x: sl.embed(x).flatten(1)
    refs = quality_references(real.heldout, feat, n=1000, seed=p.seed); f_real = feat(real.heldout[:1000])
    prog = json.loads((OUT/f'zoo_progress{sfx}.json').read_text())
    rows = []
    for r in (r for r in prog['members'] if _current(r, p, real)):
        e = ZOO[r['arch']]; tk = _train_key(e, real_key(real), r['seed'], cfg)
        sd = run.stage('samples', _samples_cfg(e, tk, cfg))
        if (sd/'samples.safetensors').exists(): xs = load_tensors(sd/'samples.safetensors')['x']
        elif not r['fails']: xs = train_member(r['arch'], real, r['seed'], run, cfg)[2]   # shipped: loads, samples
        else: continue                                                                   # not here: would train
        q = quality_figures(f_real, feat(xs)); lim = r.get('bar_limits', prog['bar_limits'])
        rows.append(dict(name=r['name'], recorded_cpu=r.get('cpu', prog['hardware']['cpu']), recorded_kid=r['kid'],
                         recorded_kid_limit=round(lim['kid'], 4), recorded=r['fails'] or 'pass', kid_here=q['kid'],
                         precision_here=q['precision'], recall_here=q['recall'],
                         here=bar.failures(q, refs) or 'pass'))
    df = pd.DataFrame(rows).set_index('name'); hw = hardware()
    md = [f"# The bar of the {real.name} zoo in this machine's SL space\n", f"Hardware: {hw}\n",
          f"Limits here: {bar.limits(refs)}; recorded in the build file: {prog['bar_limits']}\n",
          "## References here\n", to_markdown(refs.set_index('reference')), "\n## Members\n", to_markdown(df),
          f"\n{(df.here != 'pass').sum()} of {len(df)} fail here; {(df.recorded != 'pass').sum()} failed as recorded; "
          f"verdicts that differ: {list(df.index[(df.here == 'pass') != (df.recorded == 'pass')])}\n"]
    (OUT/f'zoo_rescore{sfx or "_" + real.name}.md').write_text('\n'.join(md)); print('\n'.join(md))

def build_order(names, instances, seed=0, first=(), defer=()):
    """Members in the order the build trains them: every entry's first instance (`first`, then GANs: the least known),
    then the rest; the entries in `defer` (e.g. ones that still fail the bar) after every other member, both instances."""
    order = sorted(names, key=lambda n: (n not in first, ZOO[n].family != 'GAN'))
    main, late = [n for n in order if n not in defer], [n for n in order if n in defer]
    return [(n, seed + i) for part in (main, late) for i in range(instances) for n in part]

def build(real, first=(), defer=()):
    from gmfpt_nb.store import RunDir
    from gmfpt_nb.spaces import get_space
    from gmfpt_nb.zoo import build_zoo, train_member, instance_name, ship_member
    from gmfpt_nb.quality import QualityBar, quality_references, quality_figures
    from gmfpt_nb.spaces import real_key
    from gmfpt_nb.pipeline import PRESETS
    p, run, bar = PRESETS['quick'], RunDir(), QualityBar()
    sfx = _suffix(real, p)     # the cross-dataset zoos (another real dataset): one instance, as the main job builds them
    cfg = p.zoo if not sfx else replace(p.zoo, instances=1)
    sl, t0, load0 = get_space('sl', real, run, p.encoders), time.time(), os.getloadavg()
    # member by member first, each recorded as soon as it is trained (zoo_progress.json): the build takes hours on
    # 2 cores, and an interrupted one keeps both its models (cached) and what it measured; then the folder, all cached
    feat = lambda x: sl.embed(x).flatten(1)
    refs = quality_references(real.heldout, feat, n=1000, seed=p.seed); f_real = feat(real.heldout[:1000])
    prog = OUT/f'zoo_progress{sfx}.json'
    done = {(r['arch'], r['seed']): r for r in (json.loads(prog.read_text())['members'] if prog.exists() else [])}
    for name, s in build_order(p.models or list(ZOO), cfg.instances, p.seed, first, defer):
        # a record counts only if it was trained as the member is now (same training key, e.g. not an older recipe)
        # and its weights ship (every member does, passing or not: see the docstring)
        if (name, s) in done and _current(done[(name, s)], p, real) and _shipped(name, s, p, real): continue
        t = time.time(); model, info, xs, t_sample, _ = train_member(name, real, s, run, p.zoo, progress=False)
        q = quality_figures(f_real, feat(xs)); fails = bar.failures(q, refs)
        if 'source' not in info:     # a member trained here (or cached): into the shipped weights, with or without a pass
            print('shipped:', ship_member(ZOO[name], model, info, real_key(real), s, p.zoo, WEIGHTS).name)
        done[(name, s)] = dict(name=instance_name(name, s, cfg), arch=name, seed=s, family=ZOO[name].family,
                               key=_key(name, s, p, real),
                               extra=repr(ZOO[name].extra),
                               steps=info.get('steps'), train_seconds=info.get('train_seconds'),
                               sample_seconds=t_sample, **q, fails=fails, weights=info.get('source', 'trained here'),
                               wall_seconds=round(time.time() - t), load_avg=[round(v, 2) for v in os.getloadavg()],
                               # the verdict's own limits: the SL encoder, retrained per machine, differs by CPU kind
                               bar_limits=bar.limits(refs), cpu=hardware()['cpu'])
        prog.write_text(json.dumps(dict(hardware=hardware(), bar_limits=bar.limits(refs),
                                        members=list(done.values())), indent=1))
        print(done[(name, s)], flush=True); strips(real)
    man = build_zoo(real, run.root/'gm-datasets'/f'{real.name}-{p.name}', p.models, run=run, cfg=cfg,
                    seed=p.seed, feature_space=sl)
    wall = time.time() - t0
    import pandas as pd
    refs = pd.read_csv(run.root/'gm-datasets'/f'{real.name}-{p.name}'/'references.csv')
    cols = ['family', 'arch', 'seed', 'steps', 'train_seconds', 'sample_seconds', 'kid', 'precision', 'recall', 'passes']
    # the cost from an empty run directory: every member's training (a UNet shared by two samplers once) and sampling
    once = ~pd.Series([_key(a, s, p, real) for a, s in zip(man.arch, man.seed)]).duplicated().values
    man['train_once'] = man.train_seconds.where(once, 0)
    per_family = (man.groupby('family')[['train_once', 'sample_seconds']].sum().round(0)
                  .rename(columns={'train_once': 'train_seconds'}).to_dict('index'))
    cost = round(float((man.train_once.sum() + man.sample_seconds.fillna(0).sum()) / 60), 1)
    res = dict(hardware=hardware(), load_avg_at_start=load0, wall_minutes=round(wall / 60, 1), cost_minutes=cost,
               zoo=asdict(cfg),
               bar=asdict(QualityBar()), bar_limits=QualityBar().limits(refs), references=refs.to_dict('records'),
               per_family_seconds=per_family, members=man[['name', *cols]].to_dict('records'),
               all_pass=bool(man.passes.all()))
    (OUT/f'zoo{sfx}.json').write_text(json.dumps(res, indent=1, default=str))
    title = 'The default zoo (Fashion-MNIST, `quick`)' if not sfx else f'The cross-dataset zoo on {real.name} (`quick`)'
    md = [f"# {title}: build time and quality\n\nHardware: {res['hardware']}\n",
          f"Cost of the build from an empty run directory (each member's train and sample seconds as recorded, a "
          f"UNet shared by two samplers once): **{cost} min** (target: 60 min on 2 idle cores). Wall time of this "
          f"invocation, which loads the members already trained or shipped: {res['wall_minutes']} min. Every member "
          f"passes the bar: **{res['all_pass']}**\n", f"Seconds per family (train, sample): {per_family}\n",
          "## References (SL space)\n", to_markdown(refs.set_index('reference')), f"\nBar limits: {res['bar_limits']}\n",
          "## Members\n", to_markdown(man[['name', *cols, 'fails']].set_index('name'))]
    (OUT/f'zoo{sfx}.md').write_text('\n'.join(md) + '\n')
    print('\n'.join(md))

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    for k in ('speed', 'curves', 'flow-variants', 'flow-temps', 'bf16-quality', 'sample-noise', 'build', 'strips', 'rescore'):
        ap.add_argument(f'--{k}', action='store_true')
    ap.add_argument('--only', nargs='*', help='--speed, --curves, --bf16-quality: only these entries')
    ap.add_argument('--first', nargs='*', default=(), help='--build: train these entries first (e.g. after a recipe change)')
    ap.add_argument('--defer', nargs='*', default=(), help='--build: train these entries last (e.g. ones that still fail the bar)')
    ap.add_argument('--gan-width', type=int, default=None,
                    help="--curves: the GANs' generator width (default: the zoo's); written to zoo_curves_gan<W>.*")
    ap.add_argument('--total', type=int, default=None, help="--curves: train each entry this many steps (default: `CURVES`)")
    ap.add_argument('--every', type=int, default=None, help='--curves: score the samples every this many steps')
    ap.add_argument('--real', default='fmnist',
                    help="--build, --strips, --rescore, --curves: the real dataset (another than 'fmnist': a cross-dataset zoo, one instance)")
    a = ap.parse_args(); OUT.mkdir(exist_ok=True)
    real = real_data(a.real)
    if a.speed: speed(real, a.only)
    if a.curves: curves(real, a.only, a.gan_width, total=a.total, every=a.every)
    if a.flow_variants: curves(real, a.only, variants=True)
    if a.flow_temps: flow_temps(real)
    if a.bf16_quality: bf16_quality(real, a.only)
    if a.sample_noise: sample_noise(real, a.only)
    if a.build: build(real, a.first, a.defer)
    if a.strips: strips(real)
    if a.rescore: rescore(real)
