#!/usr/bin/env bash
# Exports every example and every conformance script that `bp run` finishes with exit 0,
# runs the Python script with PyTorch, and compares the two standard outputs (SPEC §17).
# usage: tools/check-export.sh [PATH/TO/bp] [PYTHON]     (defaults: target/debug/bp, python3)
#   BP_EXPORT_DIRS="dir1 dir2" overrides the folders searched for .bp scripts.
# Prints one line per script (same / DIFFERS / export failed / python failed) and a total;
# exits 1 when any script differs. Needs Python with torch (pip install torch safetensors).
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
bp=$(realpath "${1:-$here/target/debug/bp}")
py=${2:-python3}
dirs=${BP_EXPORT_DIRS:-"$here/examples $here/examples/zero_to_hero $here/../shared/conformance $here/../shared/conformance/v2"}
"$py" -c 'import torch' 2>/dev/null || { echo "check-export: '$py' cannot import torch" >&2; exit 2; }
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
same=0; differ=0; total=0; skipped=0
for dir in $dirs; do
  for f in "$dir"/*.bp; do
    [ -e "$f" ] || continue
    name=$(basename "$f" .bp)
    # The course's examples read ../data/names.txt (README: --allow-path examples/data).
    (cd "$(dirname "$f")" && timeout 60 "$bp" run --allow-path "$here/examples/data" "$(basename "$f")") >"$work/bp.out" 2>/dev/null </dev/null
    if [ $? != 0 ]; then skipped=$((skipped+1)); continue; fi
    total=$((total+1))
    out="$(dirname "$f")/.export_$name.py"
    if ! "$bp" export "$f" -o "$work/$name.py" 2>"$work/export.err"; then
      differ=$((differ+1)); echo "export failed  $f: $(head -c 300 "$work/export.err" | tr '\n' ' ')"; continue
    fi
    cp "$work/$name.py" "$out"
    (cd "$(dirname "$f")" && timeout 300 "$py" "$(basename "$out")") >"$work/py.out" 2>"$work/py.err" </dev/null
    rc=$?
    rm -f "$out"
    if [ $rc != 0 ]; then
      differ=$((differ+1)); echo "python failed  $f (exit $rc): $(tail -n 1 "$work/py.err")"; continue
    fi
    if cmp -s "$work/bp.out" "$work/py.out"; then
      same=$((same+1)); echo "same           $f"
    else
      differ=$((differ+1)); echo "DIFFERS        $f"
      diff "$work/bp.out" "$work/py.out" | head -${CHECK_EXPORT_DIFF_LINES:-10} | sed 's/^/    /'
    fi
  done
done
echo "$same of $total identical ($differ differ; $skipped scripts skipped because bp run does not exit 0)"
[ "$differ" = 0 ]
