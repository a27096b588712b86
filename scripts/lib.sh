# shellcheck shell=bash
# Shared helpers for scripts/*.sh and .ci/run. Source it; do not run it.
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Repository root (the folder holding pyproject.toml).
ZC_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ZC_ROOT

zc_log() { printf '==> %s\n' "$*" >&2; }
zc_run() { printf '+ %s\n' "$*" >&2; "$@"; }
zc_die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

# Loud multi-line warning block on stderr.
zc_warn_loud() {
    local bar='!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!'
    {
        printf '\n%s\n' "$bar"
        local line
        for line in "$@"; do printf '!!! %s\n' "$line"; done
        printf '%s\n\n' "$bar"
    } >&2
}

zc_is_root() { [[ "$(id -u)" -eq 0 ]]; }

# True when the Debian package is installed.
zc_deb_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

# zc_ensure_apt_packages PKG...
# Installs the missing Debian packages when running as root (apt-get update at most once
# per run; child scripts see ZC_APT_UPDATED). When not root, or not on a Debian-like system,
# prints a loud warning and returns 1 (callers decide whether that is fatal); 0 when all are present.
zc_ensure_apt_packages() {
    (($# > 0)) || return 0
    if ! command -v dpkg-query >/dev/null 2>&1; then
        zc_warn_loud "Not a Debian-like system (no dpkg-query): cannot check for packages: $*" \
            "Install their equivalents yourself."
        return 1
    fi
    local missing=() pkg
    for pkg in "$@"; do
        zc_deb_installed "$pkg" || missing+=("$pkg")
    done
    ((${#missing[@]} == 0)) && return 0
    if ! zc_is_root; then
        zc_warn_loud "Missing Debian packages: ${missing[*]}" \
            "Not running as root, so they are not installed automatically. Run:" \
            "    sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}"
        return 1
    fi
    zc_log "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if [[ "${ZC_APT_UPDATED:-0}" != 1 ]]; then
        zc_run apt-get update
        export ZC_APT_UPDATED=1
    fi
    zc_run apt-get install -y --no-install-recommends "${missing[@]}"
}
