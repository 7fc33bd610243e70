#!/usr/bin/env bash
# N agents at once on one shared folder against a rate-limited hub: origin amplification with and without
# coordination, record-to-Ready lag, lease API requests per node per minute. Writes bench/herd/RESULTS.md.
set -euo pipefail
exec python3 "$(dirname "$0")/herd.py" "$@"
