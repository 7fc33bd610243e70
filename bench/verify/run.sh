#!/usr/bin/env bash
# Benchmarks the completeness check (bench/verify/RESULTS.md is this script's latest output):
#  1. the fast check vs GNU stat over the same file list, same run: a 142-shard layout with sparse shards of a
#     real large model's sizes (tests/fixtures/real-models/reflection-llama-3.1-70b), and a 10,000-file layout;
#     each by the completion record (stat only) and by the layout rules (no record; reads every safetensors header).
#     Goal: record check <= 2x stat. Timed in-process (VerifyBench) and as `model-agent verify` processes.
#  2. --deep hashing throughput vs `openssl dgst -sha256`, per core, on real random (non-sparse) files.
#     Goal: >= 0.9x openssl per core, using all cores across files.
# Wall time and CPU time (user + system) are both reported: on a shared, loaded machine CPU time is the stable one.
# Usage: bench/verify/run.sh [RESULTS.md]   env: REPEAT (21), DEEP_FILES (8), DEEP_MIB (128), BENCH_DIR
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
out=${1:-$repo/bench/verify/RESULTS.md}
repeat=${REPEAT:-21}
deep_files=${DEEP_FILES:-8}
deep_mib=${DEEP_MIB:-128}
work=${BENCH_DIR:-$(mktemp -d /tmp/ma-bench-verify.XXXXXX)}
trap 'rm -rf "$work"' EXIT
cores=$(nproc)
load_start=$(cut -d" " -f1-3 /proc/loadavg)

dotnet build -c Release -v quiet -nologo src/ModelAgent.Cli >/dev/null
dotnet build -c Release -v quiet -nologo bench/verify/VerifyBench >/dev/null
bench() { dotnet "$repo/bench/verify/VerifyBench/bin/Release/net10.0/VerifyBench.dll" "$@"; }
cli() { dotnet "$repo/src/ModelAgent.Cli/bin/Release/net10.0/model-agent.dll" "$@"; }

# "wall_ms cpu_ms": medians over REPEAT runs (after one warm-up) of a command, children's CPU included.
measure_cmd() {
  "$@" >/dev/null 2>&1 || true
  local walls=() cpus=() i line TIMEFORMAT='%3R %3U %3S'
  for ((i = 0; i < repeat; i++)); do
    line=$( { time "$@" >/dev/null 2>&1; } 2>&1 ) || true
    walls+=("$(awk '{ print $1 * 1000 }' <<<"$line")")
    cpus+=("$(awk '{ print ($2 + $3) * 1000 }' <<<"$line")")
  done
  printf '%s %s\n' "$(median "${walls[@]}")" "$(median "${cpus[@]}")"
}
median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { printf "%.1f", a[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b <= 0) print "n/a"; else printf "%.2fx", a / b }'; }
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }
stat_list() { (cd "$1" && mapfile -t files <"$2" && exec stat -c %s -- "${files[@]}"); }

rows=()
measure() { # name dir
  local name=$1 dir=$2 list=$work/$1.list
  local layout_in layout_cli stat record_in record_cli
  layout_in=$(bench time "$dir" "$repeat")
  layout_cli=$(measure_cmd cli verify "$dir")
  bench adopt "$dir"
  bench list "$dir" "$list"
  stat=$(measure_cmd stat_list "$dir" "$list")
  record_in=$(bench time "$dir" "$repeat")
  record_cli=$(measure_cmd cli verify "$dir")
  local n s_wall s_cpu r_wall r_cpu
  n=$(wc -l <"$list"); read -r s_wall s_cpu <<<"$stat"
  r_wall=$(field median_ms <<<"$record_in"); r_cpu=$(field cpu_ms <<<"$record_in")
  rows+=("| $name | $n | $s_wall / $s_cpu | $r_wall / $r_cpu | **$(ratio "$r_wall" "$s_wall")** / **$(ratio "$r_cpu" "$s_cpu")** | ${record_cli% *} / ${record_cli#* } | $(ratio "${record_cli% *}" "$s_wall") | $(field median_ms <<<"$layout_in") / $(field cpu_ms <<<"$layout_in") | $(ratio "$(field median_ms <<<"$layout_in")" "$s_wall") | ${layout_cli% *} / ${layout_cli#* } |")
}

bench sharded "$work/sharded-142" "$repo/tests/fixtures/real-models/reflection-llama-3.1-70b" 142
measure "142 shards, sizes of reflection-llama-3.1-70b ($(du -sh --apparent-size "$work/sharded-142" | cut -f1) apparent, sparse)" "$work/sharded-142"
bench many "$work/many-10000" 10000
measure "10,000 files (4 KiB safetensors each)" "$work/many-10000"

# Deep: real random files, page cache warm for both sides.
bench random "$work/deep" "$deep_files" "$deep_mib"
cat "$work"/deep/* >/dev/null
shards=("$work"/deep/*.safetensors)
openssl_serial() { local f; for f in "${shards[@]}"; do openssl dgst -sha256 "$f"; done; }
openssl_parallel() { printf '%s\n' "${shards[@]}" | xargs -P "$cores" -n 1 openssl dgst -sha256; }
ossl_startup=$(measure_cmd openssl dgst -sha256 /dev/null)
ossl_serial=$(measure_cmd openssl_serial)
ossl_parallel=$(measure_cmd openssl_parallel)
bench adopt "$work/deep" --deep
deep=$(bench time "$work/deep" "$repeat" --deep)
deep_cli=$(measure_cmd cli verify "$work/deep" --deep)
bytes=$(field bytes_hashed <<<"$deep")
mibs() { awk -v b="$1" -v ms="$2" 'BEGIN { printf "%.0f", b / 1048576 / (ms / 1000) }'; }
cores_used() { awk -v cpu="$2" -v wall="$1" 'BEGIN { printf "%.2f", cpu / wall }'; }
read -r os_wall os_cpu <<<"$ossl_serial"
read -r op_wall op_cpu <<<"$ossl_parallel"
read -r dc_wall dc_cpu <<<"$deep_cli"
d_wall=$(field median_ms <<<"$deep"); d_cpu=$(field cpu_ms <<<"$deep")
ossl_per_core=$(mibs "$bytes" "$os_cpu")
ossl_startup_cpu=${ossl_startup#* }
ossl_net_cpu=$(awk -v c="$os_cpu" -v s="$ossl_startup_cpu" -v n="$deep_files" 'BEGIN { d = c - n * s; print (d > 1 ? d : 1) }')
ossl_per_core_net=$(mibs "$bytes" "$ossl_net_cpu")
ours_per_core=$(mibs "$bytes" "$d_cpu")

{
  echo "# bench/verify results"
  echo
  echo "Written by \`bench/verify/run.sh\` on $(date -u +%Y-%m-%d): $cores cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(. /etc/os-release && echo "$PRETTY_NAME"), .NET SDK $(dotnet --version), $(stat --version | head -1), $(openssl version | cut -d' ' -f1-2). Medians of $repeat runs after a warm-up, page cache warm; every ratio compares runs of the same script. Load average (1/5/15 min) at start $load_start, at end $(cut -d" " -f1-3 /proc/loadavg): other jobs shared this machine, so wall times are noisy; CPU times (user + system, all threads and child processes) are the stable figure."
  echo
  echo "## Fast check vs GNU stat (goal: record check <= 2x stat)"
  echo
  echo "Cells are \`wall ms / CPU ms\`. stat = one \`stat -c %s\` process over the record's file list (every file in the directory), start-up included. Record check in-process = \`CompletenessCheck.InspectAsync\` with a completion record (parse the record, one lstat per file), timed inside a warm process (VerifyBench). CLI = a whole \`model-agent verify\` process, .NET start-up and JIT included. Layout rules = the same directory before it had a record: lists it, parses the index and reads every safetensors header."
  echo
  echo "| layout | files | stat | record check, in-process | ratio to stat (wall / CPU) | record check, CLI process | CLI wall ratio | layout rules, in-process | wall ratio | layout rules, CLI process |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
  echo
  echo "## --deep vs openssl dgst -sha256 (goal: >= 0.9x per core, all cores used)"
  echo
  echo "$deep_files files x $deep_mib MiB of random bytes. Per core = bytes / CPU seconds. Cores used = CPU time / wall time."
  echo
  echo "| measure | wall ms | CPU ms | MiB/s (wall) | MiB/s per core (CPU) | cores used |"
  echo "|---|---|---|---|---|---|"
  echo "| openssl dgst -sha256, one file after another | $os_wall | $os_cpu | $(mibs "$bytes" "$os_wall") | $ossl_per_core | $(cores_used "$os_wall" "$os_cpu") |"
  echo "| openssl dgst -sha256 /dev/null (its start-up alone) | ${ossl_startup% *} | $ossl_startup_cpu | | | |"
  echo "| openssl dgst -sha256, one file after another, minus $deep_files start-ups | | $ossl_net_cpu | | $ossl_per_core_net | |"
  echo "| openssl dgst -sha256, xargs -P $cores | $op_wall | $op_cpu | $(mibs "$bytes" "$op_wall") | $(mibs "$bytes" "$op_cpu") | $(cores_used "$op_wall" "$op_cpu") |"
  echo "| verify --deep, in-process | $d_wall | $d_cpu | $(mibs "$bytes" "$d_wall") | $ours_per_core | $(cores_used "$d_wall" "$d_cpu") |"
  echo "| model-agent verify --deep, CLI process | $dc_wall | $dc_cpu | $(mibs "$bytes" "$dc_wall") | $(mibs "$bytes" "$dc_cpu") | $(cores_used "$dc_wall" "$dc_cpu") |"
  echo
  echo "Per-core ratio (in-process / openssl): **$(ratio "$ours_per_core" "$ossl_per_core")**; against openssl without its process start-ups: **$(ratio "$ours_per_core" "$ossl_per_core_net")**. Wall-clock ratio, all cores (in-process / openssl xargs -P $cores): $(ratio "$(mibs "$bytes" "$d_wall")" "$(mibs "$bytes" "$op_wall")")."
} >"$out"
cat "$out"
