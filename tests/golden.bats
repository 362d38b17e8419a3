#!/usr/bin/env bats
# Refactoring changes no output: every case of tests/golden/cases.sh run
# with this build and with the build of the commit in tests/golden/BASE
# (made by tests/golden/base-build, CUDA=0, on the CPU path) gives the same
# files, bit for bit (HDF5 files as h5dump prints them). When a change
# means to alter numbers, say so in its commit and move BASE to it.

setup_file() {
	load helpers
	export GOLDEN_BASE_BIN=
	if GOLDEN_BASE_BIN=$("$TOMO_ROOT/tests/golden/base-build" 2> "$BATS_FILE_TMPDIR/why"); then
		mkdir -p "$BATS_FILE_TMPDIR/base" "$BATS_FILE_TMPDIR/new"
		"$TOMO_ROOT/tests/golden/cases.sh" "$GOLDEN_BASE_BIN" "$BATS_FILE_TMPDIR/base" \
			> "$BATS_FILE_TMPDIR/base.log" 2>&1
		"$TOMO_ROOT/tests/golden/cases.sh" "$BUILD_DIR/bin" "$BATS_FILE_TMPDIR/new" \
			> "$BATS_FILE_TMPDIR/new.log" 2>&1
	fi
}

setup() {
	load helpers
	F=$BATS_FILE_TMPDIR
	[ -n "$GOLDEN_BASE_BIN" ] || skip "no base build: $(cat "$F/why")"
}

@test "golden: the base build and this one ran every case" {
	run cat "$F/base.log" "$F/new.log"
	assert_output ""
	[ "$(ls "$F/base" | wc -l)" -ge 50 ]
	diff <(cd "$F/base" && ls) <(cd "$F/new" && ls)
}

@test "golden: every output file is the base build's, bit for bit" {
	local differ=()
	for f in "$F/base"/*; do
		b=${f##*/}
		case $b in
		*.h5 | *.nxs)
			cmp -s <(h5dump "$f" 2>&1 | tail -n +2) <(h5dump "$F/new/$b" 2>&1 | tail -n +2) ||
				differ+=("$b") ;;
		*) cmp -s "$f" "$F/new/$b" || differ+=("$b") ;;
		esac
	done
	[ ${#differ[@]} -eq 0 ] || fail "differ from the base build: ${differ[*]}"
}
