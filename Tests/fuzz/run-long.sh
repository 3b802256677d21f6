#!/bin/sh
# The long structural fuzz run (for CI and before a release).
#   Tests/fuzz/run-long.sh [MUTANTS] [OUT_DIR]
# MUTANTS defaults to 3000; failing mutants (scenario, hostile files, FAILURE.txt),
# results.tsv (one line per mutant) and summary.tsv (one line per distinct failure)
# are kept in OUT_DIR (default: a new temp directory). Exits non-zero if any mutant
# exits 70, dies of a signal, hangs over 10 s, or prints a forged/crash line.
# Reproduce one mutant: YIELDSTACK_FUZZ_FIRST=i YIELDSTACK_FUZZ_MUTANTS=1 swift test --skip-build --filter Fuzz
set -eu
cd "$(dirname "$0")/../.."
N="${1:-3000}"
OUT="${2:-$(mktemp -d "${TMPDIR:-/tmp}/yieldstack-fuzz.XXXXXX")}"
[ -x .build/debug/yieldstack ] || swift build --build-tests
echo "fuzz: $N mutants, results in $OUT"
status=0
YIELDSTACK_FUZZ_MUTANTS="$N" YIELDSTACK_FUZZ_OUT="$OUT" swift test --skip-build --filter 'FuzzTests' || status=$?
echo "fuzz: distinct failures ($OUT/summary.tsv):"
cat "$OUT/summary.tsv" 2>/dev/null || true
exit "$status"
