#!/usr/bin/env bash
# Builds the three Palimpsest images, each tagged with the one version of the Maven build:
#
#   <registry>/operator:<version>   operator/Dockerfile    (context operator/)
#   <registry>/worker:<version>     worker-image/Dockerfile (context worker-image/)
#   <registry>/model-sim:<version>  model-sim/Dockerfile   (context model-sim/)
#
# <version> is the pom's project.version without -SNAPSHOT, which is also the chart's appVersion:
# the chart's default image references are exactly these. The default registry is ghcr.io/palimpsest.
#
#   scripts/build-images.sh                        # mvn install, then build for this machine's platform
#   scripts/build-images.sh --registry registry.example/palimpsest --push
#   scripts/build-images.sh --platforms linux/amd64,linux/arm64 --push   # multi-arch (docker buildx)
#   scripts/build-images.sh --skip-maven --tag e2e --registry palimpsest  # jars already built (kind)
#
# Uses docker (with buildx for --platforms, which needs --push: a multi-arch image cannot be
# loaded into the local engine) or podman (--platforms builds a manifest list). Prints the image
# references it built, one a line, on stdout.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
registry="ghcr.io/palimpsest"
tag=""
platforms=""
push=false
skip_maven=false
engine="${CONTAINER_ENGINE:-}"

usage() { sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --registry) registry="${2:?--registry needs a value}"; shift 2 ;;
    --tag) tag="${2:?--tag needs a value}"; shift 2 ;;
    --platforms) platforms="${2:?--platforms needs a value}"; shift 2 ;;
    --push) push=true; shift ;;
    --skip-maven) skip_maven=true; shift ;;
    --engine) engine="${2:?--engine needs docker or podman}"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done

if [ -z "$engine" ]; then
  if command -v docker >/dev/null 2>&1; then engine=docker
  elif command -v podman >/dev/null 2>&1; then engine=podman
  else echo "neither docker nor podman is installed" >&2; exit 1
  fi
fi

# The version: read from the pom without running a plugin, so this works offline.
pom_version="$(sed -n '/<artifactId>palimpsest-parent<\/artifactId>/{n;s:.*<version>\(.*\)</version>.*:\1:p;q}' "$repo/pom.xml")"
[ -n "$pom_version" ] || { echo "could not read the version from pom.xml" >&2; exit 1; }
version="${pom_version%-SNAPSHOT}"
tag="${tag:-$version}"

if [ "$skip_maven" = false ]; then
  (cd "$repo" && mvn -B -ntp -q install -DskipTests) >&2
fi
for f in operator/target/quarkus-app/quarkus-run.jar worker-image/target/palimpsest.jar model-sim/target/model-sim.jar; do
  [ -f "$repo/$f" ] || { echo "$f is missing: run mvn -B install -DskipTests first (or drop --skip-maven)" >&2; exit 1; }
done

build() { # <image name> <module folder>
  local ref="$registry/$1:$tag" context="$repo/$2"
  local common=(--file "$context/Dockerfile" --build-arg "VERSION=$version" --tag "$ref")
  if [ -n "$platforms" ] && [ "$engine" = docker ]; then
    [ "$push" = true ] || { echo "--platforms with docker needs --push (buildx cannot load a multi-arch image)" >&2; exit 2; }
    docker buildx build "${common[@]}" --platform "$platforms" --push "$context" >&2
  elif [ -n "$platforms" ]; then
    podman manifest rm "$ref" >/dev/null 2>&1 || true
    podman build --file "$context/Dockerfile" --build-arg "VERSION=$version" --platform "$platforms" --manifest "$ref" "$context" >&2
    [ "$push" = false ] || podman manifest push --all "$ref" "docker://$ref" >&2
  else
    "$engine" build "${common[@]}" "$context" >&2
    [ "$push" = false ] || "$engine" push "$ref" >&2
  fi
  echo "$ref"
}

build operator operator
build worker worker-image
build model-sim model-sim
