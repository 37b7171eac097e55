#!/usr/bin/env bash
# Builds the reference peers the interop tests run against: go-ethereum's `devp2p` and `geth`
# commands, pinned, into .peers/bin (git-ignored). Skips the build when that version is there.
# Usage: npm run peers
set -euo pipefail
cd "$(dirname "$0")/.."

GETH_VERSION="${GETH_VERSION:-v1.17.10}"   # newest release served by the Go module proxy on 2026-11-23
BIN="$PWD/.peers/bin"
STAMP="$PWD/.peers/version"
# Built binaries are also kept per version outside the checkout, so a fresh clone on the same
# machine (CI) does not rebuild them.
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/eth-p2p/peers/$GETH_VERSION"

if ! command -v go >/dev/null 2>&1; then
  echo "peers: Go is not installed; interop tests against go-ethereum will be skipped (CI=true makes them fail)" >&2
  exit 0
fi
if [ -x "$BIN/devp2p" ] && [ -x "$BIN/geth" ] && [ "$(cat "$STAMP" 2>/dev/null)" = "$GETH_VERSION" ]; then
  echo "peers: go-ethereum $GETH_VERSION already built in $BIN"
  exit 0
fi
mkdir -p "$BIN"
if [ -x "$CACHE/devp2p" ] && [ -x "$CACHE/geth" ]; then
  cp "$CACHE/devp2p" "$CACHE/geth" "$BIN/"
  echo "$GETH_VERSION" > "$STAMP"
  echo "peers: go-ethereum $GETH_VERSION copied from $CACHE"
  exit 0
fi
start=$(date +%s)
echo "peers: building go-ethereum $GETH_VERSION (devp2p, geth) into $BIN ..."
GOBIN="$BIN" GOFLAGS=-buildvcs=false go install \
  "github.com/ethereum/go-ethereum/cmd/devp2p@$GETH_VERSION" \
  "github.com/ethereum/go-ethereum/cmd/geth@$GETH_VERSION"
echo "$GETH_VERSION" > "$STAMP"
mkdir -p "$CACHE" && cp "$BIN/devp2p" "$BIN/geth" "$CACHE/"
echo "peers: built in $(( $(date +%s) - start )) s"
