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
