#!/usr/bin/env bash
# Set up everything zonecheck needs on this machine. Idempotent; fast when already set up.
#
#   scripts/setup.sh          # for `make demo`: Debian packages + .venv with the project
#   scripts/setup.sh --test   # for `make test`: the above + PostgreSQL for the test suite
#
# Environment:
#   PYTHON                Python used to create .venv (default: python3; needs >= 3.11)
#   ZONECHECK_REINSTALL=1 reinstall the project into .venv even if nothing changed
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Debian packages needed to run zonecheck: the open CJK fonts of the PDF reports (Noto Serif
# and Sans CJK SC for Song and Hei, AR PL UKai as the FangSong/Kai stand-in) and HarfBuzz's
# subsetter, without which WeasyPrint subsets fonts with fontTools, several times slower.
# --no-install-recommends (in zc_ensure_apt_packages) keeps 214 MB of other fonts out.
BASE_APT_PACKAGES=(fonts-noto-cjk fonts-arphic-ukai libharfbuzz-subset0)
# Extra Debian packages needed by the test suite: PostgreSQL; poppler-utils reads the PDFs
# back (pdftotext, pdffonts, pdfinfo, pdftoppm); chromium is the browser of the browser tests
# (tests/browser: Playwright drives /usr/bin/chromium; no `playwright install` download);
# libreoffice-writer-nogui converts .doc/.wps plans (checklists/sources/convert.py) and writes
# the .doc files its tests import (84 MB, 259 MB installed: 51 s here with most of it cached);
# redis-server is the throwaway Redis of the worker's tests with its queue in Redis.
TEST_APT_PACKAGES=(postgresql poppler-utils chromium libreoffice-writer-nogui redis-server)

want_test=0
for arg in "$@"; do
    case "$arg" in
        --test) want_test=1 ;;
        -h | --help)
            sed -n '2,10p' "${BASH_SOURCE[0]}"
            exit 0
            ;;
        *) zc_die "setup.sh: unknown argument: $arg" ;;
    esac
done

cd "$ZC_ROOT"

# --- Debian packages -------------------------------------------------------------------
if ((${#BASE_APT_PACKAGES[@]} > 0)); then
    zc_ensure_apt_packages "${BASE_APT_PACKAGES[@]}" || true
fi
if ((want_test)); then
    if ! zc_ensure_apt_packages "${TEST_APT_PACKAGES[@]}"; then
        zc_warn_loud "Test packages missing (${TEST_APT_PACKAGES[*]}): without PostgreSQL its half of the" \
            "test suite is SKIPPED, without poppler-utils the PDF report tests are, and without" \
            "chromium the browser tests (tests/browser) are, and without libreoffice-writer-nogui" \
            "the .doc/.wps conversion tests are." \
            "To run it, install the Debian package 'postgresql' (or run as root, which installs it)," \
            "or point ZONECHECK_TEST_PG_URL at a server (e.g. postgresql://postgres@127.0.0.1:5432/postgres)."
    fi
fi

# --- virtualenv ------------------------------------------------------------------------
PY="${PYTHON:-python3}"
VENV="$ZC_ROOT/.venv"
STAMP="$VENV/.zonecheck-install-stamp"

if ! "$VENV/bin/python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; then
    command -v "$PY" >/dev/null 2>&1 || zc_die "$PY not found; zonecheck needs Python >= 3.11 (set PYTHON=...)"
    "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
        zc_die "$PY is $("$PY" -V 2>&1); zonecheck needs Python >= 3.11 (set PYTHON=...)"
    if [[ -e "$VENV" ]]; then
        zc_log "$VENV is broken or too old; recreating it"
        rm -rf "$VENV"
    fi
    zc_run "$PY" -m venv "$VENV"
fi

# What the install depends on: pyproject.toml, the venv's Python, and the set of top-level
# packages (an editable install does not see top-level packages added after it ran).
install_key() {
    {
        sha256sum pyproject.toml
        "$VENV/bin/python" -c 'import sys; print(sys.version)'
        ls -d -- */__init__.py 2>/dev/null || true
    } | sha256sum | cut -d' ' -f1
}

key="$(install_key)"
if [[ "${ZONECHECK_REINSTALL:-0}" != 1 && -f "$STAMP" && "$(cat "$STAMP")" == "$key" ]]; then
    zc_log ".venv is up to date (delete $STAMP or set ZONECHECK_REINSTALL=1 to force a reinstall)"
else
    rm -f "$STAMP"
    zc_log "installing zonecheck and its test tools into .venv"
    PIP_NO_INPUT=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
        zc_run "$VENV/bin/python" -m pip install --quiet -e '.[test]'
    printf '%s\n' "$key" >"$STAMP"
fi
