"""Sampling sweep on one model through the package's own `generate` (sixth session): one process, the model compiled
once, 10,000 samples (1,000 per class, seed 0) per setting, timed after a warm-up batch of 2,500, saved to
/tmp/PREFIX_<name>.npy for fid.py. A setting's name spells it: e25 / h13 (Euler 25 / Heun 13 steps), then optional
_g3.0 (guidance scale; default 3.0), _i0.3-0.8 (guidance interval; default [0.3, 0.8]), _s0.5 (`sample.t_shift`, the
time grid t(u) = u / (u + s (1 - u)); default 1, s < 1: shorter steps near the data) and _agK (autoguidance: the K-th
checkpoint of --guides instead of the unconditional velocity).
Usage: s6_sweep.py CKPT OUT.json PREFIX NAME... [--guides CKPT...]"""
import json, re, sys, time
import numpy as np, torch
from nano_sora.config import SampleConfig
from nano_sora.models.dit import load_model
from nano_sora.training.flow_matching import balanced_labels, generate

def parse(name: str):
    "SampleConfig and guide index (or None) of a setting's name."
    m = re.fullmatch(r'([eh])(\d+)(?:_g([\d.]+))?(?:_i([\d.]+)-([\d.]+))?(?:_s([\d.]+))?(?:_ag(\d+))?', name)
    assert m, f'bad setting name {name}'
    kind, steps, g, lo, hi, s, ag = m.groups()
    sc = SampleConfig(steps=int(steps), sampler={'e': 'euler', 'h': 'heun'}[kind], cfg_scale=float(g or 3.0),
                      cfg_interval=(float(lo), float(hi)) if lo else (0.3, 0.8), t_shift=float(s or 1.0)).validate()
    return sc, (int(ag) if ag else None)

args = sys.argv[1:]
guides = args[args.index('--guides') + 1:] if '--guides' in args else []
ckpt, out_json, prefix, *names = args[:args.index('--guides')] if guides else args
model, cfg = load_model(ckpt, 'cuda', compile=True)
loaded = {}
labels = balanced_labels(10000, list(range(10)))
out = {}
for name in names:
    sc, k = parse(name)
    if k is not None and k not in loaded: loaded[k] = load_model(guides[k - 1], 'cuda', compile=True)[0]
    run = lambda n: generate(model, labels[:n], sc, 0, 2500, 'bf16', flow=cfg.flow, guide=loaded.get(k))
    run(2500)                                                                       # warm-up / compile
    torch.cuda.synchronize(); t0 = time.perf_counter()
    x = run(10000)
    torch.cuda.synchronize(); sec = round(time.perf_counter() - t0, 2)
    np.save(f'/tmp/{prefix}_{name}.npy', x.movedim(1, -1).numpy())
    out[name] = dict(sampler=sc.sampler, steps=sc.steps, cfg=sc.cfg_scale, cfg_interval=list(sc.cfg_interval),
                     t_shift=sc.t_shift, guide=guides[k - 1] if k else None, seconds=sec)
    print(name, out[name], flush=True)
    json.dump(out, open(out_json, 'w'), indent=1)                                   # after each: a timeout keeps the rest
