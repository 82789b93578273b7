#!/usr/bin/env bash
# Checks that cdk-efa's published languages build the same infrastructure as TypeScript.
#
# Usage: bash test/bindings/run.sh [python] [java] [go] [dotnet]      (default: all four)
#
# For each language: builds the real package with jsii-pacmak into dist/<language>, installs the language's
# dependencies into caches under .cache/bindings, runs the language's reference app, synthesizes the TypeScript twin
# (test/bindings/typescript/app.ts) on the same aws-cdk-lib release, and compares the two templates with
# compare-templates.js. Prints `LANGUAGE: ok (Ns)` or `LANGUAGE: FAILED (Ns)` per language, then `N passed, N failed`
# (and `, 1 skipped` for .NET, which has no reference app yet: its package is built, or without a .NET SDK its code
# only generated, but never compared).
# Exits non-zero when a language failed. Logs: .tmp/bindings/logs/LANGUAGE.log.
#
# Environment: CDK_EFA_BINDINGS_CACHE moves the caches (default .cache/bindings); CDK_EFA_BINDINGS_SKIP_COMPILE=1
# reuses lib/ and assets/ as they are instead of running `npx projen compile:if-stale` first (which bundles the Lambda
# handlers, and compiles with jsii when lib/ is missing or older than the sources).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BINDINGS=$ROOT/test/bindings
CACHE=${CDK_EFA_BINDINGS_CACHE:-$ROOT/.cache/bindings}
WORK=$ROOT/.tmp/bindings
DIST=$ROOT/dist
LOGS=$WORK/logs
ALL=(python java go dotnet)

languages=("$@")
if [ ${#languages[@]} -eq 0 ]; then
  languages=("${ALL[@]}")
fi
for language in "${languages[@]}"; do
  case " ${ALL[*]} " in
    *" $language "*) ;;
    *) echo "unknown language '$language'; choose from: ${ALL[*]}" >&2; exit 2 ;;
  esac
done

mkdir -p "$CACHE" "$LOGS" "$WORK/tmp" "$WORK/out"
cd "$ROOT" || exit 2

# Everything a run downloads or builds stays inside the repository, in git-ignored folders.
export TMPDIR=$WORK/tmp
export npm_config_cache=$CACHE/npm/cache
export npm_config_update_notifier=false
export PIP_CACHE_DIR=$CACHE/pip
export PIP_DISABLE_PIP_VERSION_CHECK=1
export PYTHONDONTWRITEBYTECODE=1
export GOPATH=$CACHE/go
export GOMODCACHE=$CACHE/go/pkg/mod
export GOCACHE=$CACHE/go/build
export GOFLAGS="-modcacherw -buildvcs=false"
export GOTOOLCHAIN=local
# The jsii runtime of Python, Java and Go unpacks each npm tarball it loads once, into this cache.
export JSII_RUNTIME_PACKAGE_CACHE_ROOT=$CACHE/jsii-package-cache
JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=$(node -p 'process.versions.node.split(".")[0]')
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION
export JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION=1
export JSII_DEPRECATED=quiet
export MAVEN_OPTS="${MAVEN_OPTS:-} -XX:+TieredCompilation -XX:TieredStopAtLevel=1"
unset CDK_CONTEXT_JSON CDK_OUTDIR

passed=0
failed=0
skipped=0
dotnet_result=

# phase NAME COMMAND...: runs one step of the current language, appending its output to $log and its time to $phases.
phase() {
  local name=$1 started=$SECONDS
  shift
  echo "--- $name: $*" >>"$log"
  "$@" >>"$log" 2>&1
  local status=$?
  phases+="${phases:+, }$name $((SECONDS - started))s"
  echo "--- $name: exit $status after $((SECONDS - started))s" >>"$log"
  return $status
}

# The aws-cdk-lib release a language's twin-cdk/package.json pins.
twin_cdk_version() {
  node -p "require('$BINDINGS/$1/twin-cdk/package.json').dependencies['aws-cdk-lib']"
}

# The aws-cdk-lib release the language's own dependency file pins; must equal twin_cdk_version.
language_cdk_version() {
  case $1 in
    python) sed -n 's/^aws-cdk-lib==\([0-9.]*\).*/\1/p' "$BINDINGS/python/requirements.txt" ;;
    java) sed -n 's:.*<cdk.version>\([0-9.]*\)</cdk.version>.*:\1:p' "$BINDINGS/java/pom.xml" ;;
    go) sed -n 's:.*github.com/aws/aws-cdk-go/awscdk/v2 v\([0-9.]*\).*:\1:p' "$BINDINGS/go/go.mod" ;;
  esac
}

check_versions() {
  local language=$1 twin ours
  twin=$(twin_cdk_version "$language")
  ours=$(language_cdk_version "$language")
  echo "aws-cdk-lib: $ours for $language, $twin for its TypeScript twin"
  [ -n "$ours" ] && [ "$ours" = "$twin" ]
}

# Installs test/bindings/LANGUAGE/twin-cdk's aws-cdk-lib into $CACHE/npm/LANGUAGE, unless its lock file is unchanged.
install_twin_cdk() {
  local language=$1 dir=$CACHE/npm/$1
  local lock=$BINDINGS/$language/twin-cdk/package-lock.json
  if [ -f "$dir/.installed" ] && cmp -s "$lock" "$dir/package-lock.json" && [ -d "$dir/node_modules/aws-cdk-lib" ]; then
    echo "up to date: $dir"
    return 0
  fi
  rm -rf "$dir" && mkdir -p "$dir" &&
    cp "$BINDINGS/$language/twin-cdk/package.json" "$lock" "$dir/" &&
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) &&
    touch "$dir/.installed"
}

# Copies the npm package exactly as it should be published (package.json, .jsii, lib, assets, docs and the bundled
# dependencies) into $WORK/package-LANGUAGE, so that stray folders in the checkout (cdk.out, .tmp, .cache, ...) never
# end up in a binding's embedded tarball. With a twin-cdk, aws-cdk-lib and constructs resolve from it: jsii-pacmak
# writes the installed release into Go's go.mod, and must name one the Go module proxy has.
stage_package() {
  local language=$1 stage=$WORK/package-$1
  rm -rf "$stage" && mkdir -p "$stage/node_modules" || return 1
  cp -R package.json .jsii README.md LICENSE lib assets "$stage/" || return 1
  local optional
  for optional in API.md .jsii.tabl.json; do
    if [ -f "$optional" ]; then cp "$optional" "$stage/"; fi
  done
  local dep
  for dep in $(node -p "(require('./package.json').bundledDependencies || []).join(' ')"); do
    mkdir -p "$(dirname "$stage/node_modules/$dep")" && cp -R "node_modules/$dep" "$stage/node_modules/$dep" || return 1
  done
  if [ -d "$CACHE/npm/$language/node_modules" ]; then
    ln -s "$CACHE/npm/$language/node_modules/aws-cdk-lib" "$stage/node_modules/aws-cdk-lib" &&
      ln -s "$CACHE/npm/$language/node_modules/constructs" "$stage/node_modules/constructs" || return 1
  fi
  echo "staged $stage: $(cd "$stage" && find . -path ./node_modules -prune -o -type f -print | wc -l) files"
}

pacmak() {
  local language=$1
  shift
  rm -rf "${DIST:?}/$language"
  npx jsii-pacmak -v --force --target "$language" --outdir "$DIST" "$@" "$WORK/package-$language"
}

# Synthesizes the TypeScript twin on LANGUAGE's twin-cdk release into $WORK/out/typescript-VERSION (once per run).
# ts-node type-checks the twin the first time only: its types come from the repository's aws-cdk-lib either way.
synth_twin() {
  local language=$1 version out transpile_only=
  version=$(twin_cdk_version "$language")
  out=$WORK/out/typescript-$version
  if [ -f "$out.done" ]; then
    echo "already synthesized: $out"
    return 0
  fi
  if [ -n "$(ls "$WORK"/out/*.done 2>/dev/null)" ]; then
    transpile_only=1
  fi
  rm -rf "$out" &&
    CDK_EFA_BINDINGS_CDK=$CACHE/npm/$language TS_NODE_PROJECT=$ROOT/tsconfig.dev.json TS_NODE_TRANSPILE_ONLY=$transpile_only \
      node -r "$BINDINGS/typescript/use-cdk.js" -r ts-node/register "$BINDINGS/typescript/app.ts" "$out" &&
    touch "$out.done"
}

compare() {
  local language=$1
  node "$BINDINGS/compare-templates.js" "$WORK/out/typescript-$(twin_cdk_version "$language")" "$WORK/out/$language" "$language"
}

python_install() {
  local venv=$CACHE/python/venv
  if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv" || return 1
  fi
  # The first install brings whatever the wheel depends on; the second replaces an older build of the same version.
  "$venv/bin/python" -m pip install --quiet -r "$BINDINGS/python/requirements.txt" "$DIST"/python/*.whl &&
    "$venv/bin/python" -m pip install --quiet --no-deps --force-reinstall "$DIST"/python/*.whl &&
    "$venv/bin/python" -m pip check
}

python_test() {
  rm -rf "$WORK/out/python"
  CDK_EFA_REFERENCE="$WORK/out/typescript-$(twin_cdk_version python)" CDK_EFA_OUTDIR="$WORK/out/python" \
    "$CACHE/python/venv/bin/python" -m pytest -q -s -p no:cacheprovider "$BINDINGS/python"
}

python_app() {
  rm -rf "$WORK/out/python"
  "$CACHE/python/venv/bin/python" "$BINDINGS/python/app.py" "$WORK/out/python"
}

java_app() {
  rm -rf "$WORK/out/java" "$CACHE/m2/repository/io/github/cdkefa"
  mvn -q -B -Dstyle.color=never -f "$BINDINGS/java/pom.xml" -Dmaven.repo.local="$CACHE/m2/repository" \
    -Dcdk-efa.version="$(node -p "require('./package.json').version")" -Dcdk.outdir="$WORK/out/java" compile exec:exec
}

go_app() {
  rm -rf "$WORK/out/go"
  (cd "$BINDINGS/go" && go run . "$WORK/out/go")
}

# run_language LANGUAGE: builds, runs and compares one language. The TypeScript twin and the language's own package
# and app are built even when the other fails, so that the log shows whether both fail alike (a cdk-efa problem on
# that aws-cdk-lib release) or only one does (a binding difference).
run_language() {
  local language=$1 twin_ok=0 app_ok=0
  if [ "$language" = dotnet ]; then
    # No C# reference app yet (see README.md): .NET is built, or only generated, and never counted as compared.
    phase stage stage_package dotnet || return 1
    if command -v dotnet >/dev/null 2>&1; then
      dotnet_result="the .NET package was built in dist/dotnet, but there is no C# app to compare yet"
      phase package pacmak dotnet || return 1
    else
      dotnet_result="no .NET SDK here, so the C# code in dist/dotnet was generated (--code-only) but not built or compared"
      phase package pacmak dotnet --code-only || return 1
    fi
    return 3
  fi
  phase versions check_versions "$language" && phase twin-cdk install_twin_cdk "$language" || return 1
  if phase twin synth_twin "$language"; then
    twin_ok=1
  else
    notes+=("the TypeScript twin failed on aws-cdk-lib $(twin_cdk_version "$language") too: see 'twin' in the log")
  fi
  case $language in
    python)
      # pytest runs the app and the comparison; without a twin, the app alone runs, to show whether it fails too.
      phase stage stage_package python && phase package pacmak python && phase dependencies python_install || return 1
      if [ $twin_ok = 1 ]; then
        phase app+compare python_test
        return
      fi
      phase app python_app
      return 1
      ;;
    java)
      phase stage stage_package java && phase package pacmak java --maven-local-repository "$CACHE/m2/repository" &&
        phase app java_app && app_ok=1
      ;;
    go)
      phase stage stage_package go && phase package pacmak go && phase app go_app && app_ok=1
      ;;
  esac
  if [ $twin_ok = 1 ] && [ $app_ok = 0 ]; then
    notes+=("the TypeScript twin synthesized but the $language app did not: a binding or packaging problem")
  fi
  [ $twin_ok = 1 ] && [ $app_ok = 1 ] && phase compare compare "$language"
}

# 0. The compiled library and its Lambda bundle, as `npx projen build` makes them (without docgen); compiled only when stale.
if [ "${CDK_EFA_BINDINGS_SKIP_COMPILE:-}" != 1 ]; then
  started=$SECONDS
  if npx projen compile:if-stale >"$LOGS/compile.log" 2>&1; then
    echo "compile: ok ($((SECONDS - started))s)"
  else
    echo "compile: FAILED ($((SECONDS - started))s); last lines of $LOGS/compile.log:"
    tail -n 40 "$LOGS/compile.log" | sed 's/^/    /'
    echo "0 passed, ${#languages[@]} failed"
    exit 1
  fi
fi
rm -f "$WORK"/out/*.done

for language in "${languages[@]}"; do
  log=$LOGS/$language.log
  phases=
  notes=()
  : >"$log"
  started=$SECONDS
  run_language "$language"
  status=$?
  elapsed=$((SECONDS - started))
  if [ $status -eq 0 ]; then
    passed=$((passed + 1))
    echo "$language: ok (${elapsed}s)"
    echo "    $phases"
  elif [ $status -eq 3 ]; then
    skipped=$((skipped + 1))
    echo "$language: skipped (${elapsed}s): $dotnet_result"
  else
    failed=$((failed + 1))
    if grep -q 'missing go.sum entry' "$log"; then
      notes+=("test/bindings/go/go.sum is out of date: run 'go mod tidy' there with run.sh's GOPATH, GOMODCACHE and GOFLAGS")
    fi
    echo "$language: FAILED (${elapsed}s)"
    echo "    $phases"
    for note in "${notes[@]}"; do echo "    $note"; done
    echo "    first errors in $log:"
    grep -E -m 8 'Error|error:|Exception|FAILED|differs' "$log" | cut -c1-300 | sed 's/^/      /'
    echo "    its last lines:"
    grep -v '^!!\|^npm warn Unknown user config\|^\s*at \|^\[ERROR\] *$' "$log" | tail -n 25 | cut -c1-300 | sed 's/^/      /'
  fi
done

summary="$passed passed, $failed failed"
if [ $skipped -gt 0 ]; then
  summary+=", $skipped skipped"
fi
echo "$summary"
[ $failed -eq 0 ]
