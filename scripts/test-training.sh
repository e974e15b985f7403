#!/usr/bin/env bash
# Training-side tests (pytest) with Debian's torch, which only /usr/bin/python3 sees.
set -euo pipefail
cd "$(dirname "$0")/.."
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-2}" OMP_WAIT_POLICY=PASSIVE PYTHONDONTWRITEBYTECODE=1
exec /usr/bin/python3 -m pytest -q -p no:cacheprovider training/tests "$@"
