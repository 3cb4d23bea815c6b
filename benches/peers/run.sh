#!/usr/bin/env bash
# pactum against Cedar, Regorus and hand-written Rust (issue 6), and the end-to-end figures.
#   benches/peers/run.sh            everything: agreement, peer tables, item 4, memory
#   benches/peers/run.sh quick      small corpora only (a smoke test of agreement)
# Output: markdown on stdout; progress on stderr.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cargo build --release --manifest-path "$here/Cargo.toml" >&2
peers="$here/target/release/pactum-peers"
if [ "${1:-}" = quick ]; then
  exec "$peers" quick
fi
"$peers"
echo "### End to end (item 4)"
echo
"$peers" e2e
echo
echo "### One small proposal per request (issue 10, item 7)"
echo
"$peers" small
# Peak memory of `pactum check` on the 100,000-step proposal, against the file's size.
cargo build --release --manifest-path "$root/Cargo.toml" >&2
pactum="$root/target/release/pactum"
data="$here/target/peers-data"
"$peers" write "$data"
if [ ! -x /usr/bin/time ]; then
  echo "/usr/bin/time is missing: apt-get install time" >&2
  exit 2
fi
peak() { # peak RSS in KB of a command (its exit code is ignored: violations exit 1)
  /usr/bin/time -v "$@" >/dev/null 2>"$data/time.txt" || true
  awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$data/time.txt"
}
echo "| command | file size | peak RSS | peak RSS ÷ file size | wall time |"
echo "| --- | ---: | ---: | ---: | ---: |"
# Every output format: `pactum check` writes each one violation at a time.
for spec in "json json" "proposal json" "json human" "proposal human" \
  "json sarif" "proposal sarif" "json junit" "json github"; do
  set -- $spec
  file="$data/bench-100000.$1"
  size=$(stat -c %s "$file")
  kb=$(peak "$pactum" check --format "$2" "$file")
  wall=$(awk -F'): ' '/Elapsed \(wall clock\)/ {print $2}' "$data/time.txt")
  awk -v f="$(basename "$file")" -v fmt="$2" -v s="$size" -v k="$kb" -v w="$wall" 'BEGIN {
    printf "| `pactum check --format %s %s` | %.1f MB | %.1f MB | %.1f× | %s |\n", fmt, f, s/1e6, k*1024/1e6, k*1024/s, w }'
done
size=$(stat -c %s "$data/bench-100000.json")
kb=$(peak "$peers" serde-load "$data/bench-100000.json")
awk -v s="$size" -v k="$kb" 'BEGIN {
  printf "| serde_json → typed structs (`pactum-peers serde-load`), for reference | %.1f MB | %.1f MB | %.1f× | |\n", s/1e6, k*1024/1e6, k*1024/s }'
