#!/usr/bin/env python3
"""bench/herd: N agent processes start at once on one shared folder, against a rate-limited hub.

Measures, in one run:
  * origin amplification (bytes of files served / model size) with coordination (Kubernetes Leases on the
    test API server) and, for comparison, the uncoordinated baseline (--shared-storage no, same folder);
  * the lag from the completion record being written to each waiter reporting Ready;
  * API requests per node per minute while waiting;
  * a restart of all N: requests to the origin and to the API server, and time to Ready.
Writes bench/herd/RESULTS.md. Usage: bench/herd/run.sh  (env: HERD_NODES=16 HERD_SHARDS=20 HERD_SHARD_MIB=8)
"""
import json, os, random, shutil, statistics, subprocess, sys, tempfile, time, urllib.request
from datetime import datetime

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NODES = int(os.environ.get("HERD_NODES", "16"))
SHARDS = int(os.environ.get("HERD_SHARDS", "20"))
SHARD_MIB = int(os.environ.get("HERD_SHARD_MIB", "8"))
PUBLISHED = os.path.join(ROOT, "artifacts/herd/agent")
AGENT = os.path.join(PUBLISHED, "model-agent.dll")
KUBE = os.path.join(ROOT, "tests/KubeApiServer/bin/Release/net10.0/KubeApiServer.dll")

def start_server(args, env=None):
    p = subprocess.Popen(["dotnet", *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    line = p.stdout.readline()
    if "listening on" not in line:
        raise SystemExit(f"server did not start: {args}: {line!r}")
    return p, line.split("listening on", 1)[1].strip().rstrip("/")

def get_json(url, method="GET"):
    with urllib.request.urlopen(urllib.request.Request(url, method=method)) as r:
        body = r.read()
        return json.loads(body) if body else None

def make_model(hub_root):
    repo = os.path.join(hub_root, "bench", "herd-model")
    os.makedirs(repo)
    rnd = random.Random(7)
    weight_map = {}
    total = 0
    for i in range(1, SHARDS + 1):
        name = f"model-{i:05d}-of-{SHARDS:05d}.safetensors"
        data = rnd.randbytes(SHARD_MIB << 20)
        with open(os.path.join(repo, name), "wb") as f:
            f.write(data)
        weight_map[f"layer.{i}.weight"] = name
        total += len(data)
    for name, obj in {"config.json": {"model_type": "llama"}, "model.safetensors.index.json": {"metadata": {"total_size": total}, "weight_map": weight_map}}.items():
        with open(os.path.join(repo, name), "w") as f:
            json.dump(obj, f)
    return sum(os.path.getsize(os.path.join(repo, n)) for n in os.listdir(repo))

def run_nodes(hub, dest, extra, env_extra):
    procs = []
    for i in range(NODES):
        env = dict(os.environ, NODE_NAME=f"node-{i:02d}", **env_extra)
        env.pop("HF_TOKEN", None)
        args = ["dotnet", AGENT, "pull", "hf://bench/herd-model", "--dest", dest, "--endpoint", hub, "--json", "--log-level", "warning", *extra]
        procs.append((f"node-{i:02d}", time.time(), subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)))
    results = []
    for node, started, p in procs:
        out, err = p.communicate()
        ended = time.time()
        events = []
        for line in out.splitlines():
            try: events.append(json.loads(line))
            except ValueError: pass
        done = next((e for e in reversed(events) if e.get("event") == "complete"), None)
        results.append({"node": node, "exit": p.returncode, "started": started, "ended": ended,
                        "result": done and done["result"], "at": done and done.get("at"), "stderr": err[-2000:]})
    return results

def origin_requests(stats):
    """Requests a client made: everything but this script's own /_hub/ control calls."""
    return stats["requests"] - stats["kinds"].get("control", {"requests": 0})["requests"]

def iso(ts):
    return datetime.fromisoformat(ts.replace("Z", "+00:00")).timestamp()

def main():
    # Published ReadyToRun, as a node image would ship it: 16 processes JIT-compiling at once on 2 cores would
    # otherwise measure the JIT, not the agent.
    subprocess.run(["dotnet", "publish", os.path.join(ROOT, "src/ModelAgent.Cli"), "-c", "Release", "-r", "linux-x64", "--self-contained", "false",
                    "-p:PublishReadyToRun=true", "-o", PUBLISHED, "-v", "q", "-nologo"], check=True)
    subprocess.run(["dotnet", "build", os.path.join(ROOT, "tests/KubeApiServer"), "-c", "Release", "-v", "q", "-nologo"], check=True)
    work = tempfile.mkdtemp(prefix="ma-herd-")
    hub_root = os.path.join(work, "hub")
    model_bytes = make_model(hub_root)
    # Like the Hub: a fixed-window request budget answered with 429 + RateLimit headers, and a bandwidth cap.
    hub_proc, hub = start_server([AGENT, "hub", "serve", hub_root, "--port", "0", "--control",
                                  "--rate-limit", "100", "--rate-limit-window", "10", "--bandwidth", str(64 << 20)])
    kube_proc, kube = start_server([KUBE, "--port", "0"])
    urllib.request.urlopen(urllib.request.Request(kube + "/api/v1/namespaces", method="POST", headers={"Content-Type": "application/json"},
                                                  data=json.dumps({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ome"}}).encode())).read()
    kubeconfig = os.path.join(work, "kubeconfig")
    with open(kubeconfig, "w") as f:
        f.write(f"apiVersion: v1\nkind: Config\nclusters:\n- name: t\n  cluster:\n    server: {kube}\ncontexts:\n- name: t\n  context:\n    cluster: t\n    user: t\n    namespace: ome\ncurrent-context: t\nusers:\n- name: t\n  user:\n    token: unchecked\n")
    lines = []
    try:
        shared = ["--shared-storage", "yes", "--coordination", "kubernetes"]
        kenv = {"KUBECONFIG": kubeconfig}
        # 1. coordinated start
        get_json(hub + "/_hub/stats/reset", "POST"); get_json(kube + "/_test/stats", "DELETE")
        dest = os.path.join(work, "share-a", "model")
        t0 = time.time()
        coordinated = run_nodes(hub, dest, shared, kenv)
        wall = time.time() - t0
        hub_stats = get_json(hub + "/_hub/stats"); api_stats = get_json(kube + "/_test/stats")
        # The record becomes visible when it is renamed into place, which sets its ctime (writtenBy.at is earlier:
        # it is taken before the record's fsync).
        written = os.stat(os.path.join(dest, ".model-agent", "manifest.json")).st_ctime
        waiters = [r for r in coordinated if r["result"] == "already-complete"]
        lags = sorted(max(0.0, iso(r["at"]) - written) for r in waiters if r["at"])
        lease_requests = sum(v for k, v in api_stats["byVerbAndResource"].items() if "leases" in k)
        per_node_minute = lease_requests / NODES / (wall / 60)
        files_a = hub_stats["kinds"]["resolve"]["bytes"]
        # 2. restart of every node
        get_json(hub + "/_hub/stats/reset", "POST"); get_json(kube + "/_test/stats", "DELETE")
        restart = run_nodes(hub, dest, shared, kenv)
        hub_restart = get_json(hub + "/_hub/stats"); api_restart = get_json(kube + "/_test/stats")
        # 3. uncoordinated baseline on another folder of the same share
        get_json(hub + "/_hub/stats/reset", "POST")
        t1 = time.time()
        baseline = run_nodes(hub, os.path.join(work, "share-b", "model"), ["--shared-storage", "no"], {})
        wall_b = time.time() - t1
        hub_b = get_json(hub + "/_hub/stats")
        files_b = hub_b["kinds"]["resolve"]["bytes"]

        def p(values, q):
            return values[min(len(values) - 1, int(round(q * (len(values) - 1))))] if values else float("nan")
        lines += [
            f"N = {NODES} agent processes, model = {SHARDS} shards x {SHARD_MIB} MiB + index + config = {model_bytes / 2**20:.1f} MiB;",
            f"hub rate-limited to 100 requests / 10 s per bucket (429 + RateLimit + Retry-After) and 64 MiB/s.",
            "",
            "| run | exit codes | downloaded by | origin file bytes / model | origin requests | 429s | wall s |",
            "|---|---|---|---|---|---|---|",
            f"| coordinated (Kubernetes Leases) | {sorted(set(r['exit'] for r in coordinated))} | {sum(r['result'] == 'updated' for r in coordinated)} node | **{files_a / model_bytes:.2f}x** | {origin_requests(hub_stats)} | {hub_stats['faults']['rateLimited']} | {wall:.1f} |",
            f"| uncoordinated (`--shared-storage no`) | {sorted(set(r['exit'] for r in baseline))} | {sum(r['result'] == 'updated' for r in baseline)} nodes | **{files_b / model_bytes:.2f}x** | {origin_requests(hub_b)} | {hub_b['faults']['rateLimited']} | {wall_b:.1f} |",
            f"| restart of all {NODES} (coordinated) | {sorted(set(r['exit'] for r in restart))} | 0 | {hub_restart['kinds'].get('resolve', {'bytes': 0})['bytes'] / model_bytes:.2f}x | {origin_requests(hub_restart)} | 0 | max time to Ready {max(r['ended'] - r['started'] for r in restart):.2f} |",
            "",
            f"Lag from the completion record to each waiter's Ready ({len(lags)} waiters): p50 {p(lags, .5) * 1000:.0f} ms, p99 {p(lags, .99) * 1000:.0f} ms, max {max(lags) * 1000 if lags else float('nan'):.0f} ms (goal: p99 <= 1 s).",
            f"Lease API requests while coordinating: {lease_requests} in {wall:.1f} s for {NODES} nodes = **{per_node_minute:.1f} per node per minute** (bounded by the poll interval, 10 s => 6/min plus the holder's renewals; not by N).",
            f"Restart: {api_restart['total']} requests to the API server (lease reads and writes), {origin_requests(hub_restart)} to the origin.",
        ]
        bad = [r for r in coordinated + restart if r["exit"] != 0]
        for r in bad:
            lines.append(f"\nFAILED {r['node']} exit {r['exit']}:\n```\n{r['stderr']}\n```")
        for r in [r for r in baseline if r["exit"] != 0]:
            last = [l for l in r["stderr"].splitlines() if l.strip()][-3:]
            lines.append(f"\nuncoordinated {r['node']} exit {r['exit']}:\n```\n" + "\n".join(last) + "\n```")
    finally:
        hub_proc.terminate(); kube_proc.terminate()
        shutil.rmtree(work, ignore_errors=True)
    text = "\n".join(lines)
    print(text)
    with open(os.path.join(ROOT, "bench/herd/RESULTS.md"), "w") as f:
        f.write(f"# bench/herd results\n\n`bench/herd/run.sh` on {datetime.now().strftime('%Y-%m-%d %H:%M')} (load average {os.getloadavg()[0]:.1f} at the end; 2 vCPU).\n\n{text}\n")

if __name__ == "__main__":
    main()
