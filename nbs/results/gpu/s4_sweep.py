"""Sampling sweep on one model, one process, compiled once: 10,000 samples (1,000 per class) per setting, timed after a
warm-up batch, written to /tmp/sw_<name>.npy for fid.py. Settings: guidance scale and interval with 50 Euler steps,
and a non-uniform time grid t(u) = u / (u + s (1 - u)) (s > 1: shorter steps near the noise, s < 1 near the data) for
Heun and Euler. Usage: s4_sweep.py CKPT OUT.json [PREFIX [NAME...]]: the named settings (default: the fourth session's
eleven, SETTINGS) to /tmp/PREFIX_<name>.npy (default PREFIX sw). It ran in the fourth and fifth sessions, against the
samplers' interface before `sample.t_shift` (2026-12-03); s6_sweep.py uses the package's grid instead."""
import json, sys, time
import numpy as np, torch
import nano_sora.training.flow_matching as fm
from nano_sora.config import SampleConfig
from nano_sora.models.dit import load_model

def shifted(step, s):
    "A solver run on the grid t_i = u_i / (u_i + s (1 - u_i)), u_i = i / steps."
    def run(f, x, steps, flow=None, generator=None):
        u = torch.linspace(0, 1, steps + 1).double()
        t = (u / (u + s * (1 - u))).tolist()
        for a, b in zip(t[:-1], t[1:]):
            x = step(f, x, a, b - a); yield x
    return run

G = (0.3, 0.8)
SETTINGS = [  # name, sampler, steps, cfg, interval, grid shift
    ('e50_g2.0', 'euler', 50, 2.0, G, 1), ('e50_g2.5', 'euler', 50, 2.5, G, 1), ('e50_g3.5', 'euler', 50, 3.5, G, 1),
    ('e50_g4.0', 'euler', 50, 4.0, G, 1), ('e50_i.2-.9', 'euler', 50, 3.0, (0.2, 0.9), 1),
    ('e50_i.3-1', 'euler', 50, 3.0, (0.3, 1.0), 1), ('e50_i.4-.8', 'euler', 50, 3.0, (0.4, 0.8), 1),
    ('h13_s1.5', 'heun', 13, 3.0, G, 1.5), ('h13_s2', 'heun', 13, 3.0, G, 2.0), ('h13_s3', 'heun', 13, 3.0, G, 3.0),
    ('e25_s2', 'euler', 25, 3.0, G, 2.0)]
MORE = [  # the fifth session: the presets' guidance on the uniform grid, and the grid with s < 1
    ('e25', 'euler', 25, 3.0, G, 1), ('h13', 'heun', 13, 3.0, G, 1), ('e50', 'euler', 50, 3.0, G, 1),
    ('h13_s0.5', 'heun', 13, 3.0, G, 0.5), ('h13_s0.75', 'heun', 13, 3.0, G, 0.75), ('e25_s0.75', 'euler', 25, 3.0, G, 0.75)]
prefix, names = (sys.argv[3], sys.argv[4:]) if len(sys.argv) > 3 else ('sw', [])
chosen = [x for x in SETTINGS + MORE if x[0] in names] if names else SETTINGS

model, cfg = load_model(sys.argv[1], 'cuda', compile=True)
labels = fm.balanced_labels(10000, list(range(10)))
uniform = dict(fm.SAMPLERS)
out = {}
for name, sampler, steps, scale, interval, s in chosen:
    fm.SAMPLERS[sampler] = uniform[sampler] if s == 1 else shifted({'euler': fm.euler_step, 'heun': fm.heun_step}[sampler], s)
    sc = SampleConfig(steps=steps, sampler=sampler, cfg_scale=scale, cfg_interval=interval)
    fm.generate(model, labels[:2500], sc, 0, 2500, 'bf16', flow=cfg.flow)       # warm-up / compile
    torch.cuda.synchronize(); t0 = time.perf_counter()
    x = fm.generate(model, labels, sc, 0, 2500, 'bf16', flow=cfg.flow)
    torch.cuda.synchronize(); sec = round(time.perf_counter() - t0, 2)
    np.save(f'/tmp/{prefix}_{name}.npy', x.movedim(1, -1).numpy())
    out[name] = dict(sampler=sampler, steps=steps, cfg=scale, cfg_interval=list(interval), grid_shift=s, seconds=sec)
    print(name, out[name], flush=True)
json.dump(out, open(sys.argv[2], 'w'), indent=1)
