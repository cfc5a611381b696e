#!/usr/bin/env bash
# The committed demo results: `lengthwise demo --compare core --seeds 3`, then its tables and
# figures copied into docs/results/ (compare.json holds the commit, seeds, steps, machine and
# versions they came from). Finished runs in OUT are reused, so a rerun only aggregates.
#   scripts/demo-results.sh [OUT]        (default OUT: results/demo)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-results/demo}
LW=${LENGTHWISE:-.venv/bin/lengthwise}
"$LW" demo --compare core --seeds 3 --out "$OUT"
mkdir -p docs/results
for f in compare.json compare.md compare-levels.csv pareto.png pareto.pdf levels.png levels.pdf; do
    cp "$OUT/compare/$f" docs/results/
done
echo "docs/results/: $(ls docs/results | tr '\n' ' ')"
