#!/usr/bin/env bash
# Rewrites completions/ and man/ from the weft binary, so they match the
# command line (tests/integration/generated.rs fails when they do not).
#   bash tests/regenerate.sh            # builds a debug weft first
#   bash tests/regenerate.sh PATH/weft  # uses that binary
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-}
if [ -z "$bin" ]; then
    cargo build --quiet
    bin=target/debug/weft
fi
"$bin" completions bash > completions/weft.bash
"$bin" completions zsh > completions/_weft
"$bin" completions fish > completions/weft.fish
"$bin" man > man/weft.1
for cmd in run validate plan ps show logs output retry submit wait cancel pause resume events \
    daemon attach send dash wrap cron schedule add prune; do
    "$bin" man "$cmd" > "man/weft-$cmd.1"
done
"$bin" man workflow > man/weft-workflow.5
echo "regenerated completions/ and man/ from $bin"
