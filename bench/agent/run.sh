#!/usr/bin/env bash
# N `model-agent run` processes (DaemonSet pods) on one shared folder against the test API server and the hub
# server, M models applied at once: origin bytes per model, record-to-Ready lag, API requests per node per minute
# while waiting and at rest, and a restart of every agent. Writes bench/agent/RESULTS.md.
set -euo pipefail
exec python3 "$(dirname "$0")/agent.py" "$@"
