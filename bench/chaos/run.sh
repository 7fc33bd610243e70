#!/usr/bin/env bash
# Chaos bench: SIGKILL `model-agent pull` at random moments, and SIGKILL one node of a three-node herd on one shared
# folder, against an nginx origin laid out like the Hub (as bench/throughput builds it). After every kill, a model
# that `verify` calls complete must be byte-identical to the origin; after every final run the pull exits 0, the
# bytes are the origin's and `verify --deep` says complete.
#
#   bench/chaos/run.sh                                  # 100 trials, seed from the clock (printed)
#   BENCH_SEED=42 BENCH_TRIALS=100 bench/chaos/run.sh   # the same decisions again
#   BENCH_SEED=42 BENCH_ONLY=37 bench/chaos/run.sh      # replay trial 37 of seed 42 alone
#   BENCH_SHARDS=4 BENCH_SHARD_MIB_MIN=8 BENCH_SHARD_MIB_MAX=24 BENCH_RATE=2m BENCH_CHUNK=2M BENCH_WORK=/tmp/ma-chaos \
#     bench/chaos/run.sh
#
# Trial kinds alternate: odd trials kill a lone pull (one kill, or two kills for a third of them) and rerun it;
# even trials start three pulls with --shared-storage yes (NODE_NAME node-a/b/c, one share folder, short leases),
# kill one (the lease holder, i.e. the node that wrote the most, three times in four, else a random node), let the
# other two finish, then rerun once.
# A kill lands once the pull (the herd, together) wrote a random 0-104 % of the model's bytes (wchar in
# /proc/PID/io, polled every 10 ms; 0 % kills at start-up, past 100 % after the end). A trial's decisions (kill
# points, how many kills, which node) come from bash's RANDOM seeded with BENCH_SEED*1000+trial, so a trial
# replays by seed; the machine's timing (what was in flight at the kill) does not.
#
# Counts: false-complete (verify said complete after a kill, bytes differ), failed-rerun (a final run or a
# surviving herd node exited non-zero, or a process hung past BENCH_HANG_S), corrupt (a final run's bytes differ
# from the origin's, or verify --deep says incomplete). Refetched bytes: body bytes nginx served for the model's
# files (resolve URLs, from the access log's $body_bytes_sent; $bytes_sent with headers is in trials.tsv) beyond
# the model's size, per trial and in total. Killed in-flight responses count: nginx logs what it handed the socket.
#
# Needs: nginx, curl, cmp, python3, dotnet (apt-get install nginx curl). Raw figures: $BENCH_WORK/trials.tsv.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
WORK=${BENCH_WORK:-/tmp/ma-chaos}
TRIALS=${BENCH_TRIALS:-100}
SEED=${BENCH_SEED:-$(($(date +%s) % 100000))}
ONLY=${BENCH_ONLY:-}
SHARDS=${BENCH_SHARDS:-4}
MIB_MIN=${BENCH_SHARD_MIB_MIN:-8}
MIB_MAX=${BENCH_SHARD_MIB_MAX:-24}
HANG_S=${BENCH_HANG_S:-120}
RATE=${BENCH_RATE:-2m}    # nginx limit_rate per response: the transfer lasts long enough to be hit anywhere
CHUNK=${BENCH_CHUNK:-2M}  # pull --chunk-size: several journaled ranges per shard, as a multi-GiB shard has
LEASE_ARGS=(--lease-duration 3 --lease-renew-interval 1 --lease-poll-interval 0.5)
REPO_ID=chaos/model
NODES=abc

for tool in nginx curl cmp python3 dotnet; do
  command -v "$tool" >/dev/null || { echo "error: '$tool' is missing (apt-get install nginx curl python3)" >&2; exit 2; }
done
log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
now_ms() { date +%s%3N; }
mkdir -p "$WORK"/{nginx/tmp,runs}

# --- model-agent, the published build ---------------------------------------------------------------------------------
case $(uname -m) in x86_64) RID=linux-x64 ;; aarch64) RID=linux-arm64 ;; *) echo "error: no .NET runtime id for $(uname -m)" >&2; exit 2 ;; esac
if [[ -z ${BENCH_AGENT:-} ]]; then
  log "publishing model-agent (Release, $RID)"
  dotnet publish "$REPO/src/ModelAgent.Cli" -c Release -r "$RID" --self-contained false -o "$WORK/bin" --nologo -v quiet >/dev/null
fi
AGENT=${BENCH_AGENT:-$WORK/bin/model-agent}

# --- origin: a safetensors model (SHARDS shards + index + config + tokenizer), laid out so the HF paths resolve --------
ORIGIN="$WORK/origin"
rm -rf "$ORIGIN"
python3 - "$ORIGIN" "$REPO_ID" "$SEED" "$SHARDS" "$MIB_MIN" "$MIB_MAX" >"$WORK/origin.env" <<'PY'
import hashlib, json, os, random, struct, sys
origin, repo, seed, shards, lo, hi = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
rng = random.Random(seed)
files, weight_map = {}, {}
for i in range(1, shards + 1):
    name = f"model-{i:05d}-of-{shards:05d}.safetensors"
    size = rng.randint(lo << 20, hi << 20)
    header = json.dumps({f"layer{i}.weight": {"dtype": "U8", "shape": [size], "data_offsets": [0, size]}}).encode()
    header += b" " * (-len(header) % 8)
    files[name] = struct.pack("<Q", len(header)) + header + rng.randbytes(size)
    weight_map[f"layer{i}.weight"] = name
files["model.safetensors.index.json"] = json.dumps({"metadata": {"total_size": sum(len(v) for v in files.values())}, "weight_map": weight_map}, indent=2).encode()
files["config.json"] = json.dumps({"model_type": "chaos", "seed": seed}).encode()
files["tokenizer.json"] = json.dumps({"vocab": {f"t{n}": n for n in range(5000)}}).encode()
commit = hashlib.sha1(b"".join(hashlib.sha256(v).digest() for v in files.values())).hexdigest()
data = f"{origin}/{repo}/resolve/{commit}"
os.makedirs(data); os.makedirs(f"{origin}/api/models/{repo}/revision"); os.makedirs(f"{origin}/api/models/{repo}/tree")
os.symlink(commit, f"{origin}/{repo}/resolve/main")
entries, etags = [], []
for name, content in files.items():
    open(f"{data}/{name}", "wb").write(content)
    git_oid = lambda b: hashlib.sha1(b"blob %d\0" % len(b) + b).hexdigest()
    if name.endswith(".safetensors"):
        sha = hashlib.sha256(content).hexdigest()
        pointer = f"version https://git-lfs.github.com/spec/v1\noid sha256:{sha}\nsize {len(content)}\n".encode()
        entries.append({"type": "file", "oid": git_oid(pointer), "size": len(content), "path": name,
                        "lfs": {"oid": sha, "size": len(content), "pointerSize": len(pointer)}})
        etags.append(f'    ~/resolve/[^/]+/{name}$ "\\"{sha}\\"";')
    else:
        entries.append({"type": "file", "oid": git_oid(content), "size": len(content), "path": name})
        etags.append(f'    ~/resolve/[^/]+/{name}$ "\\"{git_oid(content)}\\"";')
json.dump(entries, open(f"{origin}/api/models/{repo}/tree/{commit}", "w"))
json.dump({"_id": "0" * 24, "id": repo, "sha": commit, "private": False, "gated": False,
           "siblings": [{"rfilename": n} for n in files]}, open(f"{origin}/api/models/{repo}/revision/main", "w"))
open(f"{origin}/etag-map.conf", "w").write("\n".join(etags) + "\n")
print(f"COMMIT={commit}")
print(f"MODEL_BYTES={sum(len(v) for v in files.values())}")
print(f"NAMES=({' '.join(files)})")
PY
# shellcheck disable=SC1091
source "$WORK/origin.env"
DATA="$ORIGIN/$REPO_ID/resolve/$COMMIT"

# --- nginx on a free loopback port, logging what it served per request -----------------------------------------------
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
NGX="$WORK/nginx"
cat >"$NGX/nginx.conf" <<CONF
worker_processes 1;
pid $NGX/nginx.pid;
error_log $NGX/error.log warn;
events { worker_connections 1024; }
http {
  log_format chaos '\$request_uri \$status \$bytes_sent \$body_bytes_sent';
  access_log $NGX/access.log chaos;
  client_body_temp_path $NGX/tmp/body; proxy_temp_path $NGX/tmp/proxy; fastcgi_temp_path $NGX/tmp/fastcgi;
  uwsgi_temp_path $NGX/tmp/uwsgi; scgi_temp_path $NGX/tmp/scgi;
  sendfile on; keepalive_requests 100000;
  default_type application/octet-stream;
  map \$uri \$lfs_etag {
    default "";
$(cat "$ORIGIN/etag-map.conf")
  }
  server {
    listen 127.0.0.1:$PORT;
    root $ORIGIN;
    location /api/ { default_type application/json; }
    location /$REPO_ID/resolve/ {
      etag off;
      limit_rate $RATE;
      add_header ETag \$lfs_etag always;
      add_header X-Linked-Etag \$lfs_etag always;
      add_header X-Repo-Commit $COMMIT always;
    }
  }
}
CONF
: >"$NGX/access.log"
nginx -p "$NGX" -c "$NGX/nginx.conf" -g 'daemon off;' &
NGINX_PID=$!
trap 'kill "$NGINX_PID" 2>/dev/null; wait "$NGINX_PID" 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$PORT/api/models/$REPO_ID/revision/main" >/dev/null && break; sleep 0.1; done
BASE="http://127.0.0.1:$PORT"
log "seed $SEED: nginx on $BASE, $REPO_ID@${COMMIT:0:12}, ${#NAMES[@]} files, $MODEL_BYTES bytes"

# --- helpers -----------------------------------------------------------------------------------------------------------
pull_args() { echo "pull hf://$REPO_ID --dest $1 --endpoint $BASE --chunk-size $CHUNK --log-level information"; }
same_bytes() { # every origin file present in $1 with the origin's bytes
  local n; for n in "${NAMES[@]}"; do cmp -s "$DATA/$n" "$1/$n" || return 1; done
}
served_since() { # body bytes and bytes (with headers) served for resolve URLs after line $1 of the access log
  tail -n +"$(($1 + 1))" "$NGX/access.log" | awk '$1 ~ /\/resolve\// { body += $4; all += $3 } END { printf "%d %d\n", body, all }'
}
wait_deadline() { # wait for child $1 at most HANG_S seconds; sets WAITED to its exit status, or "hang" (and kills it)
  local pid=$1 end=$(($(date +%s) + HANG_S))
  while kill -0 "$pid" 2>/dev/null && [[ -d /proc/$pid ]] && [[ $(cut -d' ' -f3 "/proc/$pid/stat" 2>/dev/null) != Z ]]; do
    if (($(date +%s) >= end)); then kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; WAITED=hang; return; fi
    sleep 0.05
  done
  WAITED=0; wait "$pid" || WAITED=$?
}
declare -A WCHAR=()
written() { # WRITTEN = bytes the processes $@ wrote with write(2) so far (wchar: the model's bytes land through
  local pid total=0 key value # pwrite); the last figure seen counts for a process that has exited. No fork: polled every 10 ms.
  for pid in "$@"; do
    if [[ -r /proc/$pid/io ]]; then
      while read -r key value; do [[ $key == wchar: ]] && WCHAR[$pid]=$value; done <"/proc/$pid/io" 2>/dev/null || true
    fi
    total=$((total + ${WCHAR[$pid]:-0}))
  done
  WRITTEN=$total
}
kill_when_written() { # SIGKILL process $1 once the processes $2.. wrote $KILL_AT bytes (or at once when $KILL_AT is 0)
  local victim=$1; shift
  while kill -0 "$victim" 2>/dev/null && written "$@" && ((WRITTEN < KILL_AT)); do sleep 0.01; done
  kill -9 "$victim" 2>/dev/null || true
  wait "$victim" 2>/dev/null || true
}
heaviest_writer() { # the node (node-a/b/c) among pids $@ (in that order) that wrote the most: the lease holder
  local i best=0 most=-1 pids=("$@")
  for i in 0 1 2; do ((${WCHAR[${pids[$i]}]:-0} > most)) && most=${WCHAR[${pids[$i]}]:-0} best=$i; done
  ((most > 0)) && echo "node-${NODES:best:1}"
}

FALSE_COMPLETE=0 FAILED_RERUN=0 CORRUPT=0 REFETCHED_TOTAL=0 SERVED_TOTAL=0 KILLS=0 COMPLETE_AFTER_KILL=0
FAILURES=()
note_failure() { FAILURES+=("trial $1 (BENCH_SEED=$SEED BENCH_ONLY=$1): $2"); log "FAILURE trial $1: $2"; }

# after_kill TRIAL DEST: verify; when it says complete, the bytes must be the origin's (appends to after[])
after_kill() {
  local trial=$1 dest=$2 rc=0
  "$AGENT" verify "$dest" >"$RUN/verify-after-kill-$KILLS.out" 2>&1 || rc=$?
  if [[ $rc == 0 ]]; then
    COMPLETE_AFTER_KILL=$((COMPLETE_AFTER_KILL + 1))
    same_bytes "$dest" || { FALSE_COMPLETE=$((FALSE_COMPLETE + 1)); note_failure "$trial" "verify said complete after a kill, bytes differ"; after+=(false-complete); return; }
    after+=(complete)
  else
    after+=("incomplete($rc)")
  fi
}

# final_check TRIAL DEST RC: the final run exited 0, bytes are the origin's, verify --deep complete
final_check() {
  local trial=$1 dest=$2 rc=$3 deep=0
  if [[ $rc != 0 ]]; then FAILED_RERUN=$((FAILED_RERUN + 1)); note_failure "$trial" "final run exited $rc (see $RUN)"; return; fi
  "$AGENT" verify --deep "$dest" >"$RUN/verify-deep.out" 2>&1 || deep=$?
  if ! same_bytes "$dest" || [[ $deep != 0 ]]; then CORRUPT=$((CORRUPT + 1)); note_failure "$trial" "final run's model is corrupt (verify --deep exit $deep)"; fi
}

# --- how long one clean pull takes here (kill moments are drawn within it) ---------------------------------------------
RUN="$WORK/runs/warmup"; rm -rf "$RUN"; mkdir -p "$RUN"
t0=$(now_ms); "$AGENT" $(pull_args "$RUN/model") >"$RUN/pull.out" 2>&1 || { cat "$RUN/pull.out" >&2; echo "error: a clean pull failed" >&2; exit 1; }
PULL_MS=$(($(now_ms) - t0))
same_bytes "$RUN/model" || { echo "error: a clean pull's bytes differ from the origin's" >&2; exit 1; }
rm -rf "$RUN"
log "a clean pull takes ${PULL_MS} ms here"

TSV="$WORK/trials.tsv"
printf 'trial\tkind\tdetail\tafter_kill\tfinal_rc\tserved_body\tserved_all\trefetched\n' >"$TSV"
first=1 last=$TRIALS
[[ -n $ONLY ]] && first=$ONLY last=$ONLY
for ((trial = first; trial <= last; trial++)); do
  RANDOM=$((SEED * 1000 + trial))
  RUN="$WORK/runs/$trial"; rm -rf "$RUN"; mkdir -p "$RUN"
  log_start=$(wc -l <"$NGX/access.log")
  after=() detail=""
  if ((trial % 2 == 1)); then
    kind=kill
    dest="$RUN/model"
    kills=$((RANDOM % 3 == 0 ? 2 : 1)) left=$MODEL_BYTES # a second kill's point is a share of what the first left
    for ((k = 1; k <= kills; k++)); do
      pct=$((RANDOM % 105)) KILL_AT=$((left / 100 * pct))
      "$AGENT" $(pull_args "$dest") >"$RUN/killed-$k.out" 2>&1 &
      pid=$!
      kill_when_written "$pid" "$pid"
      written "$pid"; left=$((left - WRITTEN)); ((left > 0)) || left=0
      KILLS=$((KILLS + 1))
      detail+="kill@${pct}% "
      after_kill "$trial" "$dest"
    done
    rc=0; "$AGENT" $(pull_args "$dest") >"$RUN/final.out" 2>&1 || rc=$?
    final_check "$trial" "$dest" "$rc"
  else
    kind=herd
    share="$RUN/share"; dest="$share/model"; mkdir -p "$share"
    pct=$((RANDOM % 105)) KILL_AT=$((MODEL_BYTES / 100 * pct))
    pick_holder=$((RANDOM % 4 != 0)) random_node=$((RANDOM % 3))
    pids=()
    for node in node-a node-b node-c; do
      NODE_NAME=$node "$AGENT" $(pull_args "$dest") --shared-storage yes --models-root "$share" "${LEASE_ARGS[@]}" \
        >"$RUN/$node.out" 2>&1 &
      pids+=($!)
    done
    while { kill -0 "${pids[0]}" || kill -0 "${pids[1]}" || kill -0 "${pids[2]}"; } 2>/dev/null && written "${pids[@]}" && ((WRITTEN < KILL_AT)); do
      sleep 0.01
    done
    herd_written=$WRITTEN victim="" how=holder
    if ((pick_holder)); then victim=$(heaviest_writer "${pids[@]}") || true; fi
    if [[ -z $victim ]]; then victim=node-${NODES:random_node:1} how=random; fi
    case $victim in node-a) v=0 ;; node-b) v=1 ;; *) v=2 ;; esac
    KILL_AT=0; kill_when_written "${pids[$v]}"
    KILLS=$((KILLS + 1))
    detail="kill $victim ($how) at ${pct}% (herd wrote $herd_written B)"
    after_kill "$trial" "$dest"
    survivors=""
    for i in 0 1 2; do
      ((i == v)) && continue
      wait_deadline "${pids[$i]}"; src=$WAITED
      survivors+="$src "
      if [[ $src != 0 ]]; then FAILED_RERUN=$((FAILED_RERUN + 1)); note_failure "$trial" "surviving herd node $i exited $src (see $RUN)"; fi
    done
    detail+=" survivors=${survivors% }"
    rc=0; NODE_NAME=node-final "$AGENT" $(pull_args "$dest") --shared-storage yes --models-root "$share" "${LEASE_ARGS[@]}" \
      >"$RUN/final.out" 2>&1 || rc=$?
    final_check "$trial" "$dest" "$rc"
  fi
  read -r body all < <(served_since "$log_start")
  refetched=$((body - MODEL_BYTES))
  SERVED_TOTAL=$((SERVED_TOTAL + body)) REFETCHED_TOTAL=$((REFETCHED_TOTAL + refetched))
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$trial" "$kind" "$detail" "${after[*]}" "$rc" "$body" "$all" "$refetched" >>"$TSV"
  log "trial $trial $kind: $detail | after kill: ${after[*]} | final exit $rc | served $body B, refetched $refetched B"
  # keep a failing trial's folder for inspection
  [[ ${#FAILURES[@]} -gt 0 && ${FAILURES[-1]} == "trial $trial "* ]] || rm -rf "$RUN"
done

n=$((last - first + 1))
mib() { python3 -c "print(f'{$1 / 1048576:.1f}')"; }
echo
echo "seed $SEED, $n trials ($(awk -F'\t' 'NR > 1 && $2 == "kill"' "$TSV" | wc -l) kill, $(awk -F'\t' 'NR > 1 && $2 == "herd"' "$TSV" | wc -l) herd), $KILLS kills, model $MODEL_BYTES bytes ($(mib "$MODEL_BYTES") MiB) in ${#NAMES[@]} files"
echo "verify said complete after $COMPLETE_AFTER_KILL of $KILLS kills (bytes compared each time)"
echo "false-complete: $FALSE_COMPLETE   failed-rerun: $FAILED_RERUN   corrupt: $CORRUPT   (goal 0 / 0 / 0)"
echo "refetched: $REFETCHED_TOTAL bytes ($(mib "$REFETCHED_TOTAL") MiB) beyond the model size over $n trials, $(mib $((REFETCHED_TOTAL / n))) MiB per trial on average; served $SERVED_TOTAL bytes ($(mib "$SERVED_TOTAL") MiB)"
awk -F'\t' 'NR > 1 { r[$2] += $8; c[$2]++; if ($8 > m[$2]) m[$2] = $8 } END { for (k in r) printf "  %s trials: refetched %.1f MiB per trial on average, %.1f MiB at most\n", k, r[k] / c[k] / 1048576, m[k] / 1048576 }' "$TSV"
for f in "${FAILURES[@]}"; do echo "  $f"; done
[[ $FALSE_COMPLETE == 0 && $FAILED_RERUN == 0 && $CORRUPT == 0 ]]
