#!/usr/bin/env bash
# Image and release checks that need no container engine, run after `mvn verify` has built the jars:
# - every file a Dockerfile COPYs exists in its build context;
# - the Dockerfiles pass dockerfile-utils (the linter behind the Docker language server), the
#   release workflow passes action-validator (GitHub's workflow schema), the shell scripts pass
#   ShellCheck at warning level;
# - one version everywhere: the pom's version (without -SNAPSHOT) is the chart's version and
#   appVersion and the operator's default worker image tag, and the chart's default image
#   references are what scripts/build-images.sh produces.
# Installs its linters on first use: npm packages into .ci/.cache, shellcheck from apt.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
cache="$repo/.ci/.cache"
mkdir -p "$cache"
fail=0
problem() { echo "images: $*" >&2; fail=1; }

if [ ! -x "$cache/node_modules/.bin/dockerfile-utils" ] || [ ! -x "$cache/node_modules/.bin/action-validator" ]; then
  npm install --silent --no-audit --no-fund --prefix "$cache" \
    dockerfile-utils@0.16.3 @action-validator/cli@0.6.0 @action-validator/core@0.6.0 >/dev/null
fi
if ! command -v shellcheck >/dev/null 2>&1; then
  { apt-get install -y -qq shellcheck || { apt-get update -qq && apt-get install -y -qq shellcheck; }; } >/dev/null
fi

# module folder (the build context) -> image name
declare -A images=([operator]=operator [worker-image]=worker [model-sim]=model-sim)
for module in "${!images[@]}"; do
  dockerfile="$module/Dockerfile"
  [ -f "$dockerfile" ] || { problem "$dockerfile is missing"; continue; }
  "$cache/node_modules/.bin/dockerfile-utils" lint "$dockerfile" || problem "$dockerfile: dockerfile-utils lint failed"
  # COPY [--flags] <src>... <dest>: every source must exist in the context once the build has run.
  while read -r line; do
    read -r -a words <<< "$line"
    sources=()
    for word in "${words[@]:1}"; do
      case "$word" in --*) ;; *) sources+=("$word") ;; esac
    done
    for src in "${sources[@]:0:${#sources[@]}-1}"; do
      compgen -G "$module/${src%/}" >/dev/null || problem "$dockerfile copies $src, which $module/ does not hold after the build"
    done
  done < <(grep -E '^(COPY|ADD) ' "$dockerfile")
done

for workflow in .github/workflows/*.yml; do
  "$cache/node_modules/.bin/action-validator" "$workflow" || problem "$workflow: action-validator failed"
done

shellcheck -S warning scripts/build-images.sh scripts/kind/run-scenarios.sh model-sim/src/main/docker/vllm \
  .ci/run .ci/images.sh helm/test/run.sh docs/argocd/test/run.sh || problem "shellcheck found warnings"

pom="$(sed -n '/<artifactId>palimpsest-parent<\/artifactId>/{n;s:.*<version>\(.*\)</version>.*:\1:p;q}' pom.xml)"
version="${pom%-SNAPSHOT}"
chart_version="$(sed -n 's/^version: *"\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' helm/palimpsest/Chart.yaml)"
app_version="$(sed -n 's/^appVersion: *"\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' helm/palimpsest/Chart.yaml)"
[ "$chart_version" = "$version" ] || problem "Chart.yaml version $chart_version is not the pom's $version"
[ "$app_version" = "$version" ] || problem "Chart.yaml appVersion $app_version is not the pom's $version"
grep -q "@WithDefault(\"ghcr.io/palimpsest/worker:$version\")" operator/src/main/java/io/palimpsest/operator/PalimpsestConfig.java \
  || problem "PalimpsestConfig's default worker image is not ghcr.io/palimpsest/worker:$version"

registry="$(sed -n 's/^registry="\(.*\)"$/\1/p' scripts/build-images.sh)"
grep -q "repository: $registry/operator$" helm/palimpsest/values.yaml || problem "values.yaml operator.image.repository is not $registry/operator"
grep -q "\"$registry/worker:%s\"" helm/palimpsest/templates/_helpers.tpl || problem "the chart's default worker image is not $registry/worker:<appVersion>"

[ "$fail" = 0 ] || exit 1
echo "images: 3 Dockerfiles (lint, COPY sources), $(find .github/workflows -name '*.yml' | wc -l) workflow(s), shell scripts, version $version everywhere"
