#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image; the bundle is
# unpacked in /autograder/source. It installs only what grading needs: a Python >= 3.11 venv
# with numpy (no conda, no browser), creates the unprivileged user that runs
# student code, and makes the hidden tests and reference solutions unreadable to that user.
set -euo pipefail
SOURCE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV=/opt/autograder-venv          # world-readable: the student's process imports its numpy
STUDENT=autograder-student         # autograder/sandbox runs student code as this user when root

export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends python3 python3-venv
PYTHON=python3
# The grader needs Python 3.11+ (tomllib); Ubuntu 22.04's python3 is 3.10: add 3.11 beside it.
if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    apt-get install -y -q --no-install-recommends python3.11 python3.11-venv
    PYTHON=python3.11
fi
"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --no-cache-dir --upgrade pip
"$VENV/bin/python" -m pip install -q --no-cache-dir -r "$SOURCE/requirements.txt"
chmod -R go+rX,go-w "$VENV"
# The reference's results that every grading reads (assignments/<name>/reference_cache/): the bundle's
# copy is checked against this numpy and machine, and rebuilt here if it does not match.
(cd "$SOURCE" && "$VENV/bin/python" -m autograder reference-cache)
# Bytecode of the grader and the reference, so that no grading compiles them again.
"$VENV/bin/python" -m compileall -q "$SOURCE"

if ! id -u "$STUDENT" >/dev/null 2>&1; then
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$STUDENT"
fi

# The grader, its hidden tests, the rubric and the reference solutions: root only.
chown -R root:root "$SOURCE"
chmod -R go-rwx "$SOURCE"
