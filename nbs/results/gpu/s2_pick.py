"""Call C's choice, made on the GPU machine between two runs: FID-2k of each 75-second screen (call B's samples,
scored with ../shared/fid/fid.py), then the 5-minute recipe: the family (small or fast) whose routed screen scored
better, plus each lever whose small screen beat the small baseline, plus CUDA graphs if call A's benchmark
measured them at least 3% faster on the small model. Writes /tmp/win.txt: the preset, then the overrides."""
import json, subprocess, sys
names = ['s_base', 's_route', 's_skips', 's_muon', 'f_route']
res = subprocess.run([sys.executable, '/tmp/carry/fid.py', *[f'/tmp/scr/{n}.npy' for n in names], '--device', 'cuda'],
                     capture_output=True, text=True)
print(res.stderr[-2000:], file=sys.stderr)
fid = {l.split()[3].split('/')[-1][:-4]: float(l.split()[2]) for l in res.stdout.splitlines() if l.startswith('FID ')}
print('FID-2k after 75 s:', json.dumps(fid))
inf = float('inf')
levers = {'s_route': ['model.route=0.5'], 's_skips': ['model.skips=true'], 's_muon': ['train.optimizer=muon']}
adopted = [k for k in levers if fid.get(k, inf) < fid.get('s_base', inf)]
family = 'fast' if fid.get('f_route', inf) < min(fid.get('s_route', inf), fid.get('s_base', inf)) else 'small'
over = [o for k in adopted for o in levers[k]]
if family == 'fast' and 's_route' not in adopted: over.append('model.route=0.5')
if family == 'small' and 's_route' in adopted: over.append('model.route_skip=1')
bench = lambda n: json.load(open(f'/tmp/bench/{n}.json'))['rows'][0]['img_per_s']
try:
    plain, graphs = 'small', 'small_cg'      # measured on the small model only (the device budget)
    if bench(graphs) >= 1.03 * bench(plain): over.append('train.compile_mode=reduce-overhead')
    print(f'bench {plain} {bench(plain):.0f} img/s, {graphs} {bench(graphs):.0f} img/s')
except (OSError, KeyError, IndexError) as e: print('no benchmark to decide CUDA graphs:', e)
json.dump(dict(fid2k=fid, adopted=adopted, family=family, overrides=over), open('/tmp/win.json', 'w'))
open('/tmp/win.txt', 'w').write(' '.join([family, *over]) + '\n')
print('5-minute recipe:', family, *over)
