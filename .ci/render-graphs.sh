#!/usr/bin/env bash
# Renders every graph in a directory to SVG and fails when one does not parse or render:
#   .ci/render-graphs.sh [--large] DIR [OUT]
# DIR/*.mmd through Mermaid's CLI (.ci/mmdc, Debian's chromium) and DIR/*.dot through Graphviz's
# `dot -Tsvg`, into OUT (default DIR) as <file>.svg (a.mmd -> a.mmd.svg, a.dot -> a.dot.svg).
# Each SVG must be non-empty, contain `<svg`, and not be Mermaid's error picture: Mermaid draws
# "Maximum text size in diagram exceeded" (and, from a Markdown input, "Syntax error in text")
# as a diagram and mmdc exits 0. Mermaid's defaults (maxTextSize 50,000 characters, maxEdges
# 500) are those of the renderers readers use (GitHub, mermaid.live); --large lifts them with
# .ci/mermaid/large.json, for benchmark-sized graphs.
# Install the tools first with .ci/graph-tools.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

config=()
if [ "${1:-}" = --large ]; then
  config=(--configFile "$here/mermaid/large.json")
  shift
fi
if [ $# -lt 1 ] || [ $# -gt 2 ] || [ ! -d "$1" ]; then
  echo "usage: $0 [--large] DIR [OUT]: renders DIR/*.mmd and DIR/*.dot to OUT/<file>.svg (OUT defaults to DIR)" >&2
  exit 2
fi
dir=$1
out=${2:-$1}
mkdir -p "$out"
command -v dot >/dev/null 2>&1 || { echo "render-graphs: dot is missing; run .ci/graph-tools.sh" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
fail() {
  echo "render-graphs: FAIL $1: $2" >&2
  # The tool's message without blank lines and JavaScript stack frames.
  [ -s "${3:-/dev/null}" ] && grep -vE '^[[:space:]]*(at .*)?$' "$3" | head -n 8 | sed 's/^/    /' >&2
  failed=$((failed + 1))
}

# The SVG exists, is an SVG, and is not Mermaid's picture of an error.
check_svg() { # input svg
  if [ ! -s "$2" ]; then
    fail "$1" "no SVG written (or an empty one)"
  elif ! grep -q '<svg' "$2"; then
    fail "$1" "the output has no <svg element"
  elif grep -qE 'aria-roledescription="error"|Syntax error in text|Maximum text size in diagram exceeded' "$2"; then
    fail "$1" "Mermaid drew an error instead of the graph: $(grep -oE 'Syntax error in text|Maximum text size in diagram exceeded|aria-roledescription="error"' "$2" | head -1)"
  else
    echo "render-graphs: ok $1 ($(wc -c < "$2") bytes)"
    return 0
  fi
  return 1
}

# One mmdc run per file: mmdc's exit status and message name the file that failed.
render_mmd() { # input
  local svg
  svg=$out/$(basename "$1").svg
  rm -f "$svg"
  if ! "$here/mmdc" --quiet "${config[@]}" --input "$1" --output "$svg" > "$work/mmdc.log" 2>&1; then
    fail "$1" "mmdc failed" "$work/mmdc.log"
  else
    check_svg "$1" "$svg" || true
  fi
}

shopt -s nullglob
mmd=("$dir"/*.mmd)
dots=("$dir"/*.dot)
[ "${#mmd[@]}" -gt 0 ] || [ "${#dots[@]}" -gt 0 ] || { echo "render-graphs: no *.mmd or *.dot file in $dir" >&2; exit 1; }

# Mermaid: chromium's start-up dominates (about 1.5 s a run), so the files go through one mmdc
# run as the diagrams of one Markdown file (rendered in order as batch-1.svg, batch-2.svg, ...).
# A file with a line ending in ``` or ::: would end its Markdown block early: it runs alone.
# When the batch fails, every file runs alone, so that the failure names its file.
batch=()
for f in "${mmd[@]}"; do
  if grep -qE '[`:]{3}[[:space:]]*$' "$f"; then render_mmd "$f"; else batch+=("$f"); fi
done
if [ "${#batch[@]}" -eq 1 ]; then
  render_mmd "${batch[0]}"
elif [ "${#batch[@]}" -gt 1 ]; then
  fence="\`\`\`"
  for f in "${batch[@]}"; do
    printf '%smermaid\n%s\n%s\n\n' "$fence" "$(cat "$f")" "$fence"
  done > "$work/batch.md"
  if "$here/mmdc" --quiet "${config[@]}" --input "$work/batch.md" --output "$work/batch.svg" > "$work/mmdc.log" 2>&1; then
    i=0
    for f in "${batch[@]}"; do
      i=$((i + 1))
      svg=$out/$(basename "$f").svg
      rm -f "$svg"
      [ ! -f "$work/batch-$i.svg" ] || mv "$work/batch-$i.svg" "$svg"
      check_svg "$f" "$svg" || true
    done
  else
    echo "render-graphs: the batch of ${#batch[@]} Mermaid files failed; rendering each alone to find which"
    for f in "${batch[@]}"; do render_mmd "$f"; done
  fi
fi

# Graphviz: a non-zero exit or an "Error:" on stderr fails (warnings are shown, not failed).
for f in "${dots[@]}"; do
  svg=$out/$(basename "$f").svg
  rm -f "$svg"
  if ! dot -Tsvg "$f" -o "$svg" 2> "$work/dot.log"; then
    fail "$f" "dot failed" "$work/dot.log"
  elif grep -q '^Error' "$work/dot.log"; then
    fail "$f" "dot reported an error" "$work/dot.log"
  elif check_svg "$f" "$svg" && [ -s "$work/dot.log" ]; then
    sed -n '1,5s/^/    dot: /p' "$work/dot.log"
  fi
done

total=$((${#mmd[@]} + ${#dots[@]}))
if [ "$failed" -gt 0 ]; then
  echo "render-graphs: $failed of $total graphs in $dir did not render (messages above)" >&2
  exit 1
fi
echo "render-graphs: all $total graphs in $dir rendered to $out"
