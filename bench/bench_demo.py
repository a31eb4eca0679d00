"""Load test of the demo page on loopback: concurrent clients against `gmfpt demo`, as a user's browser would call it.

The server is the command (`gmfpt demo --model MODEL --port P`) in its own process; N clients (threads, each with its
own Gradio client) each send R requests of an example image to the page's `/attribute` endpoint. Every answer is
checked against `Attributor.predict` of the same file. Reported: answers, explicit "busy" refusals (the per-address
rate limit's 429 and Gradio's "queue is full"), any other error (the target is none), p50/p95/max latency per request,
requests per second, and the server's resident memory after start-up, after a warm-up round and at the end (flat:
the end over the warm-up). Writes bench/results/demo.json and demo.md with the hardware and load average.

Run: .venv/bin/python bench/bench_demo.py [--clients 20] [--requests 20] [--model tiny]
"""
import argparse, json, os, platform, socket, subprocess, sys, tempfile, time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

OUT = Path(__file__).parent/'results'

def free_port() -> int:
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

def rss_mb(pid: int) -> float:
    import psutil
    p = psutil.Process(pid)
    return round(sum(q.memory_info().rss for q in [p, *p.children(recursive=True)]) / 2**20, 1)

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--clients', type=int, default=20); ap.add_argument('--requests', type=int, default=20)
    ap.add_argument('--model', default='tiny', help='attributor folder or preset name')
    a = ap.parse_args()
    from gradio_client import Client, handle_file
    from gmfpt_nb.pipeline import load_attributor, model_dir
    att = load_attributor(a.model)
    folder = model_dir(a.model) if (model_dir(a.model)).exists() else Path(a.model)
    examples = sorted((folder/'examples').glob('*.png'))
    want = {str(f): att.predict([f]).source[0] for f in examples}
    port, load0 = free_port(), os.getloadavg()
    log_path = Path(tempfile.gettempdir())/'gmfpt-demo-server.log'     # the server's own messages, for a look afterwards
    log = open(log_path, 'w')
    srv = subprocess.Popen([str(Path(sys.executable).parent/'gmfpt'), 'demo', '--model', a.model, '--port', str(port)],
                           stdout=log, stderr=subprocess.STDOUT)
    url = f'http://127.0.0.1:{port}/'
    try:
        t0 = time.time()
        while True:
            try: socket.create_connection(('127.0.0.1', port), 1).close(); break
            except OSError:
                if srv.poll() is not None: raise SystemExit(f"the server stopped: {log_path.read_text()[-2000:]}")
                if time.time() - t0 > 120: raise SystemExit('the server did not start within 120 s')
                time.sleep(0.2)
        startup_s, mem = round(time.time() - t0, 1), {'after start-up': rss_mb(srv.pid)}

        def one(cl, f):
            t = time.perf_counter()
            try:
                r = cl.predict(handle_file(f), api_name='/attribute')
                shown = r[1]
                ok = ('Unknown source' in shown) if want[f] == 'unknown' else (f'Predicted source: {want[f]}' in shown)
                return ('ok' if ok else f'wrong answer: {shown[:80]}'), time.perf_counter() - t
            except Exception as e:
                m = str(e).lower()
                return ('busy' if any(w in m for w in ('busy', 'queue is full', '429')) else f'error: {e!r}'[:200],
                        time.perf_counter() - t)

        def client(i, n):
            try: cl = Client(url, verbose=False)
            except Exception as e: return [(f'connect: {e!r}'[:200], 0.)]
            return [one(cl, str(examples[(i + j) % len(examples)])) for j in range(n)]

        with ThreadPoolExecutor(a.clients) as ex: warm = [r for rs in ex.map(lambda i: client(i, 1), range(a.clients)) for r in rs]
        mem['after warm-up'] = rss_mb(srv.pid)
        t1 = time.time()
        with ThreadPoolExecutor(a.clients) as ex:
            res = [r for rs in ex.map(lambda i: client(i, a.requests), range(a.clients)) for r in rs]
        wall = time.time() - t1
        mem['at the end'] = rss_mb(srv.pid)
    finally:
        srv.terminate()
        try: srv.wait(20)
        except subprocess.TimeoutExpired: srv.kill()
    lat = sorted(1000 * t for s, t in res if s == 'ok')
    pct = lambda q: round(lat[min(len(lat) - 1, int(q * len(lat)))], 1) if lat else None
    kinds = {}
    for s, _ in res: kinds[s if s in ('ok', 'busy') else 'other'] = kinds.get(s if s in ('ok', 'busy') else 'other', 0) + 1
    cpu = next((l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name')), platform.processor())
    out = dict(hardware=dict(cpu=cpu, cores=os.cpu_count(), load_avg_at_start=[round(v, 2) for v in load0],
                             load_avg_at_end=[round(v, 2) for v in os.getloadavg()]),
               model=a.model, clients=a.clients, requests_per_client=a.requests, server_startup_s=startup_s,
               wall_s=round(wall, 1), answers_per_s=round(kinds.get('ok', 0) / wall, 1), counts=kinds,
               other_errors=sorted({s for s, _ in res + warm if s not in ('ok', 'busy')})[:10],
               latency_ms=dict(p50=pct(.5), p95=pct(.95), max=lat[-1] if lat else None),
               server_rss_mb=mem, memory_end_over_warm=round(mem['at the end'] / mem['after warm-up'], 3))
    OUT.mkdir(exist_ok=True); (OUT/'demo.json').write_text(json.dumps(out, indent=1))
    md = [f"# Demo load test: {a.clients} clients x {a.requests} requests on loopback (`{a.model}` attributor)\n",
          f"Hardware: {out['hardware']}\n",
          '| measure | value |', '|---|---|',
          *[f'| {k} | {v} |' for k, v in out.items() if k not in ('hardware',)]]
    (OUT/'demo.md').write_text('\n'.join(md) + '\n')
    print('\n'.join(md)); print(f'server log: {log_path}')
    return 0 if kinds.get('other', 0) == 0 else 1

if __name__ == '__main__':
    sys.exit(main())
