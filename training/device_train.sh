#!/usr/bin/env bash
# One prepared training run for a lent GPU machine (training/README.md "On a
# GPU machine"). Runs there, in the repository root, with the pack carried:
#   run(command="bash training/device_train.sh", carry=["training/data/pack"], timeout_s=600)
# Trains for MINUTES (default 7) from INIT (default the shipped base's
# checkpoint, as public/models/base/model.json names it), then leaves the
# checkpoint, log and arguments in $OUT. Extra arguments go to training.train
# (e.g. --crop 192 --batch 8).
set -euo pipefail
cd "$(dirname "$0")/.."
export UNBLUR_SOURCES="$PWD/training/data/pack" UNBLUR_CACHE=/tmp/unblur-cache PYTHONUNBUFFERED=1
name="${NAME:-gpu-fp}"
out="${OUT:-training/runs/$name-out}"
mkdir -p "$out"
py="${PYTHON:-python3}"
"$py" -c "import torch; print('torch', torch.__version__, torch.cuda.get_device_name() if torch.cuda.is_available() else 'no GPU')"
shipped=$("$py" -c "import json; print(json.load(open('public/models/base/model.json'))['meta']['checkpoint'])")
init="${INIT:-training/checkpoints/$shipped}"
echo "from $init"
set +e
"$py" -m training.train --name "$name" --init-from "$init" --frame-path \
  --batch 16 --lr 6e-4 --flow-weight 0.0125 --seed 21 --workers "${WORKERS:-14}" --threads 2 --minutes "${MINUTES:-7}" \
  --dev-every 1000000000 --log-every 100 --ckpt-every 1000 --no-ship "$@" 2>&1 | tee "$out/train.log"
rc=${PIPESTATUS[0]}
set -e
cp training/runs/"$name"/{ckpt.pt,log.jsonl,args.json} "$out/" 2>/dev/null || true
exit "$rc"
