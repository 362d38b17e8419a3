#!/usr/bin/env bash
# Benchmark tomo-fbp --method fourier (gridding) against TomoPy's gridrec,
# side by side in one run, on COLS columns x ANGLES angles over 180 degrees
# x ROWS detector rows of the 3D Shepp-Logan phantom (tests/ref/phantom.py),
# with the accuracy of each: relative RMS error against the phantom inside
# the field of view (the disk of radius COLS/2 - 0.5).
#   bench/fourier.sh [COLS [ANGLES [ROWS [REPEATS]]]]   (default 1024 1024 16 5)
# tomo-fbp is timed end to end (process start, read the NRRD file, write the
# volume; the time inside its library call, from -v, in parentheses); TomoPy
# inside its process (tomopy.recon alone), unpadded and with
# the sinogram edge-padded to twice the width, when TOMOPY_PYTHON names an
# interpreter that imports tomopy (else skipped). Also --method fbp once
# per round (FBP=0 skips it) and the knobs in KNOBS ("OVERSAMPLE:WIDTH ...",
# default "1.5:4 2:3 2:6"), once per round each. BUILD names the build.
set -eu
cd "$(dirname "$0")/.."
cols=${1:-1024} angles=${2:-1024} rows=${3:-16} reps=${4:-5}
bin=${BUILD:-build}/bin/tomo-fbp
py=${TOMO_PYTHON:-/usr/bin/python3}
[ -x "$bin" ] || { echo "fourier.sh: build first ($bin missing)" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

"$py" - "$cols" "$angles" "$rows" "$tmp" <<'PY'
import sys
sys.path[:0] = ["tests", "tests/ref"]
import numpy as np
import phantom as ph
from tomo_py import write_nrrd
n, a, r, d = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
ang = np.arange(a) * 180.0 / a
p = ph.projections(n, n, ang, n / 2, rows=r, scale=0.45 * n).astype(np.float32)
write_nrrd(d + "/proj.nrrd", p, {"tomo_kind": "projections", "tomo_quantity": "line-integral",
                                 "tomo_angles": " ".join(repr(float(x)) for x in ang),
                                 "tomo_center": repr(float(n / 2))})
np.save(d + "/proj.npy", p)
np.save(d + "/truth.npy", ph.truth(n, r, 0.45 * n).astype(np.float32))
PY

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
wall() { # NAME OUT ARGS...: run tomo-fbp, append its wall time to $tmp/NAME.t
	# and the time inside the library call (from -v) to $tmp/NAME.in
	local name=$1 out=$2 s e
	shift 2
	s=$(date +%s.%N)
	"$bin" -v "$@" "$tmp/proj.nrrd" -o "$out" 2> "$tmp/log"
	e=$(date +%s.%N)
	echo "$e - $s" | bc >> "$tmp/$name.t"
	sed -n 's/.* slabs* of .* rows, padded length [0-9]*, \([0-9.e+-]*\) s,.*/\1/p' "$tmp/log" \
		>> "$tmp/$name.in"
}
have_tomopy=0
if [ -n "${TOMOPY_PYTHON:-}" ] && $TOMOPY_PYTHON -c "import tomopy" 2> /dev/null; then
	have_tomopy=1
else
	echo "# TomoPy skipped (TOMOPY_PYTHON does not name an interpreter that imports tomopy)"
fi
knobs=${KNOBS-1.5:4 2:3 2:6}

echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(uname -n): $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "# ${cols} columns x ${angles} angles x ${rows} rows; load average $(cut -d' ' -f1-3 /proc/loadavg)"
# warm-up: the page cache, FFTW's and Python's first calls
"$bin" --method fourier "$tmp/proj.nrrd" -o "$tmp/fourier.nrrd"
for i in $(seq "$reps"); do
	wall fourier "$tmp/fourier.nrrd" --method fourier
	[ "${FBP:-1}" = 0 ] || wall fbp "$tmp/fbp.nrrd" --method fbp
	for k in $knobs; do
		wall "knob$k" "$tmp/knob$k.nrrd" --method fourier --oversample "${k%%:*}" \
			--kernel-width "${k##*:}"
	done
	if [ $have_tomopy = 1 ]; then
		$TOMOPY_PYTHON bench/tomopy_gridrec.py "$tmp/proj.npy" "$((cols / 2))" 0 1 \
			"$tmp/gridrec.npy" | sed -n 's/^seconds //p' >> "$tmp/gridrec.t"
		$TOMOPY_PYTHON bench/tomopy_gridrec.py "$tmp/proj.npy" "$((cols / 2))" 1 1 \
			"$tmp/gridrec_pad.npy" | sed -n 's/^seconds //p' >> "$tmp/gridrec_pad.t"
	fi
done

report() { # NAME LABEL
	[ -s "$tmp/$1.t" ] || return 0
	local m err
	m=$(median < "$tmp/$1.t")
	err=$("$py" - "$tmp" "$1" <<'PY'
import sys, os
sys.path[:0] = ["tests", "tests/ref"]
import numpy as np
from tomo_py import nrrd
import phantom as ph
d, name = sys.argv[1], sys.argv[2]
t = np.load(d + "/truth.npy").astype(np.float64)
n = t.shape[-1]
x = np.arange(n) + 0.5 - n / 2
X, Y = np.meshgrid(x, x)
fov = X * X + Y * Y <= (n / 2 - 0.5) ** 2
if os.path.exists(d + "/" + name + ".npy"):
    # TomoPy's slices are turned relative to tomo's (GUIDE.md geometry) and
    # its pixel grid may sit half a pixel off: the best of the 8 flips and
    # transposes against the phantom sampled with the 9 half-pixel shifts
    r = np.load(d + "/" + name + ".npy").astype(np.float64)
    rows = r.shape[0]
    cands = []
    for k in range(4):
        q = np.rot90(r, k, axes=(1, 2))
        cands += [q, q[:, ::-1]]
    best = 1e9
    for dx in (-0.5, 0, 0.5):
        for dy in (-0.5, 0, 0.5):
            ts = np.stack([ph.image(ph.slice_ellipses(z + 0.5 - rows / 2, 0.45 * n), n,)
                           for z in range(rows)]) if dx == dy == 0 else None
            if ts is None:
                x = np.arange(n) + 0.5 - n / 2 + dx
                y = n / 2 - np.arange(n) - 0.5 + dy
                XX, YY = np.meshgrid(x, y)
                ts = np.zeros_like(r)
                for z in range(rows):
                    for v, a, b, x0, y0, phi in ph.slice_ellipses(z + 0.5 - rows / 2, 0.45 * n):
                        u = (XX - x0) * np.cos(phi) + (YY - y0) * np.sin(phi)
                        w = -(XX - x0) * np.sin(phi) + (YY - y0) * np.cos(phi)
                        ts[z] += np.where((u / a) ** 2 + (w / b) ** 2 <= 1, v, 0)
            best = min([best] + [ph.rel_rms(q, ts, fov) for q in cands])
    print("%.4f" % best)
else:
    print("%.4f" % ph.rel_rms(nrrd(d + "/" + name + ".nrrd")[0].astype(np.float64), t, fov))
PY
)
	local inside=""
	[ -s "$tmp/$1.in" ] && inside=" (computing $(median < "$tmp/$1.in") s)"
	printf '%-44s %8.3f s%s  (runs: %s)  error %s\n' "$2" "$m" "$inside" \
		"$(tr '\n' ' ' < "$tmp/$1.t" | sed 's/ $//')" "$err"
}
report fourier "tomo-fbp --method fourier (end to end)"
report fbp "tomo-fbp --method fbp (end to end)"
for k in $knobs; do
	report "knob$k" "  --oversample ${k%%:*} --kernel-width ${k##*:}"
done
report gridrec "TomoPy gridrec (recon call)"
report gridrec_pad "TomoPy gridrec, padded to 2x width"
