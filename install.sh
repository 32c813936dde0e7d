#!/usr/bin/env bash
# Builds a release weft and installs it with its completions and man pages.
#
#   ./install.sh                   # into ~/.local (no root needed)
#   PREFIX=/usr/local ./install.sh # system-wide (needs write access there)
#   ./install.sh --prefix DIR      # same as PREFIX=DIR
#
# Installs:
#   $PREFIX/bin/weft
#   $PREFIX/share/man/man1/weft.1, weft-<command>.1
#   $PREFIX/share/bash-completion/completions/weft
#   $PREFIX/share/zsh/site-functions/_weft
#   $PREFIX/share/fish/vendor_completions.d/weft.fish
set -euo pipefail
cd "$(dirname "$0")"

prefix="${PREFIX:-$HOME/.local}"
while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) prefix="$2"; shift 2 ;;
        --prefix=*) prefix="${1#--prefix=}"; shift ;;
        -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
        *) echo "install.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
    esac
done

command -v cargo >/dev/null || { echo "install.sh: cargo is not on PATH; install Rust from your package manager or rustup first" >&2; exit 1; }

echo "building weft (release)..."
cargo build --release --locked
bin="target/release/weft"

install -d "$prefix/bin" "$prefix/share/man/man1" "$prefix/share/man/man5" \
    "$prefix/share/bash-completion/completions" \
    "$prefix/share/zsh/site-functions" \
    "$prefix/share/fish/vendor_completions.d"
install -m 0755 "$bin" "$prefix/bin/weft"

# Generated from the binary itself, so they always match it.
"$bin" man > "$prefix/share/man/man1/weft.1"
for cmd in run validate plan ps show logs output retry submit wait cancel pause resume events daemon attach send dash wrap cron schedule add prune; do
    "$bin" man "$cmd" > "$prefix/share/man/man1/weft-$cmd.1"
done
"$bin" man workflow > "$prefix/share/man/man5/weft-workflow.5"
"$bin" completions bash > "$prefix/share/bash-completion/completions/weft"
"$bin" completions zsh > "$prefix/share/zsh/site-functions/_weft"
"$bin" completions fish > "$prefix/share/fish/vendor_completions.d/weft.fish"

echo "installed weft $("$prefix/bin/weft" --version | cut -d' ' -f2) into $prefix"
case ":$PATH:" in
    *":$prefix/bin:"*) ;;
    *) echo "note: $prefix/bin is not on your PATH; add it, e.g. export PATH=\"$prefix/bin:\$PATH\"" ;;
esac
