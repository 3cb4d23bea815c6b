#!/bin/sh
# Rebuilds the page into a temporary folder and fails when it differs from the bundle
# checked in under src/cli/serve/assets/ (run by CI after `npm ci`).
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
node build.mjs "$tmp"
if diff -r "$tmp" ../src/cli/serve/assets >/dev/null; then
  echo "check-bundle: src/cli/serve/assets is up to date"
else
  diff -r "$tmp" ../src/cli/serve/assets | head -20 || true
  echo "check-bundle: src/cli/serve/assets differs from a fresh build: run 'npm run build' in web/ and commit" >&2
  exit 1
fi
