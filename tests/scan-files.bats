#!/usr/bin/env bats
# HDF5 files named without a dataset, read the same way by every tool (one
# choice, tomo_hdf5_pick): a DXchange or NXtomo scan's projections, described
# by tomo-info and refused as raw counts by the tools that need corrected
# data; else the file's one dataset (or the one tomo wrote). Real data from
# ../shared/data where present, and scans simulated by tomo-phantom.

load helpers

setup() {
	T=$BATS_TEST_TMPDIR
	NXS=$SHARED_DATA/httomo-diad-k11-18014/k11-18014.nxs
	TOOTH=$SHARED_DATA/tomopy-tooth/tooth.h5
}

# The one error line that sends a raw scan to tomo-flat.
assert_raw_scan_refused() { # TOOL FILE WHAT
	assert_failure 1
	assert_one_error_line "$1"
	assert_output "$1: error: $2 is a raw scan (detector counts with $3); run tomo-flat first: tomo-flat $2 | $1 ..."
}

@test "shared data: tomo-info describes the DIAD NXtomo file: stack, projections, flats, darks, angles" {
	need_shared httomo-diad-k11-18014/k11-18014.nxs
	run tomo-info "$NXS"
	assert_success
	assert_output --partial "sizes:       26 x 22 x 3201 (column, row, angle)"
	assert_output --partial "quantity:    counts"
	assert_output --partial "scan:        NXtomo, 3001 projections, 100 flats, 100 darks in '/entry/instrument/imaging/data'"
	assert_output --partial "flats before the projections: 50 frames (0..49)"
	assert_output --partial "flats after the projections: 50 frames (3101..3150)"
	assert_output --partial "angles:      3001, 89.9951 to 269.995 degrees, unevenly spaced"
	run tomo-info --json "$NXS"
	assert_success
	"$PY" - "$NXS" "$output" <<'EOF'
import h5py, json, sys, numpy as np
j = json.loads(sys.argv[2])
s = j["scan"]
assert s["layout"] == "NXtomo" and s["dataset"] == "/entry/instrument/imaging/data", s
assert (s["frames"], s["projections"], s["flats"], s["darks"]) == (3201, 3001, 100, 100), s
assert s["flat_groups"] == [50, 50] and s["raw"] is True, s
assert j["sizes"] == [26, 22, 3201] and j["type"] == "uint16" and j["quantity"] == "counts", j
theta = h5py.File(sys.argv[1])["/entry/imaging_sum/gts_theta_value"][100:3101]
assert np.array_equal(np.array(j["angles"]), theta), "angles"
EOF
}

@test "shared data: tomo-fbp and tomo-phase refuse the raw DIAD and tooth scans, naming tomo-flat" {
	need_shared httomo-diad-k11-18014/k11-18014.nxs
	need_shared tomopy-tooth/tooth.h5
	for f in "$NXS" "$TOOTH"; do
		run tomo-fbp "$f" -o "$T/v.nrrd"
		assert_raw_scan_refused tomo-fbp "$f" "flat and dark fields"
		run tomo-phase --delta-beta 100 --energy 20 --distance 0.1 --pixel-size 1e-6 "$f" \
			-o "$T/p.nrrd"
		assert_raw_scan_refused tomo-phase "$f" "flat and dark fields"
		assert_file_not_exist "$T/v.nrrd"
		assert_file_not_exist "$T/p.nrrd"
	done
	# The way out the message gives works.
	run sh -c 'tomo-flat "$1" | tomo-fbp --slices 10:11 -o "$2"' _ "$NXS" "$T/v.nrrd"
	assert_success
	run tomo-info "$T/v.nrrd"
	assert_output --partial "sizes:       26 x 26 x 1"
}

@test "shared data: tomo-info describes tooth.h5 as a DXchange scan: projections, flats, darks, angles" {
	need_shared tomopy-tooth/tooth.h5
	run tomo-info --json "$TOOTH"
	assert_success
	"$PY" - "$TOOTH" "$output" <<'EOF'
import h5py, json, sys, numpy as np
j = json.loads(sys.argv[2])
f = h5py.File(sys.argv[1])
s = j["scan"]
assert s["layout"] == "DXchange" and s["dataset"] == "/exchange/data", s
assert s["projections"] == 181 == f["/exchange/data"].shape[0], s
assert s["flats"] == f["/exchange/data_white"].shape[0], s
assert s["darks"] == f["/exchange/data_dark"].shape[0], s
assert np.allclose(j["angles"], f["/exchange/theta"][...], rtol=0, atol=1e-12), "angles"
EOF
}

@test "simulated scans: every tool reads DXchange and NXtomo the same way (info, fbp, phase, flat)" {
	tomo-phantom --size 24 --rows 4 --angles 12 --flats 3 --darks 2 -o "$T/dx.h5"
	tomo-phantom --size 24 --rows 4 --angles 12 --flats 3 --darks 2 --nexus -o "$T/nx.nxs"
	tomo-phantom --size 24 --rows 4 --angles 12 --flats 3 --darks 0 --nexus -o "$T/nodark.nxs"
	run tomo-info "$T/dx.h5"
	assert_success
	assert_output --partial "scan:        DXchange, 12 projections, 3 flats, 2 darks in '/exchange/data'"
	run tomo-info "$T/nx.nxs"
	assert_success
	assert_output --partial "scan:        NXtomo, 12 projections, 3 flats, 2 darks in '/entry/data/data'"
	assert_output --partial "flats after the projections: 1 frame (16..16)"
	assert_output --partial "angles:      12, 0 to 165 degrees, evenly spaced by 15"
	# A scan's stack named in the path is the same scan.
	run tomo-info "$T/nx.nxs:/entry/data/data"
	assert_success
	assert_output --partial "scan:        NXtomo, 12 projections, 3 flats, 2 darks"
	tomo-flat "$T/nx.nxs" -o "$T/a.nrrd"
	tomo-flat "$T/nx.nxs:/entry/data/data" -o "$T/b.nrrd"
	cmp "$T/a.nrrd" "$T/b.nrrd"
	for f in dx.h5 nx.nxs nx.nxs:/entry/data/data; do
		run tomo-fbp "$T/$f"
		assert_raw_scan_refused tomo-fbp "$T/$f" "flat and dark fields"
		run tomo-phase --delta-beta 10 --energy 20 --distance 0.1 --pixel-size 1e-6 "$T/$f"
		assert_raw_scan_refused tomo-phase "$T/$f" "flat and dark fields"
	done
	run tomo-fbp "$T/nodark.nxs"
	assert_raw_scan_refused tomo-fbp "$T/nodark.nxs" "flat fields"
	# tomo-flat's output reconstructs; a DXchange file of corrected
	# projections (no flats, no darks) is read directly.
	tomo-flat --log "$T/dx.h5" | tomo-fbp -o "$T/v1.nrrd"
	tomo-flat --log "$T/dx.h5" -o "$T/lines.h5:/exchange/data"
	run tomo-info "$T/lines.h5"
	assert_output --partial "scan:        DXchange, 12 projections, 0 flats, 0 darks in '/exchange/data'"
	assert_output --partial "quantity:    line-integral"
	tomo-fbp "$T/lines.h5" -o "$T/v2.nrrd"
	cmp "$T/v1.nrrd" "$T/v2.nrrd"
}

@test "an HDF5 file tomo wrote at another dataset is read without the dataset path" {
	tomo-phantom --size 16 --rows 3 --angles 10 -o "$T/p.h5:/proj"
	run tomo-info "$T/p.h5"
	assert_success
	assert_output --partial "sizes:       16 x 3 x 10"
	assert_output --partial "quantity:    line-integral"
	refute_output --partial "scan:"
	tomo-fbp "$T/p.h5" -o "$T/a.nrrd"
	tomo-fbp "$T/p.h5:/proj" -o "$T/b.nrrd"
	cmp "$T/a.nrrd" "$T/b.nrrd"
	tomo-slice "$T/p.h5" -o "$T/c.nrrd"
	tomo-slice "$T/p.h5:/proj" -o "$T/d.nrrd"
	cmp "$T/c.nrrd" "$T/d.nrrd"
	# Another dataset beside it: the one with tomo's attributes is taken.
	"$PY" -c "import h5py, numpy as np; h5py.File('$T/p.h5', 'a')['/mask'] = np.ones((3, 16), np.uint8)"
	tomo-fbp "$T/p.h5" -o "$T/e.nrrd"
	cmp "$T/a.nrrd" "$T/e.nrrd"
	# Two datasets neither of which says more: the error lists them.
	"$PY" -c "
import h5py, numpy as np
with h5py.File('$T/two.h5', 'w') as f:
    f['/a'] = np.zeros((2, 3), np.float32)
    f['/g/b'] = np.zeros((4, 2, 3), np.float32)
    f['/angles'] = np.zeros(4)"
	run tomo-info "$T/two.h5"
	assert_failure 1
	assert_one_error_line tomo-info
	assert_output --partial "/a (2x3), /g/b (4x2x3)"
	assert_output --partial "$T/two.h5:/PATH"
}

@test "shared data: the tooth's projections copied to a file of one dataset are read without its path" {
	need_shared tomopy-tooth/tooth.h5
	"$PY" - "$TOOTH" "$T/one.h5" <<'EOF'
import h5py, sys
with h5py.File(sys.argv[2], "w") as f:
    f["/measurement/tooth"] = h5py.File(sys.argv[1])["/exchange/data"][...]
    f["/measurement/theta"] = h5py.File(sys.argv[1])["/exchange/theta"][...]
EOF
	run tomo-info --stats --json "$T/one.h5" "$T/one.h5:/measurement/tooth"
	assert_success
	[ "$(sed -n 1p <<<"$output" | sed 's/"file": "[^"]*"//')" = \
	  "$(sed -n 2p <<<"$output" | sed 's/"file": "[^"]*"//')" ] || fail "$output"
	[[ $output == *'"sizes": [640, 2, 181]'* ]] || fail "$output"
}
