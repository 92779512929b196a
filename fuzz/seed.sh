#!/usr/bin/env bash
# Fills the fuzz corpus with the example and conformance scripts and the regressions.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p corpus/parse_run
for f in ../examples/*.bp ../examples/errors/*.bp ../../shared/conformance/*.bp ../tests/regressions/*.bp; do
    [ -f "$f" ] && cp "$f" "corpus/parse_run/$(basename "$(dirname "$f")")_$(basename "$f")"
done
ls corpus/parse_run | wc -l
