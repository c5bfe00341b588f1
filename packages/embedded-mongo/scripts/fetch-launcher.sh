#!/usr/bin/env bash
# Resolves mongo-java-server's jars with Maven and compiles the launcher (launcher/*.java).
# Idempotent: when the classpath and class file are newer than their sources and every
# jar is still in the local Maven repository, it returns at once without running Maven.
set -euo pipefail

launcher="$(cd "$(dirname "${BASH_SOURCE[0]}")/../launcher" && pwd)"
target="$launcher/target"
classpath_file="$target/classpath.txt"
class_file="$target/classes/EmbeddedMongo.class"

need() {
  if ! command -v "$1" >/dev/null 2>&1; then
    echo "fetch-launcher: '$1' not found. Install a Java 17+ JDK and Maven 3.8+, or set MONGODB_URI to an existing MongoDB." >&2
    exit 1
  fi
}

mkdir -p "$target"
# Test runs in parallel processes may all get here on a fresh machine: let one build, the rest wait.
if command -v flock >/dev/null 2>&1; then
  exec 9>"$target/.lock"
  flock 9
fi

jars_present() {
  local cp jar jars
  cp="$(cat "$classpath_file")"
  IFS=':' read -r -a jars <<<"$cp"
  for jar in "${jars[@]}"; do
    [[ -f "$jar" ]] || return 1
  done
}

if [[ -s "$classpath_file" && "$classpath_file" -nt "$launcher/pom.xml" ]] && jars_present; then
  :
else
  need mvn
  tmp="$(mktemp "$target/classpath.XXXXXX")"
  # Quiet and batch mode; Maven's output is shown only when it fails.
  if ! log="$(mvn -q -B -Dstyle.color=never -f "$launcher/pom.xml" \
      dependency:build-classpath -Dmdep.outputFile="$tmp" 2>&1)"; then
    rm -f "$tmp"
    echo "$log" >&2
    echo "fetch-launcher: Maven could not resolve mongo-java-server (see above)." >&2
    exit 1
  fi
  mv "$tmp" "$classpath_file"
fi

stale=""
for source in "$launcher"/*.java; do
  [[ "$source" -nt "$class_file" ]] && stale=1
done
if [[ ! -f "$class_file" || -n "$stale" || "$classpath_file" -nt "$class_file" ]]; then
  need javac
  # Compile beside the old classes and swap, so a launcher starting meanwhile never sees half a build.
  out="$(mktemp -d "$target/classes.XXXXXX")"
  javac -nowarn -d "$out" -cp "$(cat "$classpath_file")" "$launcher"/*.java || { rm -rf "$out"; exit 1; }
  rm -rf "$target/classes"
  mv "$out" "$target/classes"
fi
