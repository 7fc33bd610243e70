#!/usr/bin/env bash
# N (default 200) `model-agent run` processes, each its own Node, on one shared folder against one test API server and
# a bandwidth-capped hub server; 3 ClusterBaseModels applied at once. Measures API requests per second and per node per
# minute while the models download and every other node waits, at rest and across a restart of some agents; open
# watches; agent memory; origin requests; time to all Ready. Writes bench/scale/RESULTS.md.
# Usage: bench/scale/run.sh [AGENTS [RESTART]]   (smoke test: bench/scale/run.sh 10 2)
set -euo pipefail
exec python3 "$(dirname "$0")/scale.py" "$@"
