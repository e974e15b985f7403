#!/usr/bin/env bash
# `npm test`: install the Debian packages the tests need when they are missing,
# then run every suite in order, failing fast:
#   typecheck, unit + GPU-kernel tests (Vitest in Node on Dawn/SwiftShader),
#   training tests (pytest with Debian's torch), browser tests (Playwright in
#   headless Debian Chromium with WebGPU on SwiftShader).
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(chromium ffmpeg python3-torch python3-torchvision python3-pytest python3-numpy python3-pil libopenblas0-openmp)

need_apt=0
[[ -x /usr/bin/chromium ]] || { echo "missing: /usr/bin/chromium"; need_apt=1; }
[[ -x /usr/bin/ffmpeg ]] || { echo "missing: /usr/bin/ffmpeg"; need_apt=1; }
if ! /usr/bin/python3 -c 'import torch, torchvision, pytest, numpy, PIL' >/dev/null 2>&1; then
  echo "missing: torch/torchvision/pytest/numpy/PIL for /usr/bin/python3"
  need_apt=1
fi
if command -v dpkg-query >/dev/null 2>&1 && ! dpkg-query -W -f='${Status}' libopenblas0-openmp 2>/dev/null | grep -q 'install ok installed'; then
  echo "missing: libopenblas0-openmp (torch would fall back to the slow reference BLAS)"
  need_apt=1
fi
if [[ $need_apt -eq 1 ]]; then
  SUDO=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 || { echo "error: need root or sudo to apt-get install ${APT_PACKAGES[*]}" >&2; exit 1; }
    SUDO=(sudo)
  fi
  echo "== installing Debian packages: ${APT_PACKAGES[*]}"
  "${SUDO[@]}" apt-get update
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "${APT_PACKAGES[@]}"
fi

if [[ ! -d node_modules ]]; then
  echo "== node_modules missing: npm ci"
  npm ci
fi

passed=0
step() {
  local name=$1
  shift
  echo
  echo "== ${name}"
  if "$@"; then
    passed=$((passed + 1))
  else
    echo
    echo "unblur: ${passed} passed, 1 failed (${name})"
    exit 1
  fi
}

step typecheck npm run typecheck
step unit npm run test:unit
step training npm run test:training
step e2e npm run test:e2e

echo
echo "unblur: ${passed} passed, 0 failed"
