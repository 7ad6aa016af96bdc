"""Time one Muon step over the blocks' weight matrices of a preset's model on the GPU: PyTorch's per-matrix loop
against nano_sora's batched Muon (eager, and with torch.compile on its Newton-Schulz); random gradients."""
import json, sys, time, torch
import nano_sora.training.train as tr
from nano_sora.config import get_config
from nano_sora.models.dit import make_model

def matrices(preset):
    model = make_model(get_config(preset).model).cuda()
    return [p for n, p in model.named_parameters() if n.startswith('blocks.') and p.ndim == 2]

def ms_per_step(opt, ps, n=50):
    for p in ps: p.grad = torch.randn_like(p)
    for _ in range(5): opt.step()
    torch.cuda.synchronize(); t0 = time.perf_counter()
    for _ in range(n): opt.step()
    torch.cuda.synchronize(); return round((time.perf_counter() - t0) / n * 1e3, 3)

out = {}
for preset in ('small', 'fast'):
    ps = matrices(preset)
    r = {'n_matrices': len(ps), 'shapes': len({tuple(p.shape) for p in ps}),
         'torch.optim.Muon_ms': ms_per_step(torch.optim.Muon(ps, lr=1e-3, adjust_lr_fn='match_rms_adamw'), ps),
         'batched_ms': ms_per_step(tr.Muon(ps, lr=1e-3), ps)}
    eager, tr.orthogonalize = tr.orthogonalize, torch.compile(tr.orthogonalize)
    r['batched_compiled_ns_ms'] = ms_per_step(tr.Muon(ps, lr=1e-3), ps)
    tr.orthogonalize = eager
    out[preset] = r; print(preset, r, flush=True)
json.dump(out, open(sys.argv[1], 'w'), indent=1)
