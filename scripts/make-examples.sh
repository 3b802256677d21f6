#!/usr/bin/env bash
# Regenerates the committed sample reports under reports/examples/ from the
# shipped scenarios, so they never go stale: run it after any change that
# alters a report (CI checks that they are current).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${YIELDSTACK_BIN:-}
if [ -z "$bin" ]; then
  swift build --product yieldstack >/dev/null
  bin="$(swift build --show-bin-path)/yieldstack"
fi
out=reports/examples
mkdir -p "$out"
db="$out/examples.sqlite"
for s in steth-loop steth-aave-curve june-2022-cascade; do
  rm -f "$db" "$db-wal" "$db-shm"
  "$bin" run "scenarios/$s.json" --db "$db" --report-dir "$out" --quiet
done
# With and without the cascade, on the same paths (SPEC §2.6).
rm -f "$db" "$db-wal" "$db-shm"
"$bin" sweep scenarios/june-2022-cascade-mc.json --set 'market.cascades[0].collateral_amount=0,600000' --db "$db" --report-dir "$out" --quiet
rm -f "$db" "$db-wal" "$db-shm"
echo "reports/examples: $(ls "$out" | tr '\n' ' ')"
