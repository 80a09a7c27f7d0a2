#!/usr/bin/env bash
# The GitHub Action's install step: make a deployctl binary available and print its path to
# $GITHUB_OUTPUT as `bin`. Inputs arrive as environment variables (never spliced into a script).
#
#   INPUT_BINARY             a binary to use as is
#   INPUT_DEPLOYCTL_VERSION  release to download; empty: the `version` in this action's Cargo.toml
#   INPUT_DOWNLOAD_BASE_URL  assets are <base>/v<version>/deployctl-<target> and <...>.sha256
#   INPUT_SHA256             optional pin: the binary's sha256 must also equal this
#   INPUT_BUILD_FROM_SOURCE  false (download only), fallback (build when no release binary
#                            exists for this version/platform), true (always build)
#   RUNNER_OS, RUNNER_ARCH   ${{ runner.os }} / ${{ runner.arch }}
#   GITHUB_ACTION_PATH       this action's checkout (the whole repository)
set -euo pipefail

fail() {
  # An annotation on the run page and a plain line in the log.
  # Workflow-command data escapes %, CR and LF.
  local m="${*//%/%25}"
  m="${m//$'\r'/%0D}"
  echo "::error title=deployctl action::${m//$'\n'/%0A}"
  echo "deployctl action: $*" >&2
  exit 1
}
log() { echo "deployctl action: $*" >&2; }

action_path="${GITHUB_ACTION_PATH:?GITHUB_ACTION_PATH is not set (run this as the deployctl action)}"
mode="${INPUT_BUILD_FROM_SOURCE:-false}"
case "$mode" in
  false | fallback | true) ;;
  *) fail "build-from-source must be false, fallback or true, not '$mode'" ;;
esac

build_from_source() {
  command -v cargo >/dev/null 2>&1 || fail "building deployctl from source needs cargo on the runner (e.g. dtolnay/rust-toolchain); $1"
  log "building deployctl from $action_path with cargo ($1)"
  local root="${RUNNER_TEMP:-/tmp}/deployctl-build"
  cargo install --locked --quiet --path "$action_path" --root "$root" >&2
  bin="$root/bin/deployctl"
}

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

bin=""
if [ -n "${INPUT_BINARY:-}" ]; then
  [ -x "$INPUT_BINARY" ] || fail "binary '$INPUT_BINARY' is not an executable file"
  bin="$INPUT_BINARY"
elif [ "$mode" = true ]; then
  build_from_source "build-from-source: true"
else
  # The version: the input, else the action's own Cargo.toml. GitHub fetches an action as a
  # tarball without .git, so the tag it was referenced by (often a moving `v0`) is not knowable;
  # Cargo.toml is, and the release workflow refuses a tag that differs from it.
  version="${INPUT_DEPLOYCTL_VERSION:-}"
  version="${version#v}"
  if [ -z "$version" ]; then
    [ -f "$action_path/Cargo.toml" ] || fail "no deployctl-version given and no Cargo.toml in $action_path to take it from"
    version="$(sed -n '/^\[package\]/,/^\[/{s/^version *= *"\([^"]*\)".*/\1/p;}' "$action_path/Cargo.toml" | head -n1)"
    [ -n "$version" ] || fail "no version = \"...\" in [package] of $action_path/Cargo.toml"
  fi
  # The version becomes part of a URL and a path: only semver characters.
  [[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.+-]+)?$ ]] \
    || fail "deployctl-version '$version' is not a version like 1.2.3"

  target="" arch=""
  case "${RUNNER_OS:-}/${RUNNER_ARCH:-}" in
    Linux/X64) target=x86_64-linux arch=x64 ;;
  esac
  if [ -z "$target" ]; then
    msg="no deployctl release binary for runner.os=${RUNNER_OS:-unset} runner.arch=${RUNNER_ARCH:-unset} (releases ship Linux X64 only)"
    [ "$mode" = fallback ] || fail "$msg; set build-from-source: fallback (needs cargo) or give a binary"
    build_from_source "$msg"
  else
    pin="$(printf '%s' "${INPUT_SHA256:-}" | tr 'A-F' 'a-f')"
    if [ -n "$pin" ] && ! [[ "$pin" =~ ^[0-9a-f]{64}$ ]]; then
      fail "deployctl-sha256 '$pin' is not 64 hex digits"
    fi
    # The tool cache layout of actions/tool-cache: <tool>/<version>/<arch>/ plus <arch>.complete.
    cache="${RUNNER_TOOL_CACHE:-${RUNNER_TEMP:-/tmp}/tool_cache}/deployctl/$version"
    dir="$cache/$arch"
    if [ -f "$cache/$arch.complete" ] && [ -x "$dir/deployctl" ] && [ -f "$dir/deployctl.sha256" ]; then
      # Re-hash: a cache entry that changed since it was verified is not used.
      have="$(sha256_of "$dir/deployctl")"
      if [ "$have" != "$(cut -d' ' -f1 "$dir/deployctl.sha256")" ]; then
        log "cached $dir/deployctl does not match its recorded sha256; downloading again"
      elif [ -n "$pin" ] && [ "$have" != "$pin" ]; then
        fail "cached deployctl $version has sha256 $have, not the pinned deployctl-sha256 $pin"
      else
        log "using deployctl $version from the tool cache ($dir)"
        bin="$dir/deployctl"
      fi
    fi
    if [ -z "$bin" ]; then
      base="${INPUT_DOWNLOAD_BASE_URL:-https://github.com/deployctl/deployctl/releases/download}"
      url="${base%/}/v$version/deployctl-$target"
      tmp="$(mktemp -d "${RUNNER_TEMP:-/tmp}/deployctl-download.XXXXXX")"
      trap 'rm -rf "$tmp"' EXIT
      command -v curl >/dev/null 2>&1 || fail "downloading deployctl needs curl on the runner"
      log "downloading $url"
      code=0
      curl -fsSL --retry 3 -o "$tmp/deployctl" "$url" && curl -fsSL --retry 3 -o "$tmp/deployctl.sha256" "$url.sha256" || code=$?
      if [ "$code" -ne 0 ]; then
        msg="cannot download deployctl $version from $url (curl exit $code; is there a v$version release with a deployctl-$target asset?)"
        [ "$mode" = fallback ] || fail "$msg; set deployctl-version, download-base-url, or build-from-source: fallback"
        build_from_source "$msg"
      else
        # A checksum mismatch never falls back to building: it means the download is not what
        # was released.
        want="$(head -n1 "$tmp/deployctl.sha256" | cut -d' ' -f1 | tr 'A-F' 'a-f')"
        [[ "$want" =~ ^[0-9a-f]{64}$ ]] || fail "$url.sha256 does not start with a sha256 (got '$(head -c 80 "$tmp/deployctl.sha256")')"
        have="$(sha256_of "$tmp/deployctl")"
        [ "$have" = "$want" ] || fail "checksum mismatch for $url: sha256 $have, but $url.sha256 says $want; refusing to use it"
        if [ -n "$pin" ] && [ "$have" != "$pin" ]; then
          fail "checksum mismatch for $url: sha256 $have, but deployctl-sha256 pins $pin; refusing to use it"
        fi
        chmod +x "$tmp/deployctl"
        # Into the cache atomically: rename in place, then mark complete.
        mkdir -p "$dir"
        cp "$tmp/deployctl" "$dir/deployctl.partial.$$"
        mv -f "$dir/deployctl.partial.$$" "$dir/deployctl"
        echo "$have  deployctl" > "$dir/deployctl.sha256"
        touch "$cache/$arch.complete"
        log "deployctl $version verified (sha256 $have), cached in $dir"
        bin="$dir/deployctl"
      fi
    fi
  fi
fi

"$bin" --version
echo "bin=$bin" >> "$GITHUB_OUTPUT"
