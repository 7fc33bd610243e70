#!/usr/bin/env bash
# S3 row of the throughput bench: `model-agent pull s3://…` against the AWS CLI's `"$AWS" s3 cp --recursive`, both from
# the same s3rver process (a real S3 server in one node process, tests/js) on loopback, in the same run, alternating
# (the order flips every round). Between runs only the destination is dropped (and `sync`). s3rver and nginx cannot be
# compared as origins (s3rver is one single-threaded node process), so this row compares clients of one store only.
#
#   bench/throughput/s3.sh                          # 4 objects x 256 MiB (one uploaded multipart), 3 rounds each
#   BENCH_FILES=4 BENCH_FILE_MIB=1024 BENCH_ROUNDS=5 bench/throughput/s3.sh     # bigger
#   BENCH_AGENT_VARIANT="--chunk-size 8M" bench/throughput/s3.sh                # adds model-agent with these options
#
# Needs: node + npm (s3rver from tests/js), awscli, GNU time, sha256sum, python3, dotnet:
#   apt-get install -y awscli time python3 nodejs npm
# Prints a markdown table; raw figures go to $BENCH_WORK/results.tsv.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
WORK=${BENCH_WORK:-/tmp/ma-bench-s3}
FILES=${BENCH_FILES:-4}
FILE_MIB=${BENCH_FILE_MIB:-256}
ROUNDS=${BENCH_ROUNDS:-3}
BUCKET=bench
PREFIX=org/model

# Debian's awscli (/usr/bin/aws) unless BENCH_AWS names another: a pyenv or pip `aws` earlier on PATH may be another version.
AWS=${BENCH_AWS:-$( [[ -x /usr/bin/aws ]] && echo /usr/bin/aws || command -v aws || echo aws)}
for tool in node npm "$AWS" sha256sum dotnet python3; do
  command -v "$tool" >/dev/null || { echo "error: '$tool' is missing (apt-get install -y awscli time python3 nodejs npm)" >&2; exit 2; }
done
[[ -x /usr/bin/time ]] || { echo "error: GNU time (/usr/bin/time) is missing: apt-get install time" >&2; exit 2; }

DEST_ROOT=${BENCH_DEST:-$WORK/dest}
mkdir -p "$WORK"/data "$DEST_ROOT"
log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# --- model-agent, built from this checkout in Release (as bench/throughput/run.sh builds it) -------------------------
case $(uname -m) in x86_64) RID=linux-x64 ;; aarch64) RID=linux-arm64 ;; *) echo "error: no .NET runtime id for $(uname -m)" >&2; exit 2 ;; esac
log "publishing model-agent (Release, $RID, ReadyToRun)"
dotnet publish "$REPO/src/ModelAgent.Cli" -c Release -r "$RID" --self-contained false -o "$WORK/bin" --nologo -v quiet >/dev/null
AGENT="$WORK/bin/model-agent"

S3RVER="$REPO/tests/js/node_modules/s3rver/bin/s3rver.js"
[[ -f $S3RVER ]] || { log "installing s3rver (npm ci in tests/js)"; npm ci --prefix "$REPO/tests/js" --no-audit --no-fund >/dev/null; }

# --- data: FILES random files of FILE_MIB MiB, hashed once and reused across runs ------------------------------------
names=()
for ((i = 1; i <= FILES; i++)); do names+=("$(printf 'model-%05d-of-%05d.safetensors' "$i" "$FILES")"); done
stamp="$WORK/data/.made-${FILES}x${FILE_MIB}"
if [[ ! -f $stamp ]]; then
  rm -f "$WORK"/data/*.safetensors "$WORK"/data/.made-*
  for name in "${names[@]}"; do
    log "writing $name ($FILE_MIB MiB of random bytes)"
    head -c "$((FILE_MIB << 20))" /dev/urandom >"$WORK/data/$name"
  done
  (cd "$WORK/data" && sha256sum "${names[@]}" >SHA256SUMS)
  touch "$stamp"
fi

# --- s3rver on a free loopback port, fresh store each run ------------------------------------------------------------
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
rm -rf "$WORK/s3rver"; mkdir -p "$WORK/s3rver"
node "$S3RVER" -d "$WORK/s3rver" -a 127.0.0.1 -p "$PORT" --no-vhost-buckets >"$WORK/s3rver.log" 2>&1 &
S3RVER_PID=$!
trap 'kill "$S3RVER_PID" 2>/dev/null; wait "$S3RVER_PID" 2>/dev/null || true' EXIT
ENDPOINT="http://127.0.0.1:$PORT"
export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_CONFIG_FILE="$WORK/aws-config" AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_PAGER=""
: >"$AWS_CONFIG_FILE" # the CLI's defaults (10 requests in flight, 8 MiB parts), whatever ~/.aws says
for _ in $(seq 100); do grep -q "S3rver listening" "$WORK/s3rver.log" && break; sleep 0.2; done
"$AWS" --endpoint-url "$ENDPOINT" s3 mb "s3://$BUCKET" >/dev/null
# The last object goes up multipart (the CLI's 8 MiB parts), the others in one PUT each.
for ((i = 0; i < FILES; i++)); do
  n=${names[$i]}
  if ((i == FILES - 1)); then
    "$AWS" --endpoint-url "$ENDPOINT" s3 cp --only-show-errors "$WORK/data/$n" "s3://$BUCKET/$PREFIX/$n"
  else
    "$AWS" --endpoint-url "$ENDPOINT" s3api put-object --bucket "$BUCKET" --key "$PREFIX/$n" --body "$WORK/data/$n" >/dev/null
  fi
done
log "s3rver $(node -e "console.log(require('$REPO/tests/js/node_modules/s3rver/package.json').version)") on $ENDPOINT, \
$FILES x $FILE_MIB MiB under s3://$BUCKET/$PREFIX/ ($("$AWS" --version 2>&1))"

# --- the clients ------------------------------------------------------------------------------------------------------
DEST="$DEST_ROOT/model"
VARIANT_ARGS=${BENCH_AGENT_VARIANT:-}
run() { # tool: runs it under GNU time (wall, user, sys, peak RSS of the largest process in KiB)
  case $1 in
    model-agent) AWS_ENDPOINT_URL_S3=$ENDPOINT /usr/bin/time -f '%e %U %S %M' -o "$WORK/time.txt" \
      "$AGENT" pull "s3://$BUCKET/$PREFIX" --dest "$DEST" --log-level warning ;;
    # shellcheck disable=SC2086 # the variant is a list of options
    model-agent-variant) AWS_ENDPOINT_URL_S3=$ENDPOINT /usr/bin/time -f '%e %U %S %M' -o "$WORK/time.txt" \
      "$AGENT" pull "s3://$BUCKET/$PREFIX" --dest "$DEST" --log-level warning $VARIANT_ARGS ;;
    aws) /usr/bin/time -f '%e %U %S %M' -o "$WORK/time.txt" \
      "$AWS" s3 cp --recursive --only-show-errors "s3://$BUCKET/$PREFIX/" "$DEST" --endpoint-url "$ENDPOINT" ;;
  esac >"$WORK/$1.out" 2>&1
}
cpu_of() { awk '{ print ($14 + $15) / 100 }' "/proc/$1/stat"; } # utime + stime of s3rver, in seconds (USER_HZ 100)

RESULTS="$WORK/results.tsv"
printf 'round\ttool\twall_s\tuser_s\tsys_s\tpeak_rss_mib\tfsync_s\ts3rver_cpu_s\n' >"$RESULTS"
tools=(model-agent aws)
[[ -n $VARIANT_ARGS ]] && tools+=(model-agent-variant)
for ((round = 1; round <= ROUNDS; round++)); do
  for ((k = 0; k < ${#tools[@]}; k++)); do
    tool=${tools[$(((k + round - 1) % ${#tools[@]}))]}
    rm -rf "$DEST"; mkdir -p "$DEST"; sync
    s3cpu=$(cpu_of "$S3RVER_PID")
    run "$tool" || { echo "error: $tool failed; see $WORK/$tool.out" >&2; cat "$WORK/$tool.out" >&2; exit 1; }
    s3cpu=$(python3 -c "print(f'{$(cpu_of "$S3RVER_PID") - $s3cpu:.2f}')")
    /usr/bin/time -f '%e' -o "$WORK/fsync.txt" sync "${names[@]/#/$DEST/}"
    # Every run's bytes, every round: identical to what was uploaded, and nothing else (model-agent's .model-agent aside).
    (cd "$DEST" && sha256sum --quiet -c "$WORK/data/SHA256SUMS") || { echo "error: $tool wrote wrong bytes" >&2; exit 1; }
    extra=$(cd "$DEST" && find . -path ./.model-agent -prune -o -type f -print | wc -l)
    [[ $extra == "$FILES" ]] || { echo "error: $tool left $extra files, expected $FILES" >&2; exit 1; }
    read -r wall user sys rss_kib <"$WORK/time.txt"
    read -r fsync_s <"$WORK/fsync.txt"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$tool" "$wall" "$user" "$sys" "$((rss_kib / 1024))" "$fsync_s" "$s3cpu" >>"$RESULTS"
    log "round $round $tool: ${wall}s wall (+${fsync_s}s fsync), ${user}s user, ${sys}s sys, $((rss_kib / 1024)) MiB peak RSS," \
      "s3rver ${s3cpu}s CPU; sha256 of all $FILES files identical"
  done
done
rm -rf "$DEST"

python3 - "$RESULTS" "$FILES" "$FILE_MIB" "$DEST_ROOT" "$VARIANT_ARGS" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
gib = int(sys.argv[2]) * int(sys.argv[3]) / 1024
med = {}
for tool in dict.fromkeys(x["tool"] for x in rows):
    r = [x for x in rows if x["tool"] == tool]
    m = lambda f: statistics.median(f(x) for x in r)
    med[tool] = dict(wall=m(lambda x: float(x["wall_s"])), durable=m(lambda x: float(x["wall_s"]) + float(x["fsync_s"])),
                     cpu=m(lambda x: float(x["user_s"]) + float(x["sys_s"])), rss=m(lambda x: int(x["peak_rss_mib"])),
                     s3=m(lambda x: float(x["s3rver_cpu_s"])), walls=[float(x["wall_s"]) for x in r])
print(f"{sys.argv[2]} objects x {sys.argv[3]} MiB = {gib:g} GiB from s3rver into {sys.argv[4]}, "
      f"{len(rows) // len(med)} rounds each, medians; sha256 of every file checked after every run")
if sys.argv[5]: print(f"model-agent-variant = model-agent pull ... {sys.argv[5]}")
print()
print("| tool | wall s | runs (wall) | wall + fsync s | GiB/s (wall) | CPU s (user+sys) | peak RSS MiB | s3rver CPU s |")
print("|---|---|---|---|---|---|---|---|")
for tool, v in med.items():
    print(f"| {tool} | {v['wall']:.2f} | {', '.join(f'{w:.1f}' for w in v['walls'])} | {v['durable']:.2f} | "
          f"{gib / v['wall']:.2f} | {v['cpu']:.2f} | {v['rss']:g} | {v['s3']:.2f} |")
print()
for agent in (t for t in med if t.startswith("model-agent")):
    per_round = [a / b for a, b in zip(med[agent]["walls"], med["aws"]["walls"])]
    print(f"{agent} / aws s3 cp: {med[agent]['wall'] / med['aws']['wall']:.2f}x wall, "
          f"{med[agent]['durable'] / med['aws']['durable']:.2f}x durable (goal <= 1.0x); "
          f"per round {', '.join(f'{x:.2f}' for x in per_round)}")
PY
