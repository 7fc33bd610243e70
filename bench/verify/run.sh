#!/usr/bin/env bash
# Benchmarks the completeness check (bench/verify/RESULTS.md is this script's latest output):
#  1. the fast check vs GNU stat over the same file list, same run: a 142-shard layout with sparse shards of a
#     real large model's sizes (tests/fixtures/real-models/reflection-llama-3.1-70b), and a 10,000-file layout;
#     each by the layout rules (no record; reads every safetensors header) and by the completion record (stat only).
#     Goal: record check <= 2x stat. Timed in-process (VerifyBench) and as `model-agent verify` processes.
#  2. --deep hashing throughput vs `openssl dgst -sha256`, per core, on real random (non-sparse) files.
#     Goal: >= 0.9x openssl per core, using all cores across files.
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

# Median wall time in ms of REPEAT runs of a command (after one warm-up run).
median_ms() {
  "$@" >/dev/null 2>&1 || true
  local times=() i start end
  for ((i = 0; i < repeat; i++)); do
    start=$(date +%s%N); "$@" >/dev/null 2>&1 || true; end=$(date +%s%N)
    times+=("$(( (end - start) / 1000 ))")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { printf "%.3f", a[int((NR + 1) / 2)] / 1000 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
inproc() { bench time "$1" "$repeat" ${2:-} | sed -n 's/.*median_ms=\([0-9.]*\).*/\1/p'; }
stat_list() { (cd "$1" && mapfile -t files <"$2" && stat -c %s -- "${files[@]}"); }
stat_one() { (cd "$1" && stat -c %s -- config.json); }

rows=()
measure() { # name dir
  local name=$1 dir=$2 list=$work/$1.list
  (cd "$dir" && find . -type f ! -path './.model-agent/*' | sed 's|^\./||' | sort) >"$list"
  local n; n=$(wc -l <"$list")
  local stat_all stat_1 layout_in layout_cli record_in record_cli
  stat_all=$(median_ms stat_list "$dir" "$list")
  stat_1=$(median_ms stat_one "$dir")
  layout_in=$(inproc "$dir")
  layout_cli=$(median_ms cli verify "$dir")
  bench adopt "$dir"
  bench list "$dir" "$list"
  stat_all=$(median_ms stat_list "$dir" "$list")
  record_in=$(inproc "$dir")
  record_cli=$(median_ms cli verify "$dir")
  local stat_net; stat_net=$(awk -v a="$stat_all" -v b="$stat_1" 'BEGIN { d = a - b; printf "%.3f", d > 0.001 ? d : 0.001 }')
  rows+=("| $name | $n | $stat_all | $stat_1 | $record_in | **$(ratio "$record_in" "$stat_all")x** | $(ratio "$record_in" "$stat_net")x | $record_cli | $(ratio "$record_cli" "$stat_all")x | $layout_in | $(ratio "$layout_in" "$stat_all")x | $layout_cli |")
}

bench sharded "$work/sharded-142" "$repo/tests/fixtures/real-models/reflection-llama-3.1-70b" 142
measure "142 shards (reflection-llama-3.1-70b sizes, $(du -sh --apparent-size "$work/sharded-142" | cut -f1) apparent)" "$work/sharded-142"
bench many "$work/many-10000" 10000
measure "10,000 files (4 KiB safetensors each)" "$work/many-10000"

# Deep: real random files, page cache warm for both sides.
bench random "$work/deep" "$deep_files" "$deep_mib"
cat "$work"/deep/* >/dev/null
one=$(ls "$work"/deep/*.safetensors | head -1)
openssl_one=$(median_ms openssl dgst -sha256 "$one")
openssl_all=$(median_ms sh -c "ls '$work'/deep/*.safetensors | xargs -P $cores -n 1 openssl dgst -sha256")
bench adopt "$work/deep" --deep
deep_line=$(REPEAT=$repeat bench time "$work/deep" 5 --deep)
deep_ms=$(sed -n 's/.*median_ms=\([0-9.]*\).*/\1/p' <<<"$deep_line")
deep_bytes=$(sed -n 's/.*bytes_hashed=\([0-9]*\).*/\1/p' <<<"$deep_line")
deep_cli=$(REPEAT=3 median_ms cli verify "$work/deep" --deep)
total_mib=$((deep_files * deep_mib))
mbps() { awk -v bytes="$1" -v ms="$2" 'BEGIN { printf "%.0f", bytes / 1048576 / (ms / 1000) }'; }
openssl_core=$(mbps $((deep_mib << 20)) "$openssl_one")
openssl_all_rate=$(mbps $((total_mib << 20)) "$openssl_all")
ours_all=$(mbps "$deep_bytes" "$deep_ms")
ours_core=$(awk -v a="$ours_all" -v c="$cores" 'BEGIN { printf "%.0f", a / c }')
ours_cli=$(mbps "$deep_bytes" "$deep_cli")

{
  echo "# bench/verify results"
  echo
  echo "Written by \`bench/verify/run.sh\` on $(date -u +%Y-%m-%d) ($(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(. /etc/os-release && echo "$PRETTY_NAME"), $(dotnet --version) SDK, $(stat -c %s /dev/null >/dev/null; stat --version | head -1), $(openssl version | cut -d' ' -f1-2)). Times are medians of $repeat runs after a warm-up, page cache warm. Ratios are against runs in the same script. Load average (1/5/15 min) at start: $load_start, at end: $(cut -d" " -f1-3 /proc/loadavg) (other builds shared the machine: absolute times are noisy, the same-run ratios less so)."
  echo
  echo "## Fast check vs GNU stat (goal: record check <= 2x stat)"
  echo
  echo "\`stat\` = one \`stat -c %s\` process over every file in the directory (the record's file list), including its start-up; \`stat 1\` = the same over one file (its start-up alone). In-process = \`CompletenessCheck.InspectAsync\` timed inside a warm process (VerifyBench); CLI = a whole \`model-agent verify\` process, .NET start-up included. Layout rules = no record yet: also reads and parses every safetensors header and the index."
  echo
  echo "| layout | files | stat ms | stat 1 ms | record check in-process ms | ratio to stat | ratio to stat minus its start-up | record check CLI ms | ratio | layout rules in-process ms | ratio | layout rules CLI ms |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
  echo
  echo "## --deep vs openssl dgst -sha256 (goal: >= 0.9x per core, all cores used)"
  echo
  echo "$deep_files files x $deep_mib MiB of random bytes ($total_mib MiB). openssl per core = one \`openssl dgst -sha256\` on one file; openssl all cores = \`xargs -P $cores\` over all files. Ours = \`verify --deep\` against a record with sha256 digests, in-process (VerifyBench) and as a CLI process; per core = total / $cores."
  echo
  echo "| measure | MiB/s |"
  echo "|---|---|"
  echo "| openssl, one process, one file (per core) | $openssl_core |"
  echo "| openssl, $cores processes across files | $openssl_all_rate |"
  echo "| model-agent --deep in-process, all cores | $ours_all |"
  echo "| model-agent --deep in-process, per core | $ours_core (**$(ratio "$ours_core" "$openssl_core")x** openssl per core) |"
  echo "| model-agent verify --deep CLI process, all cores | $ours_cli ($(ratio "$ours_cli" "$openssl_all_rate")x openssl across $cores processes) |"
} >"$out"
cat "$out"
