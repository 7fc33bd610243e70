#!/usr/bin/env python3
"""bench/scale: N (default 200) `model-agent run` processes, each its own Node, on one shared folder, against one test
API server and one bandwidth-capped hub server; 3 ClusterBaseModels applied at once.

Measures, in one run (goal: at rest 0 API requests besides the open watches; while waiting <= 2 per node per minute):
  * API requests per second and per node per minute, by verb and resource, while the models download and every other
    node waits (the whole window, its steady waiting part, and a 10 s timeline), at rest, and across a restart of
    some agents;
  * open watches at rest (by resource), agent memory (RSS min/median/max/total), origin requests and bytes (each model
    must come from the origin once for the whole share: asserted), time to all agents ready and to all nodes Ready;
  * the machine (nproc, load average).
Writes bench/scale/RESULTS.md. Usage: bench/scale/run.sh [AGENTS [RESTART]]   (smoke test: bench/scale/run.sh 10 2)
Env (arguments win): SCALE_BENCH_AGENTS=200 SCALE_BENCH_RESTART=10 SCALE_BENCH_MODELS=3 SCALE_BENCH_SHARDS=2
SCALE_BENCH_SHARD_MIB=16 SCALE_BENCH_BANDWIDTH=2M (hub body bytes/s for all connections) SCALE_BENCH_BATCH=25 (agents
started at once) SCALE_BENCH_REST_S=60 SCALE_BENCH_READY_TIMEOUT=900 SCALE_BENCH_NO_BUILD=1 (reuse the last build)
SCALE_BENCH_KEEP=1 (keep the work folder with each node's log) SCALE_BENCH_OUT=FILE (default bench/scale/RESULTS.md)
"""
import json, os, shutil, signal, statistics, subprocess, sys, tempfile, threading, time, urllib.request
from datetime import datetime, timezone

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
import cluster  # noqa: E402  (bench/lib: shared with bench/agent)
from cluster import LABEL_PREFIX, free_port, start_server, wait_until  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ARGS = sys.argv[1:]
AGENTS = int(ARGS[0] if len(ARGS) > 0 else os.environ.get("SCALE_BENCH_AGENTS", "200"))
RESTART = int(ARGS[1] if len(ARGS) > 1 else os.environ.get("SCALE_BENCH_RESTART", "10"))
MODELS = int(os.environ.get("SCALE_BENCH_MODELS", "3"))
SHARDS = int(os.environ.get("SCALE_BENCH_SHARDS", "2"))
SHARD_MIB = int(os.environ.get("SCALE_BENCH_SHARD_MIB", "16"))
BANDWIDTH = os.environ.get("SCALE_BENCH_BANDWIDTH", "2M")
BATCH = int(os.environ.get("SCALE_BENCH_BATCH", "25"))
REST_S = int(os.environ.get("SCALE_BENCH_REST_S", "60"))
READY_TIMEOUT = int(os.environ.get("SCALE_BENCH_READY_TIMEOUT", "900"))
OUT = os.environ.get("SCALE_BENCH_OUT", os.path.join(ROOT, "bench/scale/RESULTS.md"))
SAMPLE_S = 5
MIN_FREE_MIB = 1536
WAIT_SETTLE_S = 5  # after the last node reports Updating, before the steady waiting window starts
PUBLISHED = os.path.join(ROOT, "artifacts/scale-bench/agent")
AGENT = os.path.join(PUBLISHED, "model-agent.dll")
KUBE = os.path.join(ROOT, "tests/KubeApiServer/bin/Release/net10.0/KubeApiServer.dll")
OBSERVER = "bench-scale-observer"
GOAL_WAIT = 2.0
STARTED = []

METHOD = """## How each number is measured

* **Setup**: the test API server (`tests/KubeApiServer`, Release, `--port 0`) and `model-agent hub serve <folder> --port 0
  --control --bandwidth B` (all connections together get B body bytes/s, so downloads last long enough to measure the
  waiting) run as processes. Over the API server's REST API (what `kubectl apply` would send) the script creates the
  chart's CRDs (`deploy/helm/model-agent/crds/`), namespace `ome` and N Node objects (labels `pool=gpu`,
  `bench/rack=rN`), writes a kubeconfig, and starts N published (ReadyToRun, framework-dependent) `model-agent run`
  processes `--node-name node-NNN --port P --models-root-dir SHARE --shared-storage yes --coordination kubernetes
  --log-level warning` (every other flag at its default: 5 workers, lease poll 10 s), in batches, each batch's
  `/readyz` answered before the next starts. The models are random safetensors shards generated per run, applied as
  ClusterBaseModels `hf://bench/model-M` (no node selector: every node) at once.
* **API requests**: `GET /_test/stats` of the test API server every 5 s and at each phase boundary; requests in a
  window are the difference of two snapshots, summed over `byUserAgent` minus this script's own user agent. A watch
  counts once when it is opened (its events are not requests). Per node per minute = requests / N / minutes. The
  verb/resource columns are `byVerbAndResource` differences (they include this script's few requests: the
  ClusterBaseModel creates and its one Node watch).
* **Windows**: *download and wait* runs from the apply to the moment this script's Node watch (list + `watch=true` on
  `/api/v1/nodes`) sees every node's three labels `Ready`. Its *steady waiting* part runs from 5 s after the last
  node reported `Updating` for every model (every node is then downloading or waiting on the holder's Lease) to the
  first model's completion record (ctime of `<path>/.model-agent/manifest.json`), between the nearest 5 s samples:
  the per-node one-time writes (label, ConfigMap entry, Lease create) are outside it, so it is the rate a waiting
  node costs while it waits. *At rest* is a fixed window starting when every label is Ready. *Restart*: SIGTERM to
  R agents, start them again, wait for their `/readyz`, then 30 s.
* **Open watches**: `openWatches` / `openWatchesByResource` of the test API server at the end of the rest window,
  minus this script's one Node watch.
* **Memory**: `/proc/PID/smaps_rollup` of every agent process at the end of the rest window: `Rss` (counts the
  runtime's and the ReadyToRun images' shared pages in every process), private pages (`Private_Clean` +
  `Private_Dirty`, what one more agent costs) and `Pss` (shared pages split among the processes mapping them; its
  sum is what the N agents take together). On a real cluster each node runs one agent, so its RSS is the per-node figure.
* **CPU**: `utime` + `stime` from `/proc/PID/stat` of the agents: from start to /readyz, and over the rest window.
* **Memory guard**: the script stops starting agents (and fails) when `MemAvailable` would drop under 1.5 GiB.
* **Origin**: `GET /_hub/stats` (reset right before the apply) once every label is Ready: requests by kind, and each
  model's file body bytes divided by the sum of its file sizes; the script fails unless that is 1.00 for every model
  (the share downloaded each file once) and the restart made 0 origin requests.
* **Machine**: `nproc`, the 1-minute load average at the start, its maximum over the run (sampled every 5 s) and at
  the end. Other processes on the machine (other builds) share the cores.
"""


def call(url, method="GET", body=None):
    return cluster.call(url, OBSERVER, method, body)


def node_name(i):
    return f"node-{i:03d}"


def make_models(hub_root):
    return cluster.make_models(hub_root, MODELS, SHARDS, SHARD_MIB, seed=11)


def apply_crds(kube):
    cluster.apply_crds(kube, OBSERVER)


class Sampler:
    """The API server's counters every SAMPLE_S seconds, and the machine's load average."""

    def __init__(self, kube):
        self.kube, self.samples, self.loads, self.lock = kube, [], [], threading.Lock()
        threading.Thread(target=self.run, daemon=True).start()

    def snapshot(self):
        stats = call(self.kube + "/_test/stats")
        with self.lock:
            self.samples.append((time.time(), stats))
            self.loads.append(os.getloadavg()[0])
        return time.time(), stats

    def run(self):
        while True:
            try:
                self.snapshot()
            except Exception:
                pass
            time.sleep(SAMPLE_S)

    def between(self, start, end):
        """The samples nearest inside [start, end]: the first at or after start and the last at or before end."""
        with self.lock:
            inside = [s for s in self.samples if start <= s[0] <= end]
        return (inside[0], inside[-1]) if len(inside) >= 2 else None


def agent_requests(stats):
    return cluster.agent_requests(stats, OBSERVER)


def diff(a, b):
    """Requests by the agents, and by verb and resource, from snapshot a to snapshot b."""
    by = {k: v - a["byVerbAndResource"].get(k, 0) for k, v in b["byVerbAndResource"].items()}
    return agent_requests(b) - agent_requests(a), {k: v for k, v in sorted(by.items()) if v}


def per_node_minute(requests, seconds, nodes=None):
    return requests / (nodes or AGENTS) / (seconds / 60) if seconds > 0 else float("nan")


def start_agent(i, port, kubeconfig, hub, shared, logs):
    node = node_name(i)
    env = dict(os.environ, KUBECONFIG=kubeconfig, HF_ENDPOINT=hub)
    env.pop("HF_TOKEN", None)
    log = open(os.path.join(logs, f"{node}.log"), "a")
    args = ["dotnet", AGENT, "run", "--node-name", node, "--models-root-dir", shared, "--namespace", "ome", "--port", str(port),
            "--shared-storage", "yes", "--coordination", "kubernetes", "--log-level", "warning"]
    agent = {"i": i, "node": node, "port": port, "proc": subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=log, env=env),
             "log": log, "logpath": log.name, "start": (kubeconfig, hub, shared, logs)}
    STARTED.append(agent)
    return agent


def wait_ready_endpoints(agents, timeout=READY_TIMEOUT):
    deadline = time.time() + timeout
    pending = list(agents)
    while pending:
        for a in list(pending):
            if a["proc"].poll() == 2 and "already in use" in open(a["logpath"]).read():
                # Its port was taken since it was chosen (an outgoing connection's ephemeral port): a new one.
                restarted = start_agent(a["i"], free_port({b["port"] for b in STARTED}), *a["start"])
                a.update({k: restarted[k] for k in ("port", "proc", "log")})
                continue
            if a["proc"].poll() is not None:
                with open(a["logpath"]) as f:
                    tail = f.read()[-2000:]
                raise SystemExit(f"{a['node']} exited with {a['proc'].returncode} before /readyz answered:\n{tail}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{a['port']}/readyz", timeout=5) as r:
                    if r.status == 200:
                        pending.remove(a)
            except Exception:
                pass
        if pending and time.time() > deadline:
            raise SystemExit(f"{len(pending)} agents did not answer /readyz within {timeout} s (first: {pending[0]['node']})")
        if pending:
            time.sleep(0.5)


def start_in_batches(indexes, ports, kubeconfig, hub, shared, logs):
    agents = []
    for b in range(0, len(indexes), BATCH):
        # Stop before the machine runs out of memory (other work shares it): a bench must not get builds OOM-killed.
        if mem_available_mib() < MIN_FREE_MIB + BATCH * 160:
            raise SystemExit(f"only {mem_available_mib():.0f} MiB available after {len(agents)} agents: not starting more"
                             f" (each takes ~130 MiB RSS); run fewer agents: bench/scale/run.sh N")
        batch = [start_agent(i, ports[i], kubeconfig, hub, shared, logs) for i in indexes[b:b + BATCH]]
        wait_ready_endpoints(batch)
        agents += batch
        print(f"  {len(agents)}/{len(indexes)} agents ready (load {os.getloadavg()[0]:.1f})", flush=True)
    return agents


def stop_agents(agents):
    for a in agents:
        a["proc"].send_signal(signal.SIGTERM)
    codes = [a["proc"].wait(timeout=120) for a in agents]
    for a in agents:
        a["log"].close()
    return codes


def rss_mib(pid):
    return memory_mib(pid)["Rss"]


def memory_mib(pid):
    """Rss, Pss (shared pages split among the processes that map them) and Private (pages no other process maps)."""
    values = {}
    if not os.path.exists(f"/proc/{pid}/smaps_rollup"):
        return {"Rss": float("nan"), "Pss": float("nan"), "Private": float("nan")}
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            parts = line.split()
            if len(parts) == 3 and parts[2] == "kB":
                values[parts[0].rstrip(":")] = int(parts[1]) / 1024
    return {"Rss": values.get("Rss", 0.0), "Pss": values.get("Pss", 0.0),
            "Private": values.get("Private_Clean", 0.0) + values.get("Private_Dirty", 0.0)}


def cpu_seconds(pids):
    """User + system CPU seconds these processes have used so far."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except OSError:
            pass
    return total / os.sysconf("SC_CLK_TCK")


def mem_available_mib():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) / 1024
    return float("inf")


def fmt_by(by):
    return ", ".join(f"{k}: {v}" for k, v in by.items()) or "none"


def git_head():
    try:
        return subprocess.run(["git", "-C", ROOT, "log", "-1", "--format=%h %s"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return "unknown"


def main():
    # SIGTERM (timeout, Ctrl-C's cousin) must still reach the finally below that stops every agent.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("terminated"))
    head = git_head()
    if not os.environ.get("SCALE_BENCH_NO_BUILD"):
        # Published ReadyToRun, as the image ships it: N processes JIT-compiling at once on 2 cores would measure the JIT.
        subprocess.run(["dotnet", "publish", os.path.join(ROOT, "src/ModelAgent.Cli"), "-c", "Release", "-r", "linux-x64",
                        "--self-contained", "false", "-p:PublishReadyToRun=true", "-o", PUBLISHED, "-v", "q", "-nologo"], check=True)
        subprocess.run(["dotnet", "build", os.path.join(ROOT, "tests/KubeApiServer"), "-c", "Release", "-v", "q", "-nologo"], check=True)
    load_start = os.getloadavg()
    work = tempfile.mkdtemp(prefix="ma-scale-bench-")
    hub_root, shared, logs = (os.path.join(work, d) for d in ("hub", "share", "logs"))
    os.makedirs(shared)
    os.makedirs(logs)
    sizes = make_models(hub_root)
    hub_proc, hub = start_server([AGENT, "hub", "serve", hub_root, "--port", "0", "--control", "--bandwidth", BANDWIDTH])
    kube_proc, kube = start_server([KUBE, "--port", "0"])
    agents, lines, failures = [], [], []
    try:
        apply_crds(kube)
        call(kube + "/api/v1/namespaces", "POST", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ome"}})
        for i in range(AGENTS):
            call(kube + "/api/v1/nodes", "POST", {"apiVersion": "v1", "kind": "Node", "metadata": {
                "name": node_name(i), "labels": {"pool": "gpu", "bench/rack": f"r{i % 10}"}}})
        kubeconfig = os.path.join(work, "kubeconfig")
        with open(kubeconfig, "w") as f:
            f.write(f"apiVersion: v1\nkind: Config\nclusters:\n- name: t\n  cluster:\n    server: {kube}\ncontexts:\n- name: t\n"
                    f"  context:\n    cluster: t\n    user: t\n    namespace: ome\ncurrent-context: t\nusers:\n- name: t\n  user:\n"
                    f"    token: unchecked\n")
        watch = cluster.LabelWatch(kube, OBSERVER)
        sampler = Sampler(kube)
        ports = {}
        for i in range(AGENTS):
            ports[i] = free_port(set(ports.values()))

        # 0. Start: N agents in batches, each batch ready before the next.
        print(f"starting {AGENTS} agents in batches of {BATCH}", flush=True)
        t_start, (_, s_start) = time.time(), sampler.snapshot()
        agents = start_in_batches(list(range(AGENTS)), ports, kubeconfig, hub, shared, logs)
        t_agents_ready, s_agents_ready = sampler.snapshot()
        started = t_agents_ready - t_start
        startup_requests, startup_by = diff(s_start, s_agents_ready)
        startup_cpu = cpu_seconds([a["proc"].pid for a in agents])

        # 1. Download and wait: the models applied at once; one node per model downloads, the others wait.
        call(hub + "/_hub/stats/reset", "POST")
        keys = [LABEL_PREFIX + f"bench-model-{m}" for m in range(MODELS)]
        t_apply, s_apply = sampler.snapshot()
        for m in range(MODELS):
            call(kube + "/apis/ome.io/v1beta1/clusterbasemodels", "POST", {
                "apiVersion": "ome.io/v1beta1", "kind": "ClusterBaseModel", "metadata": {"name": f"bench-model-{m}"},
                "spec": {"modelFormat": {"name": "safetensors"},
                         "storage": {"storageUri": f"hf://bench/model-{m}", "path": os.path.join(shared, f"model-{m}")}}})
        print(f"applied {MODELS} models; waiting for {AGENTS * MODELS} labels Ready", flush=True)
        wait_until(lambda: watch.all_ready([node_name(i) for i in range(AGENTS)], keys), READY_TIMEOUT, "every label Ready")
        t_all_ready, s_all_ready = sampler.snapshot()
        hub_stats = call(hub + "/_hub/stats")
        wall = t_all_ready - t_apply
        wait_requests, wait_by = diff(s_apply, s_all_ready)
        completed = sorted(os.stat(os.path.join(shared, f"model-{m}", ".model-agent", "manifest.json")).st_ctime
                           for m in range(MODELS))
        first_updating = watch.first_seen("Updating", keys)  # the last pair's first Updating; None if some pair never did
        t_updating = max(first_updating.values()) if len(first_updating) == AGENTS * len(keys) else None
        steady = None
        if t_updating is not None:
            steady = sampler.between(t_updating + WAIT_SETTLE_S, completed[0])
        timeline = []
        with sampler.lock:
            marks = [s for s in sampler.samples if t_apply <= s[0] <= t_all_ready]
        marks = [(t_apply, s_apply)] + marks + [(t_all_ready, s_all_ready)]
        prev = marks[0]
        for mark in marks[1:]:
            if mark[0] - prev[0] >= 9.5 or mark is marks[-1]:
                n, by = diff(prev[1], mark[1])
                top = sorted(by.items(), key=lambda kv: -kv[1])[:4]
                timeline.append((prev[0] - t_apply, mark[0] - t_apply, n, top))
                prev = mark

        # Origin: each model's files once for the whole share.
        ratios = {repo: sum(v["bytes"] for k, v in hub_stats["files"].items() if k.startswith(repo + "/")) / size
                  for repo, size in sizes.items()}
        file_requests = {repo: sum(v["requests"] for k, v in hub_stats["files"].items() if k.startswith(repo + "/"))
                         for repo in sizes}
        for repo, ratio in ratios.items():
            if round(ratio, 2) != 1.00:
                failures.append(f"origin bytes for {repo} are {ratio:.2f}x its size (1.00x = one download per share)")

        # 2. At rest: every label Ready, nothing to do.
        print(f"all Ready after {wall:.1f} s; at rest for {REST_S} s", flush=True)
        t_rest0, s_rest0 = sampler.snapshot()
        rest_cpu0 = cpu_seconds([a["proc"].pid for a in agents])
        time.sleep(REST_S)
        t_rest1, s_rest1 = sampler.snapshot()
        rest_cpu = cpu_seconds([a["proc"].pid for a in agents]) - rest_cpu0
        rest_requests, rest_by = diff(s_rest0, s_rest1)
        rest_s = t_rest1 - t_rest0
        mems = [memory_mib(a["proc"].pid) for a in agents if a["proc"].poll() is None]
        rss = sorted(m["Rss"] for m in mems)
        pss = sorted(m["Pss"] for m in mems)
        private = sorted(m["Private"] for m in mems)
        kube_rss, hub_rss = rss_mib(kube_proc.pid), rss_mib(hub_proc.pid)
        watches = dict(s_rest1.get("openWatchesByResource") or {})
        if "nodes" in watches:
            watches["nodes"] -= 1  # this script's own
        open_watches = s_rest1["openWatches"] - 1

        # 3. Restart of R agents: SIGTERM, start again, then 30 s.
        restart_rows = []
        if RESTART > 0:
            print(f"restarting {RESTART} agents", flush=True)
            call(hub + "/_hub/stats/reset", "POST")
            t_r0, s_r0 = sampler.snapshot()
            chosen = agents[:RESTART]
            codes = stop_agents(chosen)
            again = start_in_batches([a["i"] for a in chosen], {a["i"]: a["port"] for a in chosen}, kubeconfig, hub, shared, logs)
            agents = agents[RESTART:] + again
            time.sleep(30)
            t_r1, s_r1 = sampler.snapshot()
            hub_restart = call(hub + "/_hub/stats")
            restart_requests, restart_by = diff(s_r0, s_r1)
            origin_restart = hub_restart["requests"] - hub_restart["kinds"].get("control", {"requests": 0})["requests"]
            flips = [e for e in watch.since(t_r0) if e[3] != "Ready"]
            if origin_restart:
                failures.append(f"the restart made {origin_restart} origin requests (goal 0)")
            restart_rows = [
                f"| restart of {RESTART} agents ({t_r1 - t_r0:.0f} s: SIGTERM, start, /readyz, 30 s) | {restart_requests}"
                f" ({restart_requests / RESTART:.1f} per restarted agent) | | {fmt_by(restart_by)} |"]
            restart_text = (f"Restart of {RESTART}: exit codes on SIGTERM {sorted(set(codes))}; {origin_restart} origin requests;"
                            f" {len(flips)} label values other than Ready seen after the restart.")
        load_max = max(sampler.loads or [0.0])

        steady_row = "| steady waiting | n/a: too short or not every node reported Updating | | |"
        steady_rate = None
        if steady:
            (ta, sa), (tb, sb) = steady
            n, by = diff(sa, sb)
            steady_rate = per_node_minute(n, tb - ta)
            steady_row = (f"| steady waiting ({ta - t_apply:.0f}-{tb - t_apply:.0f} s after apply, {tb - ta:.0f} s) | {n} |"
                          f" **{steady_rate:.2f}** | {fmt_by(by)} |")
        rest_rate = per_node_minute(rest_requests, rest_s)
        wall_rate = per_node_minute(wait_requests, wall)
        median = statistics.median(rss)
        lines += [
            f"N = **{AGENTS}** `model-agent run` processes, each its own Node, on one shared folder; {MODELS} ClusterBaseModels of"
            f" {SHARDS} x {SHARD_MIB} MiB applied at once; hub capped at {BANDWIDTH}/s for all connections.",
            "",
            f"Machine: {os.cpu_count()} CPUs (`nproc`), {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f}"
            f" GiB; 1-min load average {load_start[0]:.1f} at the start, max {load_max:.1f} during the run,"
            f" {os.getloadavg()[0]:.1f} at the end.",
            "",
            "| figure | value |",
            "|---|---|",
            f"| all {AGENTS} agents answered /readyz (batches of {BATCH}) | {started:.1f} s after the first start;"
            f" {startup_requests} API requests ({startup_requests / AGENTS:.1f} per agent: {fmt_by(startup_by)}) |",
            f"| time to all Ready ({AGENTS * MODELS} node labels) | **{wall:.1f} s** after the apply; completion records at"
            f" {', '.join(f'{t - t_apply:.1f}' for t in completed)} s |",
            f"| open watches at rest | **{open_watches}** ({open_watches / AGENTS:.2f} per agent: {fmt_by(watches)}) |",
            f"| agent RSS at rest | min {rss[0]:.0f} MiB, median **{median:.0f} MiB**, max {rss[-1]:.0f} MiB; sum {sum(rss) / 1024:.1f} GiB"
            f" (API server {kube_rss:.0f} MiB, hub {hub_rss:.0f} MiB) |",
            f"| agent memory at rest without double-counting shared pages | private (USS) median {statistics.median(private):.0f} MiB"
            f" (min {private[0]:.0f}, max {private[-1]:.0f}); PSS median {statistics.median(pss):.0f} MiB; PSS sum"
            f" **{sum(pss) / 1024:.1f} GiB** (what the {AGENTS} agents take together) |",
            f"| agent CPU | start: {startup_cpu / AGENTS:.2f} CPU-s per agent to /readyz; at rest: {rest_cpu:.1f} CPU-s for all"
            f" {AGENTS} in {rest_s:.0f} s ({rest_cpu / rest_s * 100 / AGENTS:.2f}% of a core per agent) |",
            f"| origin requests while downloading | {hub_stats['requests']}"
            f" ({fmt_by({k: v['requests'] for k, v in hub_stats['kinds'].items()})}) |",
            "",
            "| model | origin file bytes / model size | file requests |",
            "|---|---|---|",
            *[f"| {repo} ({sizes[repo] / 2**20:.1f} MiB) | **{ratios[repo]:.2f}x** | {file_requests[repo]} |" for repo in sizes],
            "",
            "| window | API requests by the agents | per node per minute | by verb and resource |",
            "|---|---|---|---|",
            f"| download and wait (apply to all Ready, {wall:.0f} s) | {wait_requests} ({wait_requests / wall:.1f}/s) |"
            f" **{wall_rate:.2f}** | {fmt_by(wait_by)} |",
            steady_row,
            f"| at rest ({rest_s:.0f} s, every label Ready) | {rest_requests} ({rest_requests / rest_s:.2f}/s) | **{rest_rate:.2f}** |"
            f" {fmt_by(rest_by)} |",
            *restart_rows,
            "",
            "Timeline of the download-and-wait window (agents' requests per ~10 s; the four largest verb/resource counts):",
            "",
            "| seconds after apply | requests | per node per minute | largest |",
            "|---|---|---|---|",
            *[f"| {a:.0f}-{b:.0f} | {n} | {per_node_minute(n, b - a):.1f} | {', '.join(f'{k}: {v}' for k, v in top)} |"
              for a, b, n, top in timeline],
            "",
        ]
        if RESTART > 0:
            lines += [restart_text, ""]
        lines += [
            "## Goals",
            "",
            "| goal | measured | met |",
            "|---|---|---|",
            f"| at rest: 0 API requests besides the open watches | {rest_requests} in {rest_s:.0f} s |"
            f" {'**yes**' if rest_requests == 0 else '**no**'} |",
            f"| while waiting: <= {GOAL_WAIT:g} requests per node per minute | steady waiting"
            f" {f'{steady_rate:.2f}' if steady_rate is not None else 'n/a'}; whole window {wall_rate:.2f} (includes each node's"
            f" one-time label, ConfigMap and Lease writes) | "
            f"{'**yes**' if steady_rate is not None and steady_rate <= GOAL_WAIT else '**no**' if steady_rate is not None else 'n/a'} |",
            f"| each model from the origin once per share | {', '.join(f'{r:.2f}x' for r in ratios.values())} |"
            f" {'**yes**' if all(round(r, 2) == 1.00 for r in ratios.values()) else '**no**'} |",
        ]
    finally:
        for a in STARTED:  # every process this script started, also those of a batch that failed
            if a["proc"].poll() is None:
                a["proc"].kill()
                a["proc"].wait()
            a["log"].close()
        hub_proc.terminate()
        kube_proc.terminate()
        if os.environ.get("SCALE_BENCH_KEEP"):
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    text = "\n".join(lines)
    print(text)
    command = "bench/scale/run.sh" + (f" {' '.join(ARGS)}" if ARGS else "")
    # Earlier runs' figures, kept by hand under "## History", survive a re-run (so a before/after stays readable).
    history = ""
    if os.path.exists(OUT):
        with open(OUT) as f:
            previous = f.read()
        if "\n## History\n" in previous:
            history = "\n" + previous[previous.index("\n## History\n") + 1:]
    with open(OUT, "w") as f:
        f.write(f"# bench/scale results\n\n`{command}` on {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M')} UTC,"
                f" at commit `{head}`.\n\n{text}\n\n{METHOD}{history}")
    if failures:
        raise SystemExit("FAILED: " + "; ".join(failures))


if __name__ == "__main__":
    main()
