# shellcheck shell=bash
# retry ATTEMPTS CMD...: run CMD up to ATTEMPTS times, waiting VECDEX_RETRY_DELAY seconds
# (default 2) before the second attempt and doubling it each time after (2 s, 4 s, 8 s, ...).
# Returns CMD's last exit status. Sourced by scripts/setup.sh; kept apart so it can be tested.
retry() {
  local attempts="$1" delay="${VECDEX_RETRY_DELAY:-2}" n=1 status=0
  shift
  while :; do
    "$@" && return 0
    status=$?
    [ "$n" -ge "$attempts" ] && return "$status"
    printf 'attempt %d of %d failed (exit %d): %s; retrying in %ss\n' "$n" "$attempts" "$status" "$*" "$delay" >&2
    sleep "$delay"
    delay=$((delay * 2))
    n=$((n + 1))
  done
}
