#!/usr/bin/env bash
# Rebuilds the committed seed corpus (fuzz/corpus/<target>/) from the repository's policies,
# example proposals and test corpus. Run it from anywhere; commit the result.
set -euo pipefail
fuzz="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$fuzz")"
cd "$root"

rm -rf "$fuzz/corpus"
for t in policy_parse proposal_text proposal_json check_render lint fmt; do
  mkdir -p "$fuzz/corpus/$t"
done

# copy SRC TARGET: the file under a name made from its path (slashes become dashes).
copy() {
  local name="${1//\//-}"
  cp "$1" "$fuzz/corpus/$2/$name"
}

# Policies: every file alone (the policy_parse target compiles one file), plus every library
# concatenated into one file, so that the seeds also reach the compiler past name resolution.
for f in policies/*.policy; do copy "$f" policy_parse; done
cat policies/*.policy > "$fuzz/corpus/policy_parse/lib-std.policy"
while IFS= read -r dir; do
  files=$(find "$dir" -name '*.policy' | sort)
  [ -n "$files" ] || continue
  for f in $files; do copy "$f" policy_parse; done
  # shellcheck disable=SC2086
  cat $files > "$fuzz/corpus/policy_parse/lib-${dir//\//-}.policy"
done < <(find tests/corpus/policies tests/corpus/eval -mindepth 1 -maxdepth 1 -type d | sort)

# fmt: the formatting corpus, the standard library and the examples.
for f in tests/corpus/fmt/* policies/*.policy policies/examples/*.proposal; do copy "$f" fmt; done

# Lint: each lint example and each case of issue 12 as one file (schema and rules), and
# the whole standard library.
while IFS= read -r dir; do
  # shellcheck disable=SC2046
  cat $(find "$dir" -name '*.policy' | sort) > "$fuzz/corpus/lint/${dir//\//-}.policy"
done < <(find tests/corpus/lints tests/corpus/lint-cases -mindepth 1 -maxdepth 1 -type d | sort)
cat policies/*.policy > "$fuzz/corpus/lint/lib-std.policy"

# Proposals: text and JSON; check_render takes both.
while IFS= read -r f; do
  copy "$f" proposal_text
  copy "$f" check_render
done < <(find policies/examples tests/corpus -name '*.proposal' | sort)
while IFS= read -r f; do
  copy "$f" proposal_json
  copy "$f" check_render
done < <(find policies/examples tests/corpus -name '*.json' | sort)

# libFuzzer deduplicates by content anyway; drop byte-identical seeds to keep the repo small.
for t in policy_parse proposal_text proposal_json check_render lint fmt; do
  (cd "$fuzz/corpus/$t" && sha1sum -- * | sort | awk 'seen[$1]++ { print $2 }' | xargs -r rm --)
done
echo "seed corpus: $(du -sb "$fuzz/corpus" | cut -f1) bytes"
for t in policy_parse proposal_text proposal_json check_render lint fmt; do
  echo "$t: $(find "$fuzz/corpus/$t" -type f | wc -l) seeds"
done
