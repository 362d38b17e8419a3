#!/bin/sh
# bench/phase.sh [NPROJ]: projections per second of tomo-phase on 2048 x 2048
# projections (Paganin, auto padding to 4096 x 4096) on this machine's CPU,
# and of a stand-in for TomoPy's retrieve_phase on the same data (TomoPy is
# not on PyPI; bench/tomopy_phase.py reimplements its algorithm and
# computational pattern, with mkl_fft when $TOMOPY_PYTHON has it, as a
# TomoPy conda install does, else numpy.fft; TOMOPY_PYTHON may list several
# interpreters). Medians of $REPEAT runs.
# Not a test: nothing here asserts a time.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
N=${1:-16}
REPEAT=${REPEAT:-5}
SIZE=${SIZE:-2048}
TOMOPY_PYTHON=${TOMOPY_PYTHON:-${TOMO_PYTHON:-/usr/bin/python3}}
DEVICE=${DEVICE:-cpu}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tomo-bench-phase.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

"${TOMO_PYTHON:-/usr/bin/python3}" - "$tmp" "$N" "$SIZE" <<'PY'
import sys
import numpy as np
sys.path.insert(0, "tests")
from tomo_py import write_nrrd
d, n, s = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = np.random.default_rng(0)
y, x = np.mgrid[0:s, 0:s].astype(np.float32)
a = np.empty((n, s, s), np.float32)
for k in range(n):
    a[k] = 0.6 + 0.3 * np.sin(x / (40 + k)) * np.cos(y / 70) + 0.01 * rng.random((s, s))
write_nrrd(d + "/p.nrrd", a, {"tomo_kind": "projections", "tomo_quantity": "transmission",
                              "tomo_energy": "20", "tomo_distance": "0.1",
                              "tomo_pixel_size": "1e-06"})
np.save(d + "/p.npy", a)
PY

median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

# tomo-phase -v prints "... (X projections/s), filtering alone ... (Y projections/s)".
run_tomo() {
	for i in $(seq "$REPEAT"); do
		"$BUILD/bin/tomo-phase" -v --device "$DEVICE" "$@" "$tmp/p.nrrd" -o /dev/null 2>&1 |
			sed -n 's/.*(\([0-9.e+]*\) projections\/s), filtering alone .*(\([0-9.e+]*\) projections\/s)$/\1 \2/p'
	done > "$tmp/runs"
	printf '%s %s' "$(cut -d' ' -f1 "$tmp/runs" | median)" "$(cut -d' ' -f2 "$tmp/runs" | median)"
}

# CPU seconds (user + system, all threads) per projection of one more run:
# robust to other load on the machine, unlike the rates.
cpu_per_proj() {
	/usr/bin/time -f '%U %S' -o "$tmp/time" "$@" > /dev/null 2>&1
	awk -v n="$N" '{printf "%.3f", ($1 + $2) / n}' "$tmp/time"
}

echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(uname -m), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "# $N projections of $SIZE x $SIZE, median of $REPEAT runs; load average $(cut -d' ' -f1-3 /proc/loadavg)"
for args in "--delta-beta 100" "--delta-beta 100 --method gpaganin" "--alpha 1e-3 --no-log"; do
	set -- $(run_tomo $args)
	c=$(cpu_per_proj "$BUILD/bin/tomo-phase" --device "$DEVICE" $args "$tmp/p.nrrd" -o /dev/null)
	echo "tomo-phase $args: $1 projections/s end to end, $2 filtering alone; $c CPU s per projection"
done
for py in $TOMOPY_PYTHON; do
	"$py" -c 'import numpy' 2>/dev/null || continue
	"$py" bench/tomopy_phase.py --repeat "$REPEAT" "$tmp/p.npy" 2>/dev/null > "$tmp/tp"
	label=$(head -1 "$tmp/tp" | cut -d: -f1)
	c=$(cpu_per_proj "$py" bench/tomopy_phase.py --repeat 1 "$tmp/p.npy")
	echo "TomoPy retrieve_phase stand-in ($label, $py): $(sed 's/.* s \([0-9.e+]*\) projections.*/\1/' "$tmp/tp" | median) projections/s; $c CPU s per projection"
done
