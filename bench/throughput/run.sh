#!/usr/bin/env bash
# Throughput bench: `model-agent pull` against aria2c -x16 -s16 and 4 parallel curl transfers, from the same nginx
# origin on loopback, in the same run. Between runs only the destination is dropped (and `sync` flushes its dirty
# pages, so one tool's writeback does not land on the next one's clock). Page cache stays warm for all tools.
#
#   bench/throughput/run.sh            # 4 files x 1 GiB, 3 rounds (tool order rotates each round)
#   BENCH_FILES=4 BENCH_FILE_MIB=1024 BENCH_ROUNDS=3 BENCH_WORK=/tmp/ma-bench bench/throughput/run.sh
#   BENCH_DEST=/dev/shm/ma-bench bench/throughput/run.sh   # destination on tmpfs: the network+hashing path alone
#   BENCH_AGENT_VARIANT="--concurrency 4 --connections-per-file 1 --chunk-size 1024M" bench/throughput/run.sh
#                                  # adds a 4th client: model-agent with these extra pull options
#
# model-agent fsyncs every file before it calls the model complete; aria2c and curl do not. So each run is also
# timed "durable": the tool's wall time plus `sync FILE...` (fsync of exactly its output files) right after it.
#
# Needs: nginx, aria2c, curl, GNU time (/usr/bin/time), sha256sum, dotnet (apt-get install nginx aria2 curl time).
# Prints a markdown table; raw figures go to $BENCH_WORK/results.tsv.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
WORK=${BENCH_WORK:-/tmp/ma-bench}
FILES=${BENCH_FILES:-4}
FILE_MIB=${BENCH_FILE_MIB:-1024}
ROUNDS=${BENCH_ROUNDS:-3}
REPO_ID=bench/model

for tool in nginx aria2c curl sha256sum sha1sum dotnet python3; do
  command -v "$tool" >/dev/null || { echo "error: '$tool' is missing (apt-get install nginx aria2 curl time python3)" >&2; exit 2; }
done
[[ -x /usr/bin/time ]] || { echo "error: GNU time (/usr/bin/time) is missing: apt-get install time" >&2; exit 2; }

DEST_ROOT=${BENCH_DEST:-$WORK/dest}
mkdir -p "$WORK"/{data,nginx/tmp} "$DEST_ROOT"
log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# --- model-agent, built from this checkout in Release -------------------------------------------------------------
case $(uname -m) in x86_64) RID=linux-x64 ;; aarch64) RID=linux-arm64 ;; *) echo "error: no .NET runtime id for $(uname -m)" >&2; exit 2 ;; esac
log "publishing model-agent (Release, $RID, ReadyToRun: as a node image ships it)"
dotnet publish "$REPO/src/ModelAgent.Cli" -c Release -r "$RID" --self-contained false -o "$WORK/bin" --nologo -v quiet >/dev/null
AGENT="$WORK/bin/model-agent"
"$AGENT" pull --help >/dev/null 2>&1 || { echo "error: this checkout's model-agent has no 'pull' command yet" >&2; exit 2; }

# --- data: FILES random files of FILE_MIB MiB, hashed once and reused across runs ------------------------------------
names=()
for ((i = 1; i <= FILES; i++)); do names+=("$(printf 'model-%05d-of-%05d.bin' "$i" "$FILES")"); done
stamp="$WORK/data/.made-${FILES}x${FILE_MIB}"
if [[ ! -f $stamp ]]; then
  rm -f "$WORK"/data/*.bin "$WORK"/data/.made-*
  for name in "${names[@]}"; do
    log "writing $name ($FILE_MIB MiB of random bytes)"
    head -c "$((FILE_MIB << 20))" /dev/urandom >"$WORK/data/$name"
  done
  (cd "$WORK/data" && sha256sum "${names[@]}" >SHA256SUMS)
  touch "$stamp"
fi

# --- origin tree laid out so the HF paths resolve ---------------------------------------------------------------------
declare -A sha size
while read -r digest name; do sha[$name]=$digest; size[$name]=$(stat -c %s "$WORK/data/$name"); done <"$WORK/data/SHA256SUMS"
pointer_oid() { # git blob id of the LFS pointer git would store (the tree entry's "oid")
  local text; text=$(printf 'version https://git-lfs.github.com/spec/v1\noid sha256:%s\nsize %s\n' "$1" "$2")$'\n'
  { printf 'blob %d\0' "${#text}"; printf '%s' "$text"; } | sha1sum | cut -c1-40
}
COMMIT=$(for n in "${names[@]}"; do echo "$n ${sha[$n]}"; done | sha1sum | cut -c1-40)
ORIGIN="$WORK/origin"
rm -rf "$ORIGIN"
mkdir -p "$ORIGIN/$REPO_ID/resolve/$COMMIT" "$ORIGIN/api/models/$REPO_ID/revision" "$ORIGIN/api/models/$REPO_ID/tree"
ln -s "$COMMIT" "$ORIGIN/$REPO_ID/resolve/main"
entries=() siblings=() etag_map=()
for n in "${names[@]}"; do
  ln "$WORK/data/$n" "$ORIGIN/$REPO_ID/resolve/$COMMIT/$n" 2>/dev/null || ln -s "$WORK/data/$n" "$ORIGIN/$REPO_ID/resolve/$COMMIT/$n"
  entries+=("{\"type\":\"file\",\"oid\":\"$(pointer_oid "${sha[$n]}" "${size[$n]}")\",\"size\":${size[$n]},\"path\":\"$n\",\"lfs\":{\"oid\":\"${sha[$n]}\",\"size\":${size[$n]},\"pointerSize\":134}}")
  siblings+=("{\"rfilename\":\"$n\"}")
  etag_map+=("    ~/resolve/[^/]+/$n\$ \"\\\"${sha[$n]}\\\"\";")
done
(IFS=,; echo "[${entries[*]}]") >"$ORIGIN/api/models/$REPO_ID/tree/$COMMIT"
(IFS=,; echo "{\"_id\":\"000000000000000000000000\",\"id\":\"$REPO_ID\",\"sha\":\"$COMMIT\",\"private\":false,\"gated\":false,\"siblings\":[${siblings[*]}]}") \
  >"$ORIGIN/api/models/$REPO_ID/revision/main"

# --- nginx on a free loopback port ----------------------------------------------------------------------------------
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
NGX="$WORK/nginx"
cat >"$NGX/nginx.conf" <<CONF
worker_processes auto;
pid $NGX/nginx.pid;
error_log $NGX/error.log warn;
events { worker_connections 4096; }
http {
  access_log $NGX/access.log;
  client_body_temp_path $NGX/tmp/body; proxy_temp_path $NGX/tmp/proxy; fastcgi_temp_path $NGX/tmp/fastcgi;
  uwsgi_temp_path $NGX/tmp/uwsgi; scgi_temp_path $NGX/tmp/scgi;
  sendfile on; tcp_nopush on; keepalive_requests 100000;
  default_type application/octet-stream;
  map \$uri \$lfs_etag {
    default "";
$(printf '%s\n' "${etag_map[@]}")
  }
  server {
    listen 127.0.0.1:$PORT;
    root $ORIGIN;
    location /api/ { default_type application/json; }
    location /$REPO_ID/resolve/ {
      etag off;
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
log "nginx on $BASE, commit $COMMIT"

# --- the three clients ----------------------------------------------------------------------------------------------
DEST="$DEST_ROOT/model"
run_model_agent() { "$AGENT" pull "hf://$REPO_ID" --dest "$DEST" --endpoint "$BASE" --log-level warning >"$WORK/model-agent.out" 2>&1; }
VARIANT_ARGS=${BENCH_AGENT_VARIANT:-}
run_model_agent_variant() {
  # shellcheck disable=SC2086 # the variant is a list of options
  "$AGENT" pull "hf://$REPO_ID" --dest "$DEST" --endpoint "$BASE" --log-level warning $VARIANT_ARGS >"$WORK/model-agent-variant.out" 2>&1
}
run_aria2c() {
  for n in "${names[@]}"; do echo "$BASE/$REPO_ID/resolve/$COMMIT/$n"; done >"$WORK/urls.txt"
  aria2c -x16 -s16 -j"$FILES" --file-allocation=falloc --allow-overwrite=true --auto-file-renaming=false \
    --console-log-level=warn --summary-interval=0 --download-result=hide -d "$DEST" -i "$WORK/urls.txt" >"$WORK/aria2c.out" 2>&1
}
run_curl() {
  local args=()
  for n in "${names[@]}"; do args+=(-o "$DEST/$n" "$BASE/$REPO_ID/resolve/$COMMIT/$n"); done
  curl -sS --fail --parallel --parallel-max "$FILES" "${args[@]}" >"$WORK/curl.out" 2>&1
}

check_dest() { # sizes every run; content (sha256) on the first round
  local tool=$1 round=$2
  for n in "${names[@]}"; do
    [[ $(stat -c %s "$DEST/$n" 2>/dev/null || echo missing) == "${size[$n]}" ]] || { echo "error: $tool left $n with the wrong size" >&2; exit 1; }
  done
  if [[ $round == 1 ]]; then (cd "$DEST" && sha256sum --quiet -c "$WORK/data/SHA256SUMS") || { echo "error: $tool wrote wrong bytes" >&2; exit 1; }; fi
}

RESULTS="$WORK/results.tsv"
printf 'round\ttool\twall_s\tuser_s\tsys_s\trequests\tfsync_s\n' >"$RESULTS"
tools=(model-agent aria2c curl)
[[ -n $VARIANT_ARGS ]] && tools+=(model-agent-variant)
for ((round = 1; round <= ROUNDS; round++)); do
  for ((k = 0; k < ${#tools[@]}; k++)); do
    tool=${tools[$(((k + round - 1) % ${#tools[@]}))]}
    rm -rf "$DEST"; mkdir -p "$DEST"; sync
    before=$(wc -l <"$NGX/access.log")
    /usr/bin/time -f '%e %U %S' -o "$WORK/time.txt" bash -c "$(declare -f "run_${tool//-/_}"); $(declare -p names BASE REPO_ID COMMIT DEST WORK FILES AGENT VARIANT_ARGS); run_${tool//-/_}" \
      || { echo "error: $tool failed; see $WORK/$tool.out" >&2; cat "$WORK/$tool.out" >&2; exit 1; }
    /usr/bin/time -f '%e' -o "$WORK/fsync.txt" sync "${names[@]/#/$DEST/}"
    requests=$(($(wc -l <"$NGX/access.log") - before))
    check_dest "$tool" "$round"
    read -r wall user sys <"$WORK/time.txt"
    read -r fsync_s <"$WORK/fsync.txt"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$tool" "$wall" "$user" "$sys" "$requests" "$fsync_s" >>"$RESULTS"
    log "round $round $tool: ${wall}s wall (+${fsync_s}s fsync), ${user}s user, ${sys}s sys, $requests requests"
  done
done
rm -rf "$DEST"

# --- summary: medians, ratios against aria2c and curl, CPU seconds per GiB -------------------------------------------
python3 - "$RESULTS" "$FILES" "$FILE_MIB" "$DEST_ROOT" "$VARIANT_ARGS" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
gib = int(sys.argv[2]) * int(sys.argv[3]) / 1024
med = {}
for tool in dict.fromkeys(x["tool"] for x in rows):
    r = [x for x in rows if x["tool"] == tool]
    wall = [float(x["wall_s"]) for x in r]
    durable = [float(x["wall_s"]) + float(x["fsync_s"]) for x in r]
    cpu = statistics.median(float(x["user_s"]) + float(x["sys_s"]) for x in r)
    med[tool] = (statistics.median(wall), statistics.median(durable), cpu, statistics.median(int(x["requests"]) for x in r), wall, durable)
print(f"{sys.argv[2]} files x {sys.argv[3]} MiB = {gib:g} GiB into {sys.argv[4]}, {len(rows) // len(med)} rounds, medians")
if sys.argv[5]: print(f"model-agent-variant = model-agent pull ... {sys.argv[5]}")
print()
print("| tool | wall s | runs (wall) | wall + fsync s | GiB/s (wall) | CPU s (user+sys) | CPU s per GiB | requests |")
print("|---|---|---|---|---|---|---|---|")
for tool, (wall, durable, cpu, req, walls, durables) in med.items():
    print(f"| {tool} | {wall:.2f} | {', '.join(f'{w:.1f}' for w in walls)} | {durable:.2f} | {gib / wall:.2f} | {cpu:.2f} | {cpu / gib:.2f} | {req:g} |")
print()
for agent in (t for t in med if t.startswith("model-agent")):
    ma, ma_d = med[agent][0], med[agent][1]
    print(f"{agent} / aria2c: {ma / med['aria2c'][0]:.2f}x wall, {ma_d / med['aria2c'][1]:.2f}x durable (goal <= 1.0x)")
    print(f"{agent} / curl:   {ma / med['curl'][0]:.2f}x wall, {ma_d / med['curl'][1]:.2f}x durable (goal <= 1.2x)")
PY
