#!/usr/bin/env bash
# Runs every test: installs what the tests need (.ci/install), then the whole xunit suite.
set -euo pipefail
cd "$(dirname "$0")"
.ci/install
dotnet test ModelAgent.sln --no-restore --logger "console;verbosity=normal" "$@"
