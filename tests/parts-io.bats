#!/usr/bin/env bats
# The parts of one output (tomo_output_open_region, issue 13's --part I/N):
# parts written into a .nrrd, .raw, .npy or .h5 file one after the other or
# by processes at once give the file one process writes, bit for bit; an
# existing file of another header and TIFF are refused in one line; a
# part's stream says where it lies. The writer is tests/unit/test_region.c
# run as a program (test_region whole|part|region).

load helpers

setup() {
	T=$BATS_TEST_TMPDIR
	cd "$T"
	R=$BUILD_DIR/tests/test_region
}

file_of() { printf '%s\n' "${1%%:/*}"; }

@test "parts of 1, 2, 3 and 7 along z and y, one after the other and at once, are the whole (cmp)" {
	for spec in v.nrrd v.raw v.npy v.h5:/x; do
		"$R" whole "whole-$spec"
		for axis in z y; do
			for n in 1 2 3 7; do
				out=$axis$n-$spec f=$(file_of "$axis$n-$spec")
				for ((i = n - 1; i >= 0; i--)); do "$R" part "$out" $axis $i $n; done
				cmp "$f" "$(file_of "whole-$spec")"
				rm "$f"
				pids=()
				for ((i = 0; i < n; i++)); do "$R" part "$out" $axis $i $n & pids+=($!); done
				for p in "${pids[@]}"; do wait "$p"; done
				cmp "$f" "$(file_of "whole-$spec")"
			done
		done
	done
	# No temporary file is left beside them.
	run bash -c 'ls -A | grep tmp'
	assert_output ""
	# Tools read the file the parts made.
	run tomo-info z7-v.h5
	assert_success
	assert_line --partial "9 x 5 x 6"
}

@test "a part into an existing file of other sizes fails with one line naming both (exit 1)" {
	"$R" whole big.nrrd
	tomo-phantom --size 9 --rows 5 --angles 4 -o other.nrrd
	tomo-phantom --size 9 --rows 5 --angles 4 -o other.h5:/x
	run --separate-stderr "$R" part other.nrrd z 0 2
	[ "$status" -eq 1 ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ $stderr == *"'other.nrrd' exists with another header: 'sizes: 9 5 4' where this output has 'sizes: 9 5 6'"* ]]
	run --separate-stderr "$R" part other.h5:/x y 1 2
	[ "$status" -eq 1 ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ $stderr == *"'other.h5' exists and its dataset '/x' is 4 x 5 x 9 (z, y, x), not 6 x 5 x 9"* ]]
}

@test "TIFF is not written in parts (exit 2, one line naming the formats that are)" {
	run --separate-stderr "$R" part p.tif z 0 2
	[ "$status" -eq 2 ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ $stderr == *"'p.tif': TIFF is not written in parts; parts are written into .nrrd"*".raw, .npy or .h5:/dataset" ]]
	[ ! -e p.tif ]
}

@test "a part's stream has the part's sizes and its place (tomo_region), read back by tomo_input_region" {
	"$R" part - y 1 3 > part.nrrd
	run tomo-info part.nrrd
	assert_success
	assert_line --partial "9 x 2 x 6"
	grep -a -q '^tomo_region:=0 1 0 9 5 6$' part.nrrd
	run "$R" region part.nrrd
	assert_output "0+9 1+2 0+6 of 9 5 6"
	run bash -c "'$R' part - z 2 3 | '$R' region"
	assert_output "0+9 0+5 4+2 of 9 5 6"
	# A whole file holds all of itself.
	"$R" whole w.nrrd
	run "$R" region w.nrrd
	assert_output "0+9 0+5 0+6 of 9 5 6"
}

@test "HDF5 outputs are the same bytes from run to run (no object times), contiguous" {
	tomo-phantom --size 16 --angles 12 -o a.h5:/exchange/data
	sleep 1.1
	tomo-phantom --size 16 --angles 12 -o b.h5:/exchange/data
	cmp a.h5 b.h5
	tomo-phantom --size 16 --angles 12 | tomo-fbp -o c.h5:/entry/recon/data
	sleep 1.1
	tomo-phantom --size 16 --angles 12 | tomo-fbp -o d.h5:/entry/recon/data
	cmp c.h5 d.h5
	run h5dump -p -H -d /entry/recon/data c.h5
	assert_output --partial CONTIGUOUS
}
