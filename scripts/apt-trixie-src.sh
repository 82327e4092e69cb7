# shellcheck shell=bash
# trixie_src_entry APT_DIR: print a deb822 deb-src entry for Debian trixie/main, on the same
# mirror (and key, if one is named) as the system's first Debian source. Reads
# APT_DIR/sources.list.d/debian.sources (deb822, Debian 12 containers) or, when that is missing,
# APT_DIR/sources.list (the classic one-line format, older installs). Returns 1 when neither
# holds a usable entry. Sourced by scripts/setup-postgres.sh; kept apart so it can be tested.
trixie_src_entry() {
  local apt_dir="${1:-/etc/apt}" deb822 classic
  deb822="${apt_dir}/sources.list.d/debian.sources"
  classic="${apt_dir}/sources.list"
  if [ -f "$deb822" ] && grep -q '^URIs:' "$deb822"; then
    # The first stanza, as a deb-src entry for trixie/main (same URIs and Signed-By).
    awk 'BEGIN { RS=""; ORS="\n" } NR == 1 { print; exit }' "$deb822" |
      sed -e 's/^Types:.*/Types: deb-src/' -e 's/^Suites:.*/Suites: trixie/' -e 's/^Components:.*/Components: main/'
    return 0
  fi
  if [ -f "$classic" ]; then
    # The first active `deb` line that is not the security archive:
    #   deb [opt=val signed-by=/path ...] URI SUITE COMPONENT...
    awk '
      /^[[:space:]]*deb[[:space:]]/ {
        line = $0; sub(/^[[:space:]]*deb[[:space:]]+/, "", line); opts = ""
        if (line ~ /^\[/) { opts = substr(line, 2, index(line, "]") - 2); line = substr(line, index(line, "]") + 1) }
        split(line, f, /[[:space:]]+/); n = 1; while (f[n] == "") n++
        uri = f[n]
        if (uri ~ /security/) next
        key = ""
        m = split(opts, o, /[[:space:]]+/)
        for (i = 1; i <= m; i++) if (o[i] ~ /^signed-by=/) key = substr(o[i], 11)
        print "Types: deb-src"; print "URIs: " uri; print "Suites: trixie"; print "Components: main"
        if (key != "") print "Signed-By: " key
        found = 1; exit
      }
      END { exit found ? 0 : 1 }' "$classic"
    return
  fi
  return 1
}
