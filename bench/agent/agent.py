#!/usr/bin/env python3
"""bench/agent: N `model-agent run` processes on one shared folder, M ClusterBaseModels applied at once.

Measures, in one run:
  * origin bytes per model (files served / model size; 1.00x = one download for the whole share);
  * the lag from a model's completion record appearing to each node's label turning Ready (p50/p99/max);
  * API requests per node per minute while the models download, and at rest once every label is Ready
    (goal: 0 besides the open watches);
  * a restart of all N agents (SIGTERM, start again): origin requests (goal 0) and label values other than Ready.
Writes bench/agent/RESULTS.md. Usage: bench/agent/run.sh [NODES [SHARD_MIB]]   (smoke test: bench/agent/run.sh 4 2)
(arguments win over the env; env: AGENT_BENCH_NODES=16 AGENT_BENCH_MODELS=4 AGENT_BENCH_SHARDS=4 AGENT_BENCH_SHARD_MIB=8 AGENT_BENCH_REST_S=60
 AGENT_BENCH_READY_TIMEOUT=900; AGENT_BENCH_KEEP=1 keeps the work folder with each node's log)
"""
import json, os, shutil, signal, subprocess, sys, tempfile, time, urllib.request
from datetime import datetime

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
import cluster  # noqa: E402  (bench/lib: shared with bench/scale)
from cluster import LABEL_PREFIX, free_port, start_server, wait_until  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NODES = int(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("AGENT_BENCH_NODES", "16"))
MODELS = int(os.environ.get("AGENT_BENCH_MODELS", "4"))
SHARDS = int(os.environ.get("AGENT_BENCH_SHARDS", "4"))
SHARD_MIB = int(sys.argv[2] if len(sys.argv) > 2 else os.environ.get("AGENT_BENCH_SHARD_MIB", "8"))
REST_S = int(os.environ.get("AGENT_BENCH_REST_S", "60"))
READY_TIMEOUT = int(os.environ.get("AGENT_BENCH_READY_TIMEOUT", "900"))
PUBLISHED = os.path.join(ROOT, "artifacts/agent-bench/agent")
AGENT = os.path.join(PUBLISHED, "model-agent.dll")
KUBE = os.path.join(ROOT, "tests/KubeApiServer/bin/Release/net10.0/KubeApiServer.dll")
OBSERVER = "bench-agent-observer"

METHOD = """## How each number is measured

* **Setup**: the test API server (`tests/KubeApiServer`, `--port 0`) and `model-agent hub serve <folder> --port 0 --control`
  run as processes; the script creates namespace `ome` and N Node objects over the API server's REST API (what
  `kubectl create` would send), writes a kubeconfig, and starts N published (ReadyToRun) `model-agent run` processes
  `--node-name node-NN --shared-storage yes --coordination kubernetes --num-download-worker 2` on one shared folder.
  The models are random safetensors shards generated per run, applied as ClusterBaseModels `hf://bench/model-M` at once.
* **Origin bytes / model**: `GET /_hub/stats` after every label is Ready (reset right before the models are applied);
  the body bytes of the model's files (`files` whose key starts with `org/name/`) divided by the sum of the model's
  file sizes. 1.00x = the share downloaded each file once.
* **Record-to-Ready lag**: for each model the ctime of `<path>/.model-agent/manifest.json` (set when the completion
  record is renamed into place) to the time this script's own Node watch (list + `watch=true` on `/api/v1/nodes`)
  saw `models.ome.io/clusterbasemodel.<name>=Ready` on each node; p50/p99/max over all node-model pairs, clamped at 0.
  The watch runs in the same process on the same loaded 2 cores, so it adds its own delivery delay.
* **API requests per node per minute**: `GET /_test/stats` of the test API server (`DELETE` resets it), requests
  summed over `byUserAgent` minus this script's own user agent, divided by N and by the phase's length. A watch
  counts once when it is opened (its events are not requests). "Downloading and waiting" runs from the apply to the
  last label Ready (a short burst, so its per-minute rate is an extrapolation); "at rest" is a fixed window after
  every label is Ready. The verb/resource column is the server's `byVerbAndResource` (it includes the script's own
  `create clusterbasemodels`).
* **Restart**: SIGTERM to every agent, start them again, wait for `/readyz`, then 30 s: origin requests (hub stats,
  minus control requests) and label values other than Ready seen by the watch.
"""


def call(url, method="GET", body=None):
    return cluster.call(url, OBSERVER, method, body, timeout=60)


def make_models(hub_root):
    return cluster.make_models(hub_root, MODELS, SHARDS, SHARD_MIB, seed=7)


def agent_requests(stats):
    return cluster.agent_requests(stats, OBSERVER)


def node_names():
    return [f"node-{i:02d}" for i in range(NODES)]


def start_agents(kubeconfig, hub, shared, logs):
    agents = []
    for i in range(NODES):
        node, port = f"node-{i:02d}", free_port()
        env = dict(os.environ, KUBECONFIG=kubeconfig, HF_ENDPOINT=hub)
        env.pop("HF_TOKEN", None)
        log = open(os.path.join(logs, f"{node}.log"), "a")
        args = ["dotnet", AGENT, "run", "--node-name", node, "--models-root-dir", shared, "--namespace", "ome", "--port", str(port),
                "--num-download-worker", "2", "--shared-storage", "yes", "--coordination", "kubernetes", "--log-level", "warning"]
        agents.append((node, port, subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=log, env=env), log))
    return agents


def wait_ready_endpoints(agents, timeout=300):
    deadline = time.time() + timeout
    for node, port, proc, _ in agents:
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"{node} exited with {proc.returncode} before /readyz answered")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as r:
                    if r.status == 200:
                        break
            except Exception:
                pass
            if time.time() > deadline:
                raise SystemExit(f"{node}: /readyz did not answer within {timeout} s")
            time.sleep(0.5)


def stop_agents(agents):
    for _, _, proc, _ in agents:
        proc.send_signal(signal.SIGTERM)
    codes = [proc.wait(timeout=120) for _, _, proc, _ in agents]
    for _, _, _, log in agents:
        log.close()
    return codes


def percentile(values, q):
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))] if values else float("nan")


def main():
    # Published ReadyToRun, as a node image ships it: N processes JIT-compiling at once on 2 cores would otherwise
    # measure the JIT, not the agent.
    subprocess.run(["dotnet", "publish", os.path.join(ROOT, "src/ModelAgent.Cli"), "-c", "Release", "-r", "linux-x64", "--self-contained",
                    "false", "-p:PublishReadyToRun=true", "-o", PUBLISHED, "-v", "q", "-nologo"], check=True)
    subprocess.run(["dotnet", "build", os.path.join(ROOT, "tests/KubeApiServer"), "-c", "Release", "-v", "q", "-nologo"], check=True)
    work = tempfile.mkdtemp(prefix="ma-agent-bench-")
    hub_root, shared, logs = (os.path.join(work, d) for d in ("hub", "share", "logs"))
    os.makedirs(shared)
    os.makedirs(logs)
    sizes = make_models(hub_root)
    hub_proc, hub = start_server([AGENT, "hub", "serve", hub_root, "--port", "0", "--control"])
    kube_proc, kube = start_server([KUBE, "--port", "0"])
    agents = []
    lines = []
    try:
        # The test API server serves ome.io only once its CRDs are applied, as a cluster without OME does.
        cluster.apply_crds(kube, OBSERVER)
        call(kube + "/api/v1/namespaces", "POST", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ome"}})
        for i in range(NODES):
            call(kube + "/api/v1/nodes", "POST", {"apiVersion": "v1", "kind": "Node",
                                                  "metadata": {"name": f"node-{i:02d}", "labels": {"pool": "gpu"}}})
        kubeconfig = os.path.join(work, "kubeconfig")
        with open(kubeconfig, "w") as f:
            f.write(f"apiVersion: v1\nkind: Config\nclusters:\n- name: t\n  cluster:\n    server: {kube}\ncontexts:\n- name: t\n  context:\n"
                    f"    cluster: t\n    user: t\n    namespace: ome\ncurrent-context: t\nusers:\n- name: t\n  user:\n    token: unchecked\n")
        watch = cluster.LabelWatch(kube, OBSERVER)
        t_start = time.time()
        agents = start_agents(kubeconfig, hub, shared, logs)
        wait_ready_endpoints(agents)
        started = time.time() - t_start

        # 1. M models applied at once; every node downloads or waits for the holder.
        call(hub + "/_hub/stats/reset", "POST")
        call(kube + "/_test/stats", "DELETE")
        keys = [LABEL_PREFIX + f"bench-model-{m}" for m in range(MODELS)]
        t0 = time.time()
        for m in range(MODELS):
            call(kube + "/apis/ome.io/v1beta1/clusterbasemodels", "POST", {
                "apiVersion": "ome.io/v1beta1", "kind": "ClusterBaseModel", "metadata": {"name": f"bench-model-{m}"},
                "spec": {"modelFormat": {"name": "safetensors"},
                         "storage": {"storageUri": f"hf://bench/model-{m}", "path": os.path.join(shared, f"model-{m}")}}})
        wait_until(lambda: watch.all_ready(node_names(), keys), READY_TIMEOUT, "every label Ready")
        wall = time.time() - t0
        api_wait = call(kube + "/_test/stats")
        hub_stats = call(hub + "/_hub/stats")
        lags = []
        for m in range(MODELS):
            # The record becomes visible when it is renamed into place, which sets its ctime.
            written = os.stat(os.path.join(shared, f"model-{m}", ".model-agent", "manifest.json")).st_ctime
            lags += [max(0.0, watch.ready_at(f"node-{i:02d}", keys[m]) - written) for i in range(NODES)]
        lags.sort()
        ratios = {repo: sum(v["bytes"] for k, v in hub_stats["files"].items() if k.startswith(repo + "/")) / size
                  for repo, size in sizes.items()}

        # 2. At rest: every label Ready, nothing to do.
        call(kube + "/_test/stats", "DELETE")
        time.sleep(REST_S)
        api_rest = call(kube + "/_test/stats")

        # 3. Restart of every agent: SIGTERM, start again, give them the rest period to settle.
        call(hub + "/_hub/stats/reset", "POST")
        call(kube + "/_test/stats", "DELETE")
        t_restart = time.time()
        codes = stop_agents(agents)
        agents = start_agents(kubeconfig, hub, shared, logs)
        wait_ready_endpoints(agents)
        time.sleep(min(REST_S, 30))
        api_restart = call(kube + "/_test/stats")
        hub_restart = call(hub + "/_hub/stats")
        flips = [e for e in watch.since(t_restart) if e[3] != "Ready"]

        per_min = lambda n, seconds: n / NODES / (seconds / 60)
        lines += [
            f"N = {NODES} `model-agent run` processes on one shared folder (`--shared-storage yes --coordination kubernetes`,"
            f" 2 workers each), {MODELS} ClusterBaseModels of {SHARDS} x {SHARD_MIB} MiB applied at once;"
            f" all {NODES} agents answered /readyz {started:.1f} s after start.",
            "",
            "| model | origin file bytes / model |",
            "|---|---|",
            *[f"| {repo} ({sizes[repo] / 2**20:.1f} MiB) | **{ratio:.2f}x** |" for repo, ratio in ratios.items()],
            "",
            f"All {NODES * MODELS} labels Ready {wall:.1f} s after the models were applied.",
            f"Lag from a model's completion record to each node's Ready label ({len(lags)} node-model pairs, as this script's own"
            f" watch saw the label): p50 {percentile(lags, .5) * 1000:.0f} ms, p99 {percentile(lags, .99) * 1000:.0f} ms,"
            f" max {lags[-1] * 1000 if lags else float('nan'):.0f} ms.",
            "",
            "| phase | API requests by the agents | per node per minute | by verb and resource |",
            "|---|---|---|---|",
            f"| downloading and waiting ({wall:.0f} s) | {agent_requests(api_wait)} | **{per_min(agent_requests(api_wait), wall):.1f}** |"
            f" {', '.join(f'{k}: {v}' for k, v in api_wait['byVerbAndResource'].items())} |",
            f"| at rest ({REST_S} s, every label Ready) | {agent_requests(api_rest)} | **{per_min(agent_requests(api_rest), REST_S):.1f}** |"
            f" {', '.join(f'{k}: {v}' for k, v in api_rest['byVerbAndResource'].items()) or 'none'} |",
            f"| restart of all {NODES} | {agent_requests(api_restart)} | | "
            f"{', '.join(f'{k}: {v}' for k, v in api_restart['byVerbAndResource'].items())} |",
            "",
            f"Restart: exit codes on SIGTERM {sorted(set(codes))}; {hub_restart['requests'] - hub_restart['kinds'].get('control', {'requests': 0})['requests']}"
            f" origin requests; {len(flips)} label values other than Ready seen after the restart"
            f"{' (' + ', '.join(f'{n} {k[len(LABEL_PREFIX):]}={v}' for _, n, k, v in flips[:8]) + ')' if flips else ''}.",
            f"Open watches at the end: {api_restart['openWatches']} (the agents' plus this script's one).",
        ]
    finally:
        for _, _, proc, log in agents:
            if proc.poll() is None:
                proc.kill()
            log.close()
        hub_proc.terminate()
        kube_proc.terminate()
        if os.environ.get("AGENT_BENCH_KEEP"):
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    text = "\n".join(lines)
    print(text)
    with open(os.path.join(ROOT, "bench/agent/RESULTS.md"), "w") as f:
        f.write(f"# bench/agent results\n\n`bench/agent/run.sh` on {datetime.now().strftime('%Y-%m-%d %H:%M')}"
                f" (load average {os.getloadavg()[0]:.1f} at the end; 2 vCPU).\n\n{text}\n\n{METHOD}")


if __name__ == "__main__":
    main()
