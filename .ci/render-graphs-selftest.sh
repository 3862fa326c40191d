#!/usr/bin/env bash
# Proves .ci/render-graphs.sh can fail: the samples in .ci/mermaid/samples render, and every
# broken graph in .ci/mermaid/broken fails alone, with its file named and the tool's message;
# so does a Mermaid file over Mermaid's 50,000-character limit, which mmdc draws as an error
# picture while exiting 0, and a batch holding one broken file among good ones.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$here/render-graphs.sh" "$here/mermaid/samples" "$work/samples"

# expect_failure NAME MESSAGE FILE...: the files alone in a directory must fail to render, and
# the report must name the first file and carry MESSAGE.
expect_failure() {
  local name=$1 message=$2 dir=$work/$1
  shift 2
  mkdir -p "$dir"
  cp "$@" "$dir/"
  if "$here/render-graphs.sh" "$dir" "$dir/out" > "$dir/log" 2>&1; then
    cat "$dir/log" >&2
    echo "selftest: render-graphs.sh passed $name: the check proves nothing" >&2
    exit 1
  fi
  if ! grep -q "FAIL $dir/$(basename "$1"): " "$dir/log" || ! grep -qF "$message" "$dir/log"; then
    cat "$dir/log" >&2
    echo "selftest: render-graphs.sh failed $name without naming $(basename "$1") and \"$message\"" >&2
    exit 1
  fi
  echo "selftest: ok, $name fails: $(grep -m1 -F "$message" "$dir/log" | sed 's/^ *//')"
}

expect_failure unclosed-cylinder "Expecting 'CYLINDEREND'" "$here/mermaid/broken/unclosed-cylinder.mmd"
expect_failure missing-end "Parse error on line" "$here/mermaid/broken/missing-end.mmd"
expect_failure unclosed-attributes "syntax error in line 4" "$here/mermaid/broken/unclosed-attributes.dot"
# One broken file among good ones: the batch fails, and the file-by-file rerun names it.
expect_failure broken-in-batch "Expecting 'CYLINDEREND'" "$here/mermaid/broken/unclosed-cylinder.mmd" \
  "$here/mermaid/samples/flowchart.mmd" "$here/mermaid/samples/wiring.dot"
{
  echo "flowchart LR"
  printf '  a["%s"] --> b\n' "$(head -c 60000 /dev/zero | tr '\0' x)"
} > "$work/over-limit.mmd"
expect_failure over-limit "Maximum text size in diagram exceeded" "$work/over-limit.mmd"
expect_failure over-limit-in-batch "Maximum text size in diagram exceeded" "$work/over-limit.mmd" \
  "$here/mermaid/samples/flowchart.mmd"
echo "selftest: render-graphs.sh renders the samples and fails every broken graph"
