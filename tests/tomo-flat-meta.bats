#!/usr/bin/env bats
# tomo-flat carries the beamline parameters a scan file records (energy,
# sample-detector distance, pixel size at the sample) into the stream's
# tomo_energy, tomo_distance and tomo_pixel_size: DXchange and NXtomo
# files written here with h5py, with and without units, every unit
# spelling, both pixel-size routes, --bin; what is refused and why; and
# tomo-phase reading them in place of its options. The expected values are
# worked out by hand from the numbers written.

load helpers

setup() {
	T=$BATS_TEST_TMPDIR
}

# A small simulated scan (DXchange; NXtomo with --nexus).
scan() {
	tomo-phantom --size 32 --rows 6 --angles 12 --flats 4 --darks 2 --photons 5000 "$@"
}

# Add fields to an HDF5 file: put FILE PATH=VALUE[@UNITS] ... A VALUE in
# quotes is stored as a string; VALUE may be a Python list; @@ before the
# units stores them in a "unit" attribute (ESRF's nxtomo) instead of "units".
put() {
	"$PY" - "$@" <<'EOF'
import sys, ast, h5py
with h5py.File(sys.argv[1], 'a') as f:
    for spec in sys.argv[2:]:
        path, _, value = spec.partition('=')
        value, at, units = value.partition('@')
        attr = 'units'
        if units.startswith('@'):
            attr, units = 'unit', units[1:]
        v = ast.literal_eval(value)
        if path in f:
            del f[path]
        d = f.create_dataset(path, data=v)
        if at:
            d.attrs[attr] = units
EOF
}

# The three keys of tomo-flat's output as "energy distance pixel_size"
# ("-" for an absent key), with ARGS given to tomo-flat.
keys() {
	tomo-flat "$@" 2>/dev/null | tomo-info --json | "$PY" -c "
import json, sys
j = json.load(sys.stdin)
print(' '.join('-' if j.get(k) is None else repr(j[k]) for k in ('energy', 'distance', 'pixel_size')))"
}

# Values equal to 12 significant digits: near A B.
near() {
	"$PY" -c "
import sys
a, b = sys.argv[1].split(), sys.argv[2].split()
ok = len(a) == len(b) and all(x == y if '-' in (x, y) else
     abs(float(x) - float(y)) <= 1e-12 * abs(float(y)) for x, y in zip(a, b))
sys.exit(0 if ok else 1)" "$1" "$2" || fail "got '$1', expected '$2'"
}

DX=/measurement/instrument

@test "DXchange with units: energy, setup/z in mm, the effective pixel (resolution) preferred to pixel / magnification" {
	scan -o "$T/dx.h5"
	put "$T/dx.h5" "$DX/monochromator/energy=[25.0]@keV" \
		"$DX/detector_motor_stack/setup/z=[300.0]@mm" \
		"$DX/detection_system/objective/resolution=[1.3]@µm" \
		"$DX/detector/pixel_size=[6.5]@μm" \
		"$DX/detection_system/objective/magnification='4x'"
	run keys "$T/dx.h5"
	assert_success
	# 1.3 um, not 6.5 um / 4 = 1.625 um.
	near "$output" "25 0.3 1.3e-06"
	# Binning doubles the pixel, nothing else.
	run keys --bin 2 "$T/dx.h5"
	near "$output" "25 0.3 2.6e-06"
	run keys --bin 3 --crop 2:30 "$T/dx.h5"
	near "$output" "25 0.3 3.9e-06"
	# -v says where each came from.
	run tomo-flat -v "$T/dx.h5" -o "$T/o.nrrd"
	assert_success
	assert_output --partial "tomo_energy 25 keV from '$DX/monochromator/energy' = 25 keV"
	assert_output --partial "tomo_distance 0.3 m from '$DX/detector_motor_stack/setup/z' = 300 mm"
	assert_output --partial "tomo_pixel_size 1.3e-06 m from '$DX/detection_system/objective/resolution' = 1.3 µm"
	refute_output --partial "warning"
}

@test "DXchange: the detector pixel divided by the magnification when no effective size is recorded" {
	scan -o "$T/dx.h5"
	# APS 2-BM's names: pixel_size in um, magnification a string "5x".
	put "$T/dx.h5" "$DX/detector/pixel_size=[6.5]@um" \
		"$DX/detection_system/objective/magnification='5x'"
	run keys "$T/dx.h5"
	near "$output" "- - 1.3e-06"
	# DXfile's pixel_size_x (metres without units) comes first; a numeric
	# magnification.
	put "$T/dx.h5" "$DX/detector/pixel_size_x=6.5e-6" \
		"$DX/detection_system/objective/magnification=10.0"
	run keys --bin 2 "$T/dx.h5"
	near "$output" "- - 1.3e-06"
	# No magnification: the detector's pixel is not the pixel at the
	# sample, so nothing is written, and -v says why.
	"$PY" -c "import h5py; del h5py.File('$T/dx.h5', 'a')['$DX/detection_system']"
	run keys "$T/dx.h5"
	near "$output" "- - -"
	run tomo-flat -v "$T/dx.h5" -o "$T/o.nrrd"
	assert_success
	assert_output --partial "is the detector's pixel, and '$T/dx.h5' has no magnification"
}

@test "DXchange without units: keV, mm for distances, um for resolution, m for pixel_size_x (documented)" {
	scan -o "$T/dx.h5"
	put "$T/dx.h5" "$DX/monochromator/energy=30.0" \
		"$DX/detector_motor_stack/setup/z=250" \
		"$DX/detection_system/objective/resolution=0.65"
	run keys "$T/dx.h5"
	near "$output" "30 0.25 6.5e-07"
	run tomo-flat -v "$T/dx.h5" -o "$T/o.nrrd"
	assert_output --partial "= 30 (no units: keV assumed)"
	assert_output --partial "= 250 (no units: mm assumed)"
	assert_output --partial "= 0.65 (no units: um assumed)"
	# The other distance names, when setup/z is absent.
	"$PY" -c "import h5py; del h5py.File('$T/dx.h5', 'a')['$DX/detector_motor_stack']"
	put "$T/dx.h5" "$DX/sample_motor_stack/detector_distance=[120.0]"
	run keys "$T/dx.h5"
	near "$output" "30 0.12 6.5e-07"
	put "$T/dx.h5" "$DX/detector/distance=0.5@m"
	run keys "$T/dx.h5"
	near "$output" "30 0.5 6.5e-07"
}

@test "units: every spelling converts (eV, MeV, J; m, cm, mm, um, µm, μm, micron(s), nm; strings with units)" {
	scan -o "$T/dx.h5"
	while IFS='|' read -r e d p want; do
		put "$T/dx.h5" "$DX/monochromator/energy=$e" "$DX/detector_motor_stack/setup/z=$d" \
			"$DX/detection_system/objective/resolution=$p"
		run keys "$T/dx.h5"
		assert_success
		near "$output" "$want"
	done <<'EOF'
25000@eV|0.3@m|1300@nm|25 0.3 1.3e-06
25000.0@EV|30@cm|1.3@micron|25 0.3 1.3e-06
0.025@MeV|300@millimetres|1.3@microns|25 0.3 1.3e-06
4.00544158500e-15@J|0.3@metre|0.0013@mm|25 0.3 1.3e-06
[25,25,25]@keV|0.3@meters|1.3@micrometre|25 0.3 1.3e-06
'25.0 keV'|'300 mm'|'1.3 um'|25 0.3 1.3e-06
'25'|'0.3 m'|1.3e-6@m|25 0.3 1.3e-06
EOF
}

@test "refused, never guessed: non-positive and implausible values and unknown units warn; unreadable ones are -v notes" {
	scan -o "$T/dx.h5"
	put "$T/dx.h5" "$DX/monochromator/energy=-25.0@keV" \
		"$DX/detector_motor_stack/setup/z=0.0@mm" \
		"$DX/detection_system/objective/resolution=6.5@furlongs"
	run --separate-stderr tomo-flat "$T/dx.h5" -o "$T/o.nrrd"
	assert_success
	[[ "$stderr" == *"warning: tomo_energy: ignored '$DX/monochromator/energy' = -25 keV in '$T/dx.h5': not positive"* ]] || fail "$stderr"
	[[ "$stderr" == *"warning: tomo_distance: ignored '$DX/detector_motor_stack/setup/z' = 0 mm"*"not positive"* ]] || fail "$stderr"
	[[ "$stderr" == *"warning: tomo_pixel_size: '$DX/detection_system/objective/resolution' in '$T/dx.h5' ignored: units 'furlongs' are not a length"* ]] || fail "$stderr"
	run keys "$T/dx.h5"
	near "$output" "- - -"
	# An energy in eV without units, a pixel in um read as metres: out of
	# range, refused with a warning naming the likely mistake.
	put "$T/dx.h5" "$DX/monochromator/energy=25000.0" \
		"$DX/detector_motor_stack/setup/z=300.0" \
		"$DX/detection_system/objective/resolution=1.3@m"
	run --separate-stderr tomo-flat "$T/dx.h5" -o "$T/o.nrrd"
	assert_success
	[[ "$stderr" == *"tomo_energy: ignored '$DX/monochromator/energy' = 25000 (no units: keV assumed)"*"25000 keV is outside 0.1..1000 keV (a unit mistake?)"* ]] || fail "$stderr"
	[[ "$stderr" == *"tomo_pixel_size: ignored"*"1.3 m is outside 1e-09..0.01 m"* ]] || fail "$stderr"
	run keys "$T/dx.h5"
	near "$output" "- 0.3 -"
	# Not a number, values that differ, a group: -v notes, no warning.
	put "$T/dx.h5" "$DX/monochromator/energy='twenty'" \
		"$DX/detector_motor_stack/setup/z=[300.0,310.0]@mm"
	"$PY" -c "
import h5py
f = h5py.File('$T/dx.h5', 'a')
del f['$DX/detection_system/objective/resolution']
f.create_group('$DX/detection_system/objective/resolution')"
	run --separate-stderr tomo-flat -v "$T/dx.h5" -o "$T/o.nrrd"
	assert_success
	[[ "$stderr" != *warning* ]] || fail "$stderr"
	[[ "$stderr" == *"tomo_energy: '$DX/monochromator/energy' in '$T/dx.h5' not used: 'twenty' is not a number"* ]] || fail "$stderr"
	[[ "$stderr" == *"not used: its 2 values differ (300 at 0, 310 at 1)"* ]] || fail "$stderr"
	[[ "$stderr" == *"resolution' in '$T/dx.h5' not used: it is not a dataset"* ]] || fail "$stderr"
	run keys "$T/dx.h5"
	near "$output" "- - -"
}

@test "NXtomo: detector x_pixel_size and distance, energy of NXbeam; ESRF's unit attribute; sample/x_pixel_size first" {
	scan --nexus -o "$T/nx.nxs"
	put "$T/nx.nxs" "/entry/instrument/detector/x_pixel_size=6.5@um" \
		"/entry/instrument/detector/distance=300.0@mm" \
		"/entry/instrument/beam/incident_energy=19.0@@keV" \
		"/entry/instrument/source/energy=6.0@GeV"
	run keys "$T/nx.nxs"
	assert_success
	# The ring's 6 GeV (NXsource) is not the X-rays' energy.
	near "$output" "19 0.3 6.5e-06"
	run keys --bin 2 "$T/nx.nxs"
	near "$output" "19 0.3 1.3e-05"
	# ESRF's sample-plane pixel wins; NXtomo lengths without units are
	# metres; the older ESRF place of the energy; NXmonochromator's in eV.
	put "$T/nx.nxs" "/entry/sample/x_pixel_size=1.3e-6" "/entry/instrument/detector/distance=0.25"
	"$PY" -c "import h5py; del h5py.File('$T/nx.nxs', 'a')['/entry/instrument/beam']"
	put "$T/nx.nxs" "/entry/beam/incident_energy=17.5@keV"
	run keys "$T/nx.nxs"
	near "$output" "17.5 0.25 1.3e-06"
	"$PY" -c "import h5py; del h5py.File('$T/nx.nxs', 'a')['/entry/beam']"
	put "$T/nx.nxs" "/entry/instrument/monochromator/energy=[12000.0]@eV"
	run keys "$T/nx.nxs"
	near "$output" "12 0.25 1.3e-06"
	run tomo-flat -v "$T/nx.nxs" -o "$T/o.nrrd"
	assert_output --partial "tomo_pixel_size 1.3e-06 m from '/entry/sample/x_pixel_size' = 1.3e-06 (no units: m assumed)"
}

@test "the projections' own tomo_* attributes win over the instrument's fields" {
	scan -o "$T/dx.h5"
	put "$T/dx.h5" "$DX/monochromator/energy=25.0@keV" "$DX/detector_motor_stack/setup/z=300.0@mm"
	"$PY" -c "import h5py; h5py.File('$T/dx.h5', 'a')['/exchange/data'].attrs['tomo_energy'] = 30.0"
	run keys "$T/dx.h5"
	near "$output" "30 0.3 -"
	run tomo-flat -v "$T/dx.h5" -o "$T/o.nrrd"
	assert_output --partial "tomo_energy 30 of the projections' attributes kept, not the instrument's 25"
}

@test "tomo-flat | tomo-phase: the file's parameters, as if given as options; options still win" {
	scan -o "$T/dx.h5"
	put "$T/dx.h5" "$DX/monochromator/energy=25.0@keV" \
		"$DX/detector_motor_stack/setup/z=500.0@mm" \
		"$DX/detection_system/objective/resolution=1.0@um"
	tomo-flat "$T/dx.h5" -o "$T/flat.nrrd"
	run sh -c "tomo-flat '$T/dx.h5' | tomo-phase --device cpu --delta-beta 100 -o '$T/a.nrrd'"
	assert_success
	# The same as the three options given on a stream without them.
	tomo-flat "$T/dx.h5" -o "$T/flat.nrrd"
	tomo-phase --device cpu --delta-beta 100 --energy 25 --distance 0.5 --pixel-size 1e-6 \
		"$T/flat.nrrd" -o "$T/b.nrrd"
	pyc "
a, ka = nrrd('$T/a.nrrd'); b, kb = nrrd('$T/b.nrrd'); f, _ = nrrd('$T/flat.nrrd')
assert np.array_equal(a, b)
assert not np.allclose(a, -np.log(f), rtol=1e-3)  # the filter did something
assert float(ka['tomo_energy']) == 25 and float(ka['tomo_distance']) == 0.5, ka
assert float(ka['tomo_pixel_size']) == 1e-6, ka"
	# An option overrides the stream's key.
	run sh -c "tomo-flat '$T/dx.h5' | tomo-phase --device cpu --delta-beta 100 --energy 40 -o '$T/c.nrrd'"
	assert_success
	tomo-phase --device cpu --delta-beta 100 --energy 40 --distance 0.5 --pixel-size 1e-6 \
		"$T/flat.nrrd" -o "$T/d.nrrd"
	pyc "
c, kc = nrrd('$T/c.nrrd'); d, _ = nrrd('$T/d.nrrd'); a, _ = nrrd('$T/a.nrrd')
assert np.array_equal(c, d) and not np.array_equal(c, a)
assert float(kc['tomo_energy']) == 40, kc"
}

@test "tomo-flat | tomo-phase without the fields: exit 2 naming the three options" {
	scan -o "$T/dx.h5"
	run sh -c "tomo-flat '$T/dx.h5' | tomo-phase --delta-beta 100 -o '$T/a.nrrd'"
	assert_failure 2
	assert_output --partial "tomo-phase: error: --energy KEV is required: the input has no tomo_energy"
	assert_output --partial "--distance M is required: the input has no tomo_distance"
	assert_output --partial "--pixel-size M is required: the input has no tomo_pixel_size"
	assert_file_not_exists "$T/a.nrrd"
	# Only the missing one is named.
	put "$T/dx.h5" "$DX/monochromator/energy=25.0@keV" "$DX/detector/distance=0.3@m"
	run sh -c "tomo-flat '$T/dx.h5' | tomo-phase --delta-beta 100 -o '$T/a.nrrd'"
	assert_failure 2
	assert_output --partial "--pixel-size M is required"
	refute_output --partial "--energy"
	refute_output --partial "--distance"
}

@test "real scans of ../shared/data record none of the three: keys absent, -v says where it looked" {
	need_shared tomopy-tooth/tooth.h5
	need_shared httomo-diad-k11-18014/k11-18014.nxs
	run keys "$SHARED_DATA/tomopy-tooth/tooth.h5"
	assert_success
	near "$output" "- - -"
	run tomo-flat -v "$SHARED_DATA/tomopy-tooth/tooth.h5" -o "$T/o.nrrd"
	assert_output --partial "tomo_energy: none usable in '$SHARED_DATA/tomopy-tooth/tooth.h5' (looked at '$DX/monochromator/energy')"
	run keys "$SHARED_DATA/httomo-diad-k11-18014/k11-18014.nxs"
	assert_success
	near "$output" "- - -"
	run tomo-flat -v "$SHARED_DATA/httomo-diad-k11-18014/k11-18014.nxs" -o "$T/o.nrrd"
	assert_output --partial "tomo_energy: none usable in"
	assert_output --partial "'/entry/instrument/beam/incident_energy'"
	run sh -c "tomo-flat '$SHARED_DATA/tomopy-tooth/tooth.h5' | tomo-phase --delta-beta 100 -o '$T/a.nrrd'"
	assert_failure 2
	assert_output --partial "--energy KEV is required"
}
