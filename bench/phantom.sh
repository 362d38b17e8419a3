#!/usr/bin/env bash
# Projections per second of tomo-phantom (exact Shepp-Logan line integrals,
# N x N detector, written to /dev/null), best of 3 runs.
#   bench/phantom.sh [SIZES] [ANGLES] [THREADS]   e.g. "512 1024" 256 2
set -eu
cd "$(dirname "$0")/.."
bin=${BUILD:-build}/bin/tomo-phantom
sizes=${1:-512 1024 2048}
angles=${2:-256}
threads=${3:-2}
for n in $sizes; do
	best=
	for _ in 1 2 3; do
		t0=$(date +%s.%N)
		"$bin" --size "$n" --angles "$angles" --threads "$threads" -o /dev/null
		t1=$(date +%s.%N)
		t=$(echo "$t1 - $t0" | bc -l)
		if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
	done
	printf 'tomo-phantom N=%s angles=%s threads=%s: %.0f projections/s (%.3f s)\n' \
		"$n" "$angles" "$threads" "$(echo "$angles / $best" | bc -l)" "$best"
done
