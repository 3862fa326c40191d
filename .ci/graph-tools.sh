#!/usr/bin/env bash
# Installs the renderers that prove `graph`'s output renders (.ci/render-graphs.sh):
#   - Graphviz's `dot` and Debian's `chromium`, with apt-get, when they are missing;
#   - Mermaid's CLI (mmdc), pinned with its lockfile in .ci/mermaid/, with `npm ci` into
#     ${GIRDER_TOOLS:-$HOME/.cache/girder-tools}/mermaid. Puppeteer downloads no browser: it
#     drives Debian's chromium through the config written beside it (see .ci/mmdc).
# Idempotent: a second run installs nothing and prints the versions.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tools=${GIRDER_TOOLS:-$HOME/.cache/girder-tools}/mermaid
chromium=/usr/bin/chromium

as_root() {
  if [ "$(id -u)" = 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    echo "graph-tools: installing Debian packages needs root or sudo; run as root: apt-get install graphviz chromium" >&2
    exit 1
  fi
}

missing=()
command -v dot >/dev/null 2>&1 || missing+=(graphviz)
# Debian's nodejs (18.20 in bookworm) and npm, when the machine has no node of its own.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
[ -x "$chromium" ] || missing+=(chromium)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "graph-tools: apt-get install ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# mermaid-cli 11 needs node ^18.19 or >= 20 (12 needs node 22; bump .ci/mermaid/ with node).
command -v node >/dev/null 2>&1 || { echo "graph-tools: node is missing; install Debian's nodejs and npm" >&2; exit 1; }
IFS=. read -r node_major node_minor _ <<< "$(node -p process.versions.node)"
if [ "$node_major" -lt 18 ] || { [ "$node_major" = 18 ] && [ "$node_minor" -lt 19 ]; }; then
  echo "graph-tools: node $(node --version) is too old for mermaid-cli 11 (needs ^18.19 or >= 20)" >&2
  exit 1
fi

# Reinstall when the pinned package.json or lockfile changed since the last install.
want=$(cat "$here/mermaid/package.json" "$here/mermaid/package-lock.json" | sha256sum | cut -d' ' -f1)
if [ ! -x "$tools/node_modules/.bin/mmdc" ] || [ "$(cat "$tools/.installed" 2>/dev/null)" != "$want" ]; then
  echo "graph-tools: npm ci @mermaid-js/mermaid-cli into $tools"
  rm -rf "$tools"
  mkdir -p "$tools"
  cp "$here/mermaid/package.json" "$here/mermaid/package-lock.json" "$tools/"
  # Puppeteer's install script would fetch Chrome and chrome-headless-shell from Google's
  # servers; skip both, and keep its cache inside ours so a stray download would show there.
  (cd "$tools" && PUPPETEER_SKIP_DOWNLOAD=true PUPPETEER_CACHE_DIR="$tools/puppeteer-cache" \
    npm ci --no-audit --no-fund --loglevel=error)
  if [ -d "$tools/puppeteer-cache" ] && [ -n "$(ls -A "$tools/puppeteer-cache")" ]; then
    echo "graph-tools: Puppeteer downloaded a browser into $tools/puppeteer-cache despite PUPPETEER_SKIP_DOWNLOAD" >&2
    exit 1
  fi
  echo "$want" > "$tools/.installed"
fi

# Debian's chromium, headless, without the sandbox (CI runs as root, where it refuses to start
# sandboxed) and without a GPU; /dev/shm is small in containers. A 1,000-node flowchart takes
# 45-80 s to lay out on 2 busy cores: Puppeteer's default 180 s per call is too close.
cat > "$tools/puppeteer.json" <<JSON
{
  "executablePath": "$chromium",
  "headless": true,
  "protocolTimeout": 900000,
  "args": ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
}
JSON

echo "graph-tools: $(dot -V 2>&1)"
echo "graph-tools: $("$chromium" --version 2>/dev/null)"
echo "graph-tools: mmdc $("$here/mmdc" --version) (node $(node --version))"
