#!/usr/bin/env bash
# Few slices against many: is the work proportional to what is asked for?
# For each size (COLSxANGLES) the projections of 64 detector rows of the 3D
# Shepp-Logan phantom are made once; then, for each build named in BUILDS
# (default: build), side by side in one run:
#   tomo-fbp --slices 0:S for S in SLICES (default "1 64"), both methods,
#   tomo-flat --rows 0:S on a simulated scan of the same size (uint16,
#   one HDF5 chunk per frame, as detectors write), and
#   tomo-phase on S rows of transmission projections.
# Each figure is the median of REPEATS runs (default 3): wall seconds per
# slice (or row) end to end, and CPU seconds (user + system) per slice.
# ALGOTOM=PYTHON (an interpreter with algotom and numba) adds algotom's
# fbp_reconstruction on the CPU for one slice of each size.
#   bench/few-slices.sh                 BUILDS="build /tmp/old-build" ...
#   SIZES="1024x1024 2048x1800" SLICES="1 16 64" METHODS="fbp fourier"
set -eu
cd "$(dirname "$0")/.."
builds=${BUILDS:-${BUILD:-build}}
sizes=${SIZES:-1024x1024 2048x1800}
slices=${SLICES:-1 64}
methods=${METHODS:-fbp fourier}
reps=${REPEATS:-3}
tools=${TOOLS:-fbp flat phase}
tmp=$(mktemp -d "${TMPDIR:-/dev/shm}/few-slices.XXXXXX"); trap 'rm -rf "$tmp"' EXIT
maxs=$(printf '%s\n' $slices | sort -n | tail -1)

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# run NAME N CMD...: REPEATS runs of CMD; prints NAME, wall and CPU seconds
# per unit (N units) as medians.
run() {
	local name=$1 n=$2; shift 2
	: > "$tmp/w"; : > "$tmp/c"
	for _ in $(seq "$reps"); do
		rm -f "$tmp/out".*
		/usr/bin/time -f "%e %U %S" -o "$tmp/t" "$@" > /dev/null
		awk -v n="$n" '{ print $1 / n }' "$tmp/t" >> "$tmp/w"
		awk -v n="$n" '{ print ($2 + $3) / n }' "$tmp/t" >> "$tmp/c"
	done
	printf '%-58s %10.4f %10.4f\n' "$name" "$(median < "$tmp/w")" "$(median < "$tmp/c")"
}

echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(uname -n): $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "# CPU flags: $(grep -m1 -o -w 'avx512f\|avx2' /proc/cpuinfo | sort -u | tr '\n' ' ')load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# builds: $builds; medians of $reps runs"
printf '%-58s %10s %10s\n' "what" "s/slice" "CPU-s/sl."
b0=$(printf '%s\n' $builds | head -1)
for size in $sizes; do
	cols=${size%x*} angles=${size#*x}
	"$b0/bin/tomo-phantom" -q --size "$cols" --rows "$maxs" --angles "$angles" -o "$tmp/p.nrrd"
	case " $tools " in *" flat "*)
		"$b0/bin/tomo-phantom" -q --size "$cols" --rows "$maxs" --angles "$angles" \
			--flats 10 --darks 10 -o "$tmp/scan.h5" ;;
	esac
	case " $tools " in *" phase "*)
		for s in $slices; do
			"$b0/bin/tomo-flat" -q "$tmp/scan.h5" --rows "0:$s" -o "$tmp/t$s.nrrd"
		done ;;
	esac
	for b in $builds; do
		case " $tools " in *" fbp "*)
			for m in $methods; do
				for s in $slices; do
					run "$b tomo-fbp $m ${cols}x${angles} $s slices" "$s" \
						"$b/bin/tomo-fbp" --method "$m" --slices "0:$s" "$tmp/p.nrrd" \
						-o "$tmp/out.nrrd"
				done
			done ;;
		esac
		case " $tools " in *" flat "*)
			for s in $slices; do
				run "$b tomo-flat ${cols}x${angles} $s rows" "$s" \
					"$b/bin/tomo-flat" --rows "0:$s" "$tmp/scan.h5" -o "$tmp/out.nrrd"
			done ;;
		esac
		case " $tools " in *" phase "*)
			for s in $slices; do
				run "$b tomo-phase ${cols}x${angles} $s rows" "$s" \
					"$b/bin/tomo-phase" --energy 25 --distance 0.3 --pixel-size 6.5e-6 \
					--delta-beta 200 "$tmp/t$s.nrrd" -o "$tmp/out.nrrd"
			done ;;
		esac
	done
	if [ -n "${ALGOTOM:-}" ]; then
		"$ALGOTOM" - "$tmp/p.nrrd" "$cols" "$reps" <<'PY'
import sys, time
import numpy as np
import algotom.rec.reconstruction as rec
path, cols, reps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open(path, 'rb') as f:
    head = f.read(65536)
    off = head.index(b'\n\n') + 2
    sizes = [int(v) for v in head.split(b'sizes: ')[1].split(b'\n')[0].split()]
p = np.memmap(path, np.float32, 'r', off, (sizes[2], sizes[1], sizes[0]))
sino = np.ascontiguousarray(p[:, 0, :])
ang = np.deg2rad(np.arange(sizes[2]) * 180.0 / sizes[2])
rec.fbp_reconstruction(sino, cols / 2, angles=ang, apply_log=False, gpu=False)  # compile
t = []
for _ in range(reps):
    t0 = time.perf_counter()
    rec.fbp_reconstruction(sino, cols / 2, angles=ang, apply_log=False, gpu=False)
    t.append(time.perf_counter() - t0)
print('%-58s %10.4f %10s' % ('algotom fbp_reconstruction (CPU) %dx%d 1 slice' % (cols, sizes[2]),
                             sorted(t)[len(t) // 2], '-'))
PY
	fi
done
