"""MaskDiT-style masking on the `small` preset (tenth session): an experiment, measured at equal steps against the
preset (s10_background.sh: m39 against b39 and b26); it lost, so nothing here is in the package.

While masked, every image drops a random `--mask` share of its tokens after the position embedding; the first
depth - `--decoder` blocks see only the kept tokens; then a learned mask token (plus its position embedding) fills
the dropped places and the last `--decoder` blocks see every token (MaskDiT's encoder / decoder split, Zheng et al.
2023). The loss is the velocity MSE on the kept tokens plus `--mae` times the MSE on the dropped ones (MaskDiT's
auxiliary reconstruction, here on the same velocity target). At step `--until` the run is interrupted the package's
own way (last.pt) and resumed unmasked (the plain DiT forward, compiled afresh) to the end of its budget (--set
train.max_steps=N train.minutes=0): the short unmasked finish. The training loop, optimizer (Muon + AdamW), EMA,
schedule and clock are the package's `train`; only the model's masked forward and the loss are this file's (kept as
it ran: its noise, t and label-dropout draws use its own generator, not the run's checkpointed one).
Writes RUN_DIR/plain.pt: the EMA weights without the mask token, a checkpoint `load_model` reads (s6_sweep.py).
Usage: s10_maskdit.py ZIP RUN_DIR [--mask 0.5] [--decoder 2] [--mae 0.1] --until STEP [--seed 0] [--set K=V ...]
(CPU smoke test: --preset tiny --device cpu --eager --until 40 --set train.max_steps=60 ...)"""
import argparse, time
from pathlib import Path
import torch
from torch import nn
from nano_sora.config import get_config
from nano_sora.data.loader import load_images
from nano_sora.models.dit import DiT, routed_tokens, gather_tokens, scatter_tokens
from nano_sora.training.flow_matching import draw_noise, interpolate, velocity
from nano_sora.training.train import train

class MaskDiT(DiT):
    "The DiT plus a mask token; `masked(x_t, t, y)` -> (v_pred, kept-pixel mask (B, 1, H, W)); `forward` is DiT's."
    def __init__(self, cfg, mask: float, decoder: int):
        super().__init__(cfg)
        self.mask, self.decoder = mask, decoder
        self.mask_token = nn.Parameter(torch.randn(cfg.dim) * 0.02)   # (D,): a (1, 1, D) one broke compiled backward

    def masked(self, x_t, t, y):
        B = x_t.shape[0]
        x = self.pos(self.patch(x_t))
        c = self.t_embed(t) + self.y_embed(y)
        keep = routed_tokens(x, self.mask)                                   # (B, n) kept token indices
        h = gather_tokens(x, keep)
        for block in self.blocks[:len(self.blocks) - self.decoder]: h = block(h, c)
        h = scatter_tokens(self.pos(self.mask_token.expand(B, x.shape[1], -1)).to(h.dtype), keep, h)
        for block in self.blocks[len(self.blocks) - self.decoder:]: h = block(h, c)
        kept = torch.zeros(B, x.shape[1], device=x.device).scatter(1, keep, 1.0)
        pix = self.unpatchify(kept[..., None].expand(-1, -1, self.cfg.patch_size ** 2 * self.cfg.in_channels))
        return self.unpatchify(self.final(h, c)), pix[:, :1]

def masked_loss(fwd, model, cfg, gen, mae: float):
    "Kept-token velocity MSE + mae * dropped-token MSE, on the package's draws (noise, t, label dropout)."
    def loss(x1, y):
        x0, t, y_in = draw_noise(x1, y, cfg.flow, model.null_class, gen)
        v_pred, m = fwd(interpolate(x0, x1, t), t, y_in)
        err = (v_pred.float() - velocity(x0, x1)).pow(2)
        return (err * m).sum() / (m.sum() * x1.shape[1]) + mae * (err * (1 - m)).sum() / ((1 - m).sum() * x1.shape[1])
    return loss

def plain_loss(fwd, model, cfg, gen):
    "The unmasked finish: the package's rectified-flow loss through the compiled plain forward."
    def loss(x1, y):
        x0, t, y_in = draw_noise(x1, y, cfg.flow, model.null_class, gen)
        return (fwd(interpolate(x0, x1, t), t, y_in).float() - velocity(x0, x1)).pow(2).mean()
    return loss

def main():
    p = argparse.ArgumentParser()
    p.add_argument('zip'); p.add_argument('run_dir')
    p.add_argument('--mask', type=float, default=0.5); p.add_argument('--decoder', type=int, default=2)
    p.add_argument('--mae', type=float, default=0.1); p.add_argument('--until', type=int, required=True)
    p.add_argument('--seed', type=int, default=0); p.add_argument('--preset', default='small')
    p.add_argument('--device', default='cuda'); p.add_argument('--eager', action='store_true')
    p.add_argument('--set', nargs='*', default=[])
    a = p.parse_args()
    compile = (lambda f: f) if a.eager else (lambda f: torch.compile(f, mode='reduce-overhead'))
    torch._dynamo.config.automatic_dynamic_shapes = False
    # the preset, compiled here (the loss calls the compiled masked forward, which `prepare` cannot see)
    cfg = get_config(a.preset, [f'data.source={a.zip}', f'train.seed={a.seed}', 'train.compile=false',
                                f'name=maskdit{a.mask}', *a.set])
    x, y, _ = load_images(a.zip, train=True, limit=cfg.data.limit)
    model = MaskDiT(cfg.model, a.mask, a.decoder)
    gen = torch.Generator(a.device).manual_seed(cfg.train.seed * 1000)
    fwd = compile(model.masked)
    t0 = time.perf_counter()
    def stop_masking(step, loss, m):
        if step >= a.until: raise KeyboardInterrupt
    try: train(cfg, a.run_dir, data=(x, y), device=a.device, model=model, loss=masked_loss(fwd, model, cfg, gen, a.mae),
               on_step=stop_masking)
    except KeyboardInterrupt: print(f'masked phase over at step {a.until} after {time.perf_counter() - t0:.0f} s', flush=True)
    model2 = MaskDiT(cfg.model, a.mask, a.decoder)
    fwd2 = compile(model2)
    s = train(cfg, a.run_dir, data=(x, y), device=a.device, model=model2, resume=True,
              loss=plain_loss(fwd2, model2, cfg, gen))
    print('summary', s, flush=True)
    ck = torch.load(Path(a.run_dir)/'checkpoints'/'last.pt', map_location='cpu', weights_only=True)
    for k in ('model', 'ema'): ck[k].pop('mask_token')
    torch.save(ck, Path(a.run_dir)/'plain.pt')

if __name__ == '__main__': main()
