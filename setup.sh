#!/usr/bin/env bash
# Create .venv with a Python 3.12+ interpreter and install the project.
#   ./setup.sh          the model and its command-line tool
#   ./setup.sh --dev    also the test tools
# Both also cache the browser view's front-end files in .cache/solara-assets (with npm), so
# `clustersim viz` works without internet access; a filled cache is left as it is.
set -euo pipefail
cd "$(dirname "$0")"

find_python() {
    local candidates=(python3.13 python3.12 python3)
    local root
    if command -v pyenv >/dev/null 2>&1 && root=$(pyenv root 2>/dev/null); then
        for v in "$root"/versions/3.1[2-9]*/bin/python3; do candidates+=("$v"); done
    fi
    for c in "${candidates[@]}"; do
        # pyenv shims exist for versions that are not selected: run them to be sure.
        if "$c" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; then
            command -v "$c" 2>/dev/null || echo "$c"
            return 0
        fi
    done
    return 1
}

extras=""
[[ "${1:-}" == "--dev" ]] && extras="[dev]"

if [[ ! -x .venv/bin/python ]] || ! .venv/bin/python -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)'; then
    if ! py=$(find_python); then
        echo "setup.sh: no Python 3.12 or newer found (tried python3.13, python3.12, python3 and pyenv's versions)." >&2
        echo "Install Python 3.12+ and run ./setup.sh again." >&2
        exit 1
    fi
    echo "setup.sh: creating .venv with $py ($("$py" --version))"
    rm -rf .venv
    "$py" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".${extras}"
if ! .venv/bin/python -m sim.viz.assets; then
    echo "setup.sh: continuing without the browser view's files; everything else works." >&2
fi
echo "setup.sh: ready (.venv/bin/clustersim)"
