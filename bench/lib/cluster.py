"""What bench/agent and bench/scale share: starting the test servers, talking to the test API server as an observer
that the agents' request counts leave out, generating models for the hub server, and watching node labels."""
import json, os, random, socket, subprocess, threading, time, urllib.request

import yaml  # python3-yaml, for the chart's CRDs

LABEL_PREFIX = "models.ome.io/clusterbasemodel."
CRDS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "deploy/helm/model-agent/crds")


def start_server(args):
    """A `dotnet` server process that prints `listening on URL` first; (process, URL)."""
    p = subprocess.Popen(["dotnet", *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = p.stdout.readline()
    if "listening on" not in line:
        raise SystemExit(f"server did not start: {args}: {line!r}")
    return p, line.split("listening on", 1)[1].strip().rstrip("/")


def call(url, observer, method="GET", body=None, timeout=120):
    """A JSON request sent with the observer's user agent (the API server's stats count it apart from the agents)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, method=method, data=data,
                                     headers={"Content-Type": "application/json", "User-Agent": observer})
    with urllib.request.urlopen(request, timeout=timeout) as r:
        text = r.read()
        return json.loads(text) if text else None


def free_port(taken=()):
    """A port free now and not handed out before: the kernel may give a closed port again, and two agents on one
    port would leave one node without an agent while the other answers its /readyz."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in taken:
            return port


def make_models(hub_root, models, shards, shard_mib, seed):
    """`bench/model-M` repositories of random safetensors shards and a config.json; {repo id: total bytes}."""
    sizes = {}
    rnd = random.Random(seed)
    for m in range(models):
        repo = os.path.join(hub_root, "bench", f"model-{m}")
        os.makedirs(repo)
        for i in range(1, shards + 1):
            data = (shard_mib << 20) - 8 - 128  # a valid safetensors header padded to 128 bytes, then random U8 data
            header = json.dumps({"w": {"dtype": "U8", "shape": [data], "data_offsets": [0, data]}}).ljust(128).encode()
            with open(os.path.join(repo, f"model-{i:05d}-of-{shards:05d}.safetensors"), "wb") as f:
                f.write(len(header).to_bytes(8, "little") + header + rnd.randbytes(data))
        with open(os.path.join(repo, "config.json"), "w") as f:
            json.dump({"model_type": "llama", "architectures": ["LlamaForCausalLM"], "max_position_embeddings": 4096}, f)
        sizes[f"bench/model-{m}"] = sum(os.path.getsize(os.path.join(repo, n)) for n in os.listdir(repo))
    return sizes


def agent_requests(stats, observer):
    """Requests in a `/_test/stats` snapshot made by anyone but the observer."""
    return sum(v for k, v in stats["byUserAgent"].items() if not k.startswith(observer))


def wait_until(condition, timeout, what):
    deadline = time.time() + timeout
    while not condition():
        if time.time() > deadline:
            raise SystemExit(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.2)


def apply_crds(kube, observer):
    """The chart's CRDs, posted as `kubectl apply` would; returns once ome.io/v1beta1 is in discovery."""
    for name in sorted(os.listdir(CRDS)):
        with open(os.path.join(CRDS, name)) as f:
            call(kube + "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", observer, "POST", yaml.safe_load(f))
    wait_until(lambda: {"basemodels", "clusterbasemodels"} <= {
        r["name"] for r in call(kube + "/apis/ome.io/v1beta1", observer)["resources"]}, 30, "ome.io/v1beta1 in discovery")


class LabelWatch:
    """Every value of every models.ome.io label on every node, with the time this script saw it (list, then watch)."""

    def __init__(self, kube, observer):
        self.kube, self.observer, self.events, self.lock, self.last = kube, observer, [], threading.Lock(), {}
        threading.Thread(target=self.run, daemon=True).start()

    def run(self):
        while True:
            try:
                listing = call(self.kube + "/api/v1/nodes", self.observer)
                self.observe(listing["items"])
                url = f"{self.kube}/api/v1/nodes?watch=true&resourceVersion={listing['metadata']['resourceVersion']}"
                with urllib.request.urlopen(urllib.request.Request(url, headers={"User-Agent": self.observer})) as stream:
                    for line in stream:
                        event = json.loads(line)
                        if event["type"] in ("ADDED", "MODIFIED"):
                            self.observe([event["object"]])
            except Exception:
                time.sleep(0.5)

    def observe(self, nodes):
        now = time.time()
        with self.lock:
            for node in nodes:
                name = node["metadata"]["name"]
                labels = {k: v for k, v in (node["metadata"].get("labels") or {}).items() if k.startswith(LABEL_PREFIX)}
                for key in set(labels) | {k for (n, k) in self.last if n == name}:
                    value = labels.get(key)
                    if self.last.get((name, key)) != value:
                        self.last[(name, key)] = value
                        self.events.append((now, name, key, value))

    def all_ready(self, nodes, keys):
        with self.lock:
            return all(self.last.get((n, k)) == "Ready" for n in nodes for k in keys)

    def ready_at(self, node, key):
        with self.lock:
            return next((t for (t, n, k, v) in self.events if n == node and k == key and v == "Ready"), None)

    def first_seen(self, value, keys):
        """When each (node, key) pair first showed the value."""
        with self.lock:
            first = {}
            for (t, n, k, v) in self.events:
                if v == value and k in keys:
                    first.setdefault((n, k), t)
            return first

    def since(self, t):
        with self.lock:
            return [e for e in self.events if e[0] >= t]
