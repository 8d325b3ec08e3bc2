#!/bin/sh
# Rewrites the generated flag reference in docs/cli.md from the built CLI:
#   scripts/update-cli-docs.sh build/segpipe
set -eu
cli=${1:-build/segpipe}
doc=$(dirname "$0")/../docs/cli.md
tmp=$(mktemp "$doc.XXXXXX")
trap 'rm -f "$tmp"' EXIT
begin='<!-- BEGIN segpipe help --markdown -->'
end='<!-- END segpipe help --markdown -->'
{
  sed "/^$begin\$/q" "$doc"
  "$cli" help --markdown
  sed -n "/^$end\$/,\$p" "$doc"
} >"$tmp"
mv "$tmp" "$doc"
trap - EXIT
