#!/bin/sh
# bench/flat.sh [NPROJ]: output GB/s of tomo-flat through a pipe
# (tomo-flat scan.h5 | cat > /dev/null) for a uint16 DXchange file of NPROJ
# 2048 x 2048 projections (10 flats, 10 darks; default 100, 0.8 GB in,
# 1.7 GB out), plain, with --outliers 0.3 and with --log; the peak RSS of
# one plain run; and a stand-in for TomoPy's normalize + remove_outlier on
# the same data (bench/tomopy_flat.py; TomoPy itself is not on PyPI).
# Medians of $REPEAT runs ($TOMOPY_REPEAT for the stand-in), the file in the page cache. Not a test: nothing
# here asserts a time. KEEP=1 keeps the file in $DIR (default a temp dir).
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
N=${1:-100}
SIZE=${SIZE:-2048}
REPEAT=${REPEAT:-5}
DEVICE=${DEVICE:-cpu}
TOMOPY=${TOMOPY:-1}
TOMOPY_REPEAT=${TOMOPY_REPEAT:-3}
dir=${DIR:-$(mktemp -d "${TMPDIR:-/tmp}/tomo-bench-flat.XXXXXX")}
mkdir -p "$dir"
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$dir"' EXIT INT TERM
scan=$dir/scan-$N-$SIZE.h5

if [ ! -f "$scan" ]; then
	"${TOMO_PYTHON:-/usr/bin/python3}" - "$scan" "$N" "$SIZE" <<'PY'
import sys
import h5py
import numpy as np
path, n, s = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = np.random.default_rng(0)
y, x = np.mgrid[0:s, 0:s]
beam = 30000 + 10000 * np.exp(-((x - s / 2) ** 2 + (y - s / 2) ** 2) / (0.3 * s * s))
with h5py.File(path, "w") as f:
    e = f.create_group("exchange")
    e["data_white"] = (beam + rng.normal(0, 100, (10, s, s))).astype(np.uint16)
    e["data_dark"] = rng.integers(95, 105, (10, s, s)).astype(np.uint16)
    e["theta"] = np.linspace(0, 180, n, endpoint=False)
    d = e.create_dataset("data", (n, s, s), np.uint16)
    block = (beam * (0.3 + 0.6 * rng.random((8, s, s)))).astype(np.uint16)
    for z in range(0, n, 8):
        d[z:z + 8] = block[:min(8, n - z)]
PY
fi
cat "$scan" > /dev/null
out_gb=$(echo "$N * $SIZE * $SIZE * 4 / 1000000000" | bc -l)

median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
now() { date +%s.%N; }

# Seconds of `tomo-flat ARGS scan | cat > /dev/null`, median of REPEAT.
run() {
	for i in $(seq "$REPEAT"); do
		s=$(now)
		"$BUILD/bin/tomo-flat" -q --device "$DEVICE" "$@" "$scan" | cat > /dev/null
		e=$(now)
		echo "$e - $s" | bc -l
	done | median
}

echo "# $(date -u +%Y-%m-%d) $(uname -m), $(nproc) cores,$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# $N x $SIZE x $SIZE uint16 DXchange, output $(printf %.2f "$out_gb") GB float32, device $DEVICE, median of $REPEAT"
for args in "" "--outliers 0.3" "--log"; do
	t=$(run $args)
	printf 'tomo-flat %-16s %7.2f s %6.2f GB/s\n' "$args" "$t" "$(echo "$out_gb / $t" | bc -l)"
done
/usr/bin/time -f '%M' -o "$dir/rss" "$BUILD/bin/tomo-flat" -q --device "$DEVICE" "$scan" | cat > /dev/null
printf 'peak RSS of a plain run: %d MB\n' $(($(cat "$dir/rss") / 1024))
if [ "$TOMOPY" = 1 ]; then
	for args in 0 0.3; do
		for i in $(seq "$TOMOPY_REPEAT"); do
			/usr/bin/python3 bench/tomopy_flat.py "$scan" "$args"
		done > "$dir/py"
		read_s=$(cut -d' ' -f1 "$dir/py" | median)
		calc_s=$(cut -d' ' -f2 "$dir/py" | median)
		printf 'TomoPy stand-in, outliers %-4s read %6.2f s, compute %6.2f s: %6.2f GB/s (compute alone %.2f)\n' \
			"$args" "$read_s" "$calc_s" "$(echo "$out_gb / ($read_s + $calc_s)" | bc -l)" \
			"$(echo "$out_gb / $calc_s" | bc -l)"
	done
fi
