#!/usr/bin/env bash
# Runs every test: installs what the tests need (.ci/install), then the whole xunit suite.
set -euo pipefail
cd "$(dirname "$0")"
.ci/install
# Style first, it is quick: whitespace as .editorconfig says, and no C# line over 140 columns.
dotnet format ModelAgent.sln --verify-no-changes --no-restore
.ci/line-length
# A test that hangs fails after 10 minutes with a dump, instead of holding the run until CI kills it.
dotnet test ModelAgent.sln --no-restore --blame-hang-timeout 10m --logger "console;verbosity=normal" "$@"
