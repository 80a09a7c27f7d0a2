#!/usr/bin/env bash
# The GitHub Action's run step: build deployctl's argv from the inputs (environment variables,
# never spliced into a script) and run it. deployctl itself writes result/release/json to
# $GITHUB_OUTPUT, the step summary and ::error:: annotations (GITHUB_ACTIONS=true); this adds
# exit-code.
set -uo pipefail

out() { echo "$1" >> "$GITHUB_OUTPUT"; }
bad_input() {
  # Workflow-command data escapes %, CR and LF.
  local m="${*//%/%25}"
  m="${m//$'\r'/%0D}"
  echo "::error title=deployctl action::${m//$'\n'/%0A}"
  echo "deployctl action: $*" >&2
  out "exit-code=2"
  exit 2
}

if [ -n "${INPUT_ZK:-}" ]; then export DEPLOYCTL_ZK="$INPUT_ZK"; fi
if [ -n "${INPUT_ZK_AUTH:-}" ]; then export DEPLOYCTL_ZK_AUTH="$INPUT_ZK_AUTH"; fi

# Temporary files (the signing key, the split args) go when the step ends, whatever happens.
temps=()
trap 'rm -f "${temps[@]}"' EXIT
if [ -n "${INPUT_SIGN_KEY:-}" ]; then
  key="$(umask 077 && mktemp "${RUNNER_TEMP:-/tmp}/deployctl-sign-key.XXXXXX")"
  temps+=("$key")
  printf '%s\n' "$INPUT_SIGN_KEY" > "$key"
  export DEPLOYCTL_SIGN_KEY="$key"
fi

# `args` is split like a shell would (words across any number of lines, '…' and "…" quoting,
# backslash escapes) by Python's shlex, without eval: no expansion, no command substitution.
extra=()
if [ -n "${INPUT_ARGS//[[:space:]]/}" ]; then
  command -v python3 >/dev/null 2>&1 || bad_input "the args input needs python3 on the runner (it splits args like a shell, without eval)"
  words="$(mktemp "${RUNNER_TEMP:-/tmp}/deployctl-args.XXXXXX")"
  temps+=("$words" "$words.err")
  python3 -c '
import shlex, sys
try:
    words = shlex.split(sys.stdin.read(), comments=False, posix=True)
except ValueError as e:
    sys.stderr.write("%s\n" % e)
    sys.exit(1)
sys.stdout.write("".join(w + "\0" for w in words))
' <<< "$INPUT_ARGS" > "$words" 2> "$words.err" \
    || bad_input "cannot split the args input like a shell: $(head -c 200 "$words.err") (check its quotes and backslashes)"
  while IFS= read -r -d '' w; do extra+=("$w"); done < "$words"
fi

has_wait=false
for a in ${extra[@]+"${extra[@]}"}; do if [ "$a" = "--wait" ]; then has_wait=true; fi; done

waits=false
argv=("$INPUT_COMMAND")
case "$INPUT_COMMAND" in
  publish)
    if [ -n "$INPUT_VERSION" ]; then argv+=("$INPUT_APP" "$INPUT_VERSION"); else argv+=("$INPUT_APP" --version-from-git); fi
    waits=$has_wait ;;
  wait-for-rollout)
    argv+=("$INPUT_APP")
    if [ -n "$INPUT_VERSION" ]; then argv+=(--version "$INPUT_VERSION"); fi
    waits=true ;;
  ssh-push)
    # With `app`, the push takes the app's slots and reports like its agents (JUnit classname
    # and the json output name the app).
    if [ -n "$INPUT_APP" ]; then argv+=(--app "$INPUT_APP"); fi
    if [ -n "$INPUT_VERSION" ]; then argv+=(--version "$INPUT_VERSION"); fi
    if [ -n "$INPUT_JUNIT" ]; then argv+=(--junit "$INPUT_JUNIT"); fi ;;
  rollback)
    argv+=("$INPUT_APP")
    if [ -n "$INPUT_VERSION" ]; then argv+=(--to "$INPUT_VERSION"); fi
    waits=$has_wait ;;
  *)
    if [ -n "$INPUT_APP" ]; then argv+=("$INPUT_APP"); fi ;;
esac
if [ "$waits" = true ]; then
  argv+=(--timeout "$INPUT_TIMEOUT")
  if [ -n "$INPUT_JUNIT" ]; then argv+=(--junit "$INPUT_JUNIT"); fi
fi

# The runner runs steps with `bash -e`: keep the exit code instead of stopping here.
code=0
"$DEPLOYCTL" "${argv[@]}" ${extra[@]+"${extra[@]}"} || code=$?
out "exit-code=$code"
exit "$code"
