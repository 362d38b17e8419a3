#!/usr/bin/env bash
# Benchmark tomo-fbp end to end (process start to output written) against
# UFO (ufo-filters on the CPU through pocl, ../shared/peers/ufo-fbp) on the
# same projections: COLS columns x ANGLES angles over 180 degrees x ROWS
# detector rows of the 3D Shepp-Logan phantom (tests/ref/phantom.py).
#   bench/fbp.sh [COLS [ANGLES [ROWS [REPEATS]]]]    (default 1024 1024 16 3)
# Prints each run and the medians in giga-updates per second
# (angles x COLS^2 x ROWS / seconds). BUILD names the build (default build);
# UFO=0 skips the peer; TOMO_FBP_ARGS adds options (e.g. --device gpu).
set -eu
cd "$(dirname "$0")/.."
cols=${1:-1024} angles=${2:-1024} rows=${3:-16} reps=${4:-3}
bin=${BUILD:-build}/bin/tomo-fbp
peer=${UFO_FBP:-../shared/peers/ufo-fbp}
[ -x "$bin" ] || { echo "fbp.sh: build first ($bin missing)" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

"${TOMO_PYTHON:-/usr/bin/python3}" - "$cols" "$angles" "$rows" "$tmp/proj.nrrd" <<'PY'
import sys
sys.path[:0] = ["tests", "tests/ref"]
import numpy as np
import phantom as ph
from tomo_py import write_nrrd
n, a, r, out = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
ang = np.arange(a) * 180.0 / a
p = ph.projections(n, n, ang, n / 2, rows=r, scale=0.45 * n).astype(np.float32)
write_nrrd(out, p, {"tomo_kind": "projections", "tomo_quantity": "line-integral",
                    "tomo_angles": " ".join(repr(float(x)) for x in ang),
                    "tomo_center": repr(float(n / 2))})
PY

updates=$(echo "$angles * $cols * $cols * $rows" | bc)
gups() { echo "scale=3; $updates / $1 / 1000000000" | bc; }
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(uname -n): $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "# ${cols} columns x ${angles} angles x ${rows} rows; load average $(cut -d' ' -f1-3 /proc/loadavg)"
: > "$tmp/ours" && : > "$tmp/ufo"
# warm up: the page cache, and pocl's kernel compilation cache for UFO
"$bin" ${TOMO_FBP_ARGS:-} "$tmp/proj.nrrd" -o "$tmp/ours.nrrd"
[ "${UFO:-1}" = 0 ] || "$peer" "$tmp/proj.nrrd" "$(echo "$cols / 2" | bc -l)" "$tmp/ufo.tif" > /dev/null 2>&1
for i in $(seq "$reps"); do
	s=$(date +%s.%N)
	/usr/bin/time -f "%U %S" -o "$tmp/cpu" "$bin" ${TOMO_FBP_ARGS:-} "$tmp/proj.nrrd" -o "$tmp/ours.nrrd"
	e=$(date +%s.%N)
	t=$(echo "$e - $s" | bc)
	c=$(awk '{ print $1 + $2 }' "$tmp/cpu")
	echo "$t" >> "$tmp/ours"
	echo "tomo-fbp run $i: ${t} s, $(gups "$t") GUPS (CPU time ${c} s: $(gups "$c") per CPU-second)"
	if [ "${UFO:-1}" != 0 ]; then
		# UFO's axis-pos matches tomo's center (checked by the sanity line)
		t=$("$peer" "$tmp/proj.nrrd" "$(echo "$cols / 2" | bc -l)" "$tmp/ufo.tif" |
			sed -n 's/^ufo seconds: //p')
		echo "$t" >> "$tmp/ufo"
		echo "ufo      run $i: ${t} s, $(gups "$t") GUPS"
	fi
done
m=$(median < "$tmp/ours")
echo "median tomo-fbp: ${m} s, $(gups "$m") GUPS"
if [ "${UFO:-1}" != 0 ]; then
	u=$(median < "$tmp/ufo")
	echo "median ufo:      ${u} s, $(gups "$u") GUPS"
	echo "speed-up: $(echo "scale=1; $u / $m" | bc)x"
	"${TOMO_PYTHON:-/usr/bin/python3}" - "$tmp/ours.nrrd" "$tmp/ufo.tif" <<'PY'
import sys
sys.path.insert(0, "tests")
import numpy as np, tifffile
from tomo_py import nrrd
a = nrrd(sys.argv[1])[0][0]
b = np.asarray(tifffile.imread(sys.argv[2]), np.float32)
b = b[0] if b.ndim == 3 else b
# UFO scales differently, adds an offset and puts y down: compare up to
# a linear map and the flip, inside the object's disk (UFO interpolates
# to the nearest column, tomo-fbp linearly)
b = b[::-1].astype(np.float64)
n = a.shape[0]
x = np.arange(n) + 0.5 - n / 2
m = np.add.outer(x * x, x * x) < (0.4 * n) ** 2
k, c = np.linalg.lstsq(np.c_[b[m], np.ones(m.sum())], a[m], rcond=None)[0]
print("sanity: UFO's slice = %.4g x ours + %.3g, relative difference %.3f inside r < 0.4 N"
      % (1 / k, -c / k, np.linalg.norm(a[m] - k * b[m] - c) / np.linalg.norm(a[m])))
PY
fi
