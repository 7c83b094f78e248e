#!/usr/bin/env bash
# The integration suites: every *.int.spec.ts, with the external adapters pointed at real servers
# started here (see scripts/servers). EventStoreDB cannot be had on a machine without Docker; its
# contract suite then prints why it skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
npx jest --selectProjects int --runInBand
