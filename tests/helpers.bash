# Shared set-up for the Bats tests: the tools under test first on PATH, the
# bats-support/assert/file libraries, Debian's python3 (with numpy) as $PY,
# and helpers for GPU cases and the shared reference data.

# run --separate-stderr and other run flags need Bats 1.5 (Debian 12 has 1.8.2).
bats_require_minimum_version 1.5.0

TOMO_ROOT=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
BUILD_DIR=$TOMO_ROOT/${BUILD:-build}
export PATH="$BUILD_DIR/bin:$PATH"
# Debian's interpreter: python3-numpy, -h5py, -skimage, -pil live there.
PY=${TOMO_PYTHON:-/usr/bin/python3}
SHARED_DATA=${TOMO_SHARED_DATA:-$TOMO_ROOT/../shared/data}

load_libs() {
	local d
	for d in /usr/lib/bats /usr/lib/bats-core /usr/local/lib/bats /opt/deps/usr/lib/bats; do
		if [ -d "$d/bats-support" ]; then
			load "$d/bats-support/load"
			load "$d/bats-assert/load"
			[ -d "$d/bats-file" ] && load "$d/bats-file/load"
			return
		fi
	done
}
load_libs

# Run "$@" on the GPU; skip the test when no GPU is usable (exit 3), unless
# TOMO_REQUIRE_GPU=1 (make check-gpu), where exit 3 fails the test.
run_gpu() {
	run "$@" --device gpu
	if [ "$status" -eq 3 ] && [ "${TOMO_REQUIRE_GPU:-0}" != 1 ]; then
		skip "no usable GPU: ${output##*: }"
	fi
}

# run "$@" with standard input from a slow producer: FILE after 5 s, as
# upstream tools at work would send it. Sets status, output and elapsed_ms
# (the command's own time; the producer is left to end by itself).
run_slow_input() { # FILE CMD...
	local file=$1 t0=${EPOCHREALTIME/./}
	shift
	run "$@" < <(exec 3>&- 2>/dev/null; sleep 5; cat "$file")
	elapsed_ms=$(((${EPOCHREALTIME/./} - t0) / 1000))
}

# Skip when ../shared/data (third-party reference data) is absent.
need_shared() {
	local d=$SHARED_DATA/${1:-}
	[ -e "$d" ] || skip "shared data not present: $d"
}

# Evaluate a Python snippet with numpy imported as np and helpers:
#   nrrd(path) -> (array [z][y][x] float32, dict of key/values)
pyc() {
	"$PY" -c "
import sys, numpy as np
sys.path.insert(0, '$TOMO_ROOT/tests')
from tomo_py import *
$1" "${@:2}"
}

# A tool must print exactly one diagnostic line that starts "NAME: error:".
assert_one_error_line() {
	local name=$1
	local n
	n=$(printf '%s\n' "$output" | grep -c "^$name: error:" || true)
	[ "$n" -ge 1 ] || fail "expected '$name: error:' in: $output"
	[ "$(printf '%s\n' "$output" | grep -cv '^Try ')" -eq 1 ] || \
		fail "expected one line of diagnostics, got: $output"
}

# Lines "INPUT EXPECTED..." on stdin: tomo-info --stats INPUT must exit 1
# with one error line naming INPUT (its file, before any ":/dataset") and
# holding EXPECTED.
assert_inputs_refused() {
	local input expect
	while read -r input expect; do
		run tomo-info --stats "$input"
		[ "$status" -eq 1 ] || fail "$input: exit $status: $output"
		assert_one_error_line tomo-info
		assert_output --partial "${input%%:*}"
		assert_output --partial "$expect"
	done
}

# a <= b for decimal numbers
assert_le() {
	awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 <= b + 0) }' ||
		fail "${3:-value} $1 is above $2"
}

# Relative L2 difference of two NRRD files (second is the reference).
rel_diff() {
	pyc "print('%.3g' % rel_l2(nrrd('$1')[0], nrrd('$2')[0]))"
}

# tomo-fbp with ARGS on the CPU and on the GPU (run_gpu: skipped without
# one), outputs NAME.cpu.nrrd / NAME.gpu.nrrd in $D, relative L2 <= TOL.
# An INPUT of the form "<FILE" pipes FILE into each run, each its own copy.
fbp_gpu_vs_cpu() { # TOL NAME INPUT ARGS...
	local tol=$1 name=$2 input=$3 d
	shift 3
	local piped='f=$1 o=$2; shift 2; exec tomo-fbp "$@" -o "$o" < "$f"'
	if [ "${input#<}" != "$input" ]; then
		run sh -c "$piped" _ "${input#<}" "$D/$name.cpu.nrrd" "$@" --device cpu
		assert_success
		run_gpu sh -c "$piped" _ "${input#<}" "$D/$name.gpu.nrrd" "$@"
	else
		run tomo-fbp --device cpu "$input" "$@" -o "$D/$name.cpu.nrrd"
		assert_success
		run_gpu tomo-fbp "$input" "$@" -o "$D/$name.gpu.nrrd"
	fi
	assert_success
	d=$(rel_diff "$D/$name.gpu.nrrd" "$D/$name.cpu.nrrd")
	echo "$name: $d"
	assert_le "$d" "$tol" "CPU-GPU difference"
}
