#!/bin/bash
# Submits N shards of a run as a Slurm job array, then the merge as a job
# that waits for all of them (afterok):
#
#   SCENARIO=scenarios/steth-aave-curve.json OUT=/shared/run1 SHARDS=64 deploy/slurm/submit.sh
set -euo pipefail
: "${SCENARIO:?}" "${OUT:?}"
SHARDS=${SHARDS:-16}
mkdir -p "$OUT"
here=$(dirname "$0")
array=$(sbatch --parsable --array="0-$((SHARDS - 1))" --export=ALL,SCENARIO="$SCENARIO",OUT="$OUT",SHARDS="$SHARDS" "$here/shard.sbatch")
sbatch --parsable --dependency="afterok:$array" --export=ALL,OUT="$OUT" "$here/merge.sbatch"
