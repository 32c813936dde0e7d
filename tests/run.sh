#!/usr/bin/env bash
# The test suite, after installing what it needs that this machine lacks:
# the interpreters the example workflows use (python3, node, ruby, perl,
# php), bash and tmux (the terminal tests drive a real tmux). Installs
# with apt-get when run as root on Debian/Ubuntu; elsewhere it says what is
# missing and the tests that need it fail or report it.
#
#   bash tests/run.sh [cargo test arguments]
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v python3 >/dev/null || missing+=(python3)
command -v node >/dev/null || missing+=(nodejs)
command -v ruby >/dev/null || missing+=(ruby)
command -v perl >/dev/null || missing+=(perl)
command -v php >/dev/null || missing+=(php-cli)
command -v bash >/dev/null || missing+=(bash)
# The dashboard's end-to-end test drives it in a real tmux.
command -v tmux >/dev/null || missing+=(tmux)
if [ ${#missing[@]} -gt 0 ]; then
    as_root=()
    [ "$(id -u)" = 0 ] || as_root=(sudo -n)
    if command -v apt-get >/dev/null && "${as_root[@]}" true 2>/dev/null; then
        echo "tests: installing ${missing[*]}"
        "${as_root[@]}" apt-get update -qq >/dev/null
        "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
        echo "tests: cannot install ${missing[*]} here; tests that need them will fail"
    fi
fi

cargo test "$@"
