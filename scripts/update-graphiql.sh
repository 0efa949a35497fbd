#!/usr/bin/env bash
# Re-fetches the GraphiQL playground's files from the npm registry into
# crates/server/assets/graphiql/, which crates/server/src/playground.rs embeds and
# serves under /graphiql/ (so the playground needs no CDN).
#
#   scripts/update-graphiql.sh [GRAPHIQL_VERSION] [REACT_VERSION]
#
# GraphiQL 3 is the last major with a UMD build (graphiql.min.js, which bundles the
# graphql-ws client its `createFetcher` uses for `subscriptionUrl`); it runs on React
# 18's UMD files (React 19 has none). The file names carry the versions, so a new
# version changes every URL and no browser keeps an old copy: after an upgrade, rename
# the files in playground.rs too (the build fails until then).
set -euo pipefail

graphiql=${1:-3.9.0}
react=${2:-18.3.1}
root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/crates/server/assets/graphiql
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cd "$work"
npm pack --silent --json "graphiql@$graphiql" "react@$react" "react-dom@$react" >packed.json
for package in graphiql react react-dom; do
    version=$([ "$package" = graphiql ] && echo "$graphiql" || echo "$react")
    mkdir "$package"
    tar xzf "$package-$version.tgz" -C "$package" --strip-components=1
done

# What the playground relies on: the UMD build, and graphql-ws inside it.
grep -q 'graphql-transport-ws' graphiql/graphiql.min.js ||
    { echo "graphiql@$graphiql's UMD build has no graphql-ws client" >&2; exit 1; }

rm -rf "$out"
mkdir -p "$out"
cp graphiql/graphiql.min.js "$out/graphiql-$graphiql.min.js"
cp graphiql/graphiql.min.css "$out/graphiql-$graphiql.min.css"
cp react/umd/react.production.min.js "$out/react-$react.production.min.js"
cp react-dom/umd/react-dom.production.min.js "$out/react-dom-$react.production.min.js"
cp graphiql/LICENSE "$out/LICENSE-graphiql"
cp react/LICENSE "$out/LICENSE-react"

{
    echo "# Written by scripts/update-graphiql.sh from the npm registry; served by"
    echo "# crates/server/src/playground.rs under /graphiql/. Packages (npm integrity):"
    node -e 'for (const p of require("./packed.json")) console.log(`${p.name}@${p.version} ${p.integrity}`)'
    echo "# Files (sha256):"
    (cd "$out" && sha256sum -- *.js *.css)
} >"$out/VERSIONS"
cat "$out/VERSIONS"
