#!/usr/bin/env bats
# tomo-info: its text and JSON descriptions, --stats against NumPy on the
# same samples, several operands, standard input. (The NRRD reader's
# corner cases, read through tomo-info, are in stream.bats.)

load helpers

setup() {
	T=$BATS_TEST_TMPDIR
}

# Projections 7 x 6 x 10 with every tomo_* key and one carried key.
make_projections() {
	pyc "
a = np.arange(420, dtype=np.float32).reshape(10, 6, 7) / 7
write_nrrd('$1', a, {'tomo_kind': 'projections', 'tomo_quantity': 'transmission',
    'tomo_angles': ' '.join(str(2 * i) for i in range(10)),
    'tomo_pixel_size': '6.5e-06', 'tomo_energy': '25', 'tomo_distance': '0.3',
    'tomo_center': '3.5', 'beamline': '2-BM'})"
}

# Normal samples around 100 with NaN and +-Inf sprinkled in; the expected
# statistics of the finite ones, computed by NumPy in float64, go to $2.
make_stats_case() {
	pyc "
import json
rng = np.random.default_rng(7)
a = rng.normal(100, 5, (10, 64, 128)).astype(np.float32)
a[1, 2, 3] = a[9, 63, 127] = a[4, 4, 4] = np.nan
a[0, 0, 0] = np.inf
a[5, 6, 7] = -np.inf
write_nrrd('$1', a)
f = a[np.isfinite(a)].astype(np.float64)
json.dump({'min': f.min(), 'max': f.max(), 'mean': f.mean(), 'std': f.std(),
    'nan': int(np.isnan(a).sum()), 'inf': int(np.isinf(a).sum())}, open('$2', 'w'))"
}

@test "text: every field of a projection stream, in order" {
	make_projections "$T/p.nrrd"
	run tomo-info "$T/p.nrrd"
	assert_success
	assert_line -n 0 "file:        $T/p.nrrd"
	assert_line -n 1 --regexp '^format:      nrrd, float32(, memory-mapped)?$'
	assert_line -n 2 "kind:        projections"
	assert_line -n 3 "quantity:    transmission"
	assert_line -n 4 "sizes:       7 x 6 x 10 (column, row, angle)"
	assert_line -n 5 "samples:     420 (1.68e-06 GB as float32)"
	assert_line -n 6 "angles:      10, 0 to 18 degrees, evenly spaced by 2"
	assert_line -n 7 "pixel size:  6.5e-06 m"
	assert_line -n 8 "energy:      25 keV"
	assert_line -n 9 "distance:    0.3 m"
	assert_line -n 10 "center:      3.5"
	assert_line -n 11 "beamline:=2-BM"
	[ ${#lines[@]} -eq 12 ]
}

@test "text: axis names follow the kind; absent keys are left out" {
	for k in "sinograms:column, angle, row" "volume:x, y, slice" "unknown:x, y, z"; do
		local kind=${k%%:*} axes=${k#*:}
		pyc "
keys = {} if '$kind' == 'unknown' else {'tomo_kind': '$kind'}
write_nrrd('$T/k.nrrd', np.zeros((4, 3, 2), np.float32), keys)"
		run tomo-info "$T/k.nrrd"
		assert_success
		assert_line "kind:        $kind"
		assert_line "sizes:       2 x 3 x 4 ($axes)"
		refute_line --partial "angles:"
		refute_line --partial "pixel size:"
		refute_line --partial "center:"
	done
}

@test "text: unevenly spaced angles are said to be" {
	pyc "write_nrrd('$T/u.nrrd', np.zeros((3, 1, 2), np.float32),
	    {'tomo_angles': '0 1 3'})"
	run tomo-info "$T/u.nrrd"
	assert_success
	assert_line "angles:      3, 0 to 3 degrees, unevenly spaced"
}

@test "text: an aligned float32 file is memory-mapped, a pipe is not" {
	# Pad the header (with a comment) so the samples start at byte 4096.
	pyc "
a = np.ones((2, 3, 4), np.float32)
h = 'NRRD0005\ntype: float\ndimension: 3\nsizes: 4 3 2\nendian: little\nencoding: raw\n'
h += '#' + ' ' * (4096 - len(h) - 3) + '\n\n'
open('$T/m.nrrd', 'wb').write(h.encode() + a.tobytes())"
	run tomo-info "$T/m.nrrd"
	assert_success
	assert_line "format:      nrrd, float32, memory-mapped"
	run sh -c "cat '$T/m.nrrd' | tomo-info"
	assert_success
	assert_line "file:        <stdin>"
	assert_line "format:      nrrd, float32"
}

@test "--json: one object whose members Python reads back" {
	make_projections "$T/p.nrrd"
	run tomo-info --json "$T/p.nrrd"
	assert_success
	[ ${#lines[@]} -eq 1 ]
	run "$PY" -c "
import json, sys
d = json.loads(sys.argv[1])
want = {'file': '$T/p.nrrd', 'format': 'nrrd', 'type': 'float32',
    'kind': 'projections', 'quantity': 'transmission', 'sizes': [7, 6, 10],
    'angles': [2.0 * i for i in range(10)], 'pixel_size': 6.5e-06,
    'energy': 25, 'distance': 0.3, 'center': 3.5, 'keys': {'beamline': '2-BM'}}
assert d == want, (d, want)
print('same')" "$output"
	assert_success
	assert_output same
}

@test "--json: absent values are null, odd keys are escaped" {
	printf 'NRRD0005\ntype: uchar\ndimension: 1\nsizes: 1\nencoding: raw\nq"uo\\te:=a\\\\nb "c"\ttab\n\n\x07' \
		> "$T/e.nrrd"
	run tomo-info --json "$T/e.nrrd"
	assert_success
	run "$PY" -c "
import json, sys
d = json.loads(sys.argv[1])
assert d['type'] == 'uint8' and d['kind'] == 'unknown' and d['quantity'] == 'unknown', d
assert d['pixel_size'] is None and d['energy'] is None and d['center'] is None, d
assert d['distance'] is None and 'angles' not in d, d
assert d['keys'] == {'q\"uo\\\\te': 'a\\\\nb \"c\"\ttab'}, d['keys']
print('ok')" "$output"
	assert_success
	assert_output ok
}

@test "--stats: min, max, mean, std and NaN/Inf counts match NumPy" {
	make_stats_case "$T/s.nrrd" "$T/want.json"
	run tomo-info --stats --json "$T/s.nrrd"
	assert_success
	run "$PY" -c "
import json, sys, math
d = json.loads(sys.argv[1]); w = json.load(open('$T/want.json'))
assert d['min'] == w['min'] and d['max'] == w['max'], (d, w)
assert math.isclose(d['mean'], w['mean'], rel_tol=1e-12), (d['mean'], w['mean'])
assert math.isclose(d['std'], w['std'], rel_tol=1e-9), (d['std'], w['std'])
assert d['nan'] == w['nan'] == 3 and d['inf'] == w['inf'] == 2, d
print('ok')" "$output"
	assert_success
	assert_output ok
}

@test "--stats: the same numbers over many small slabs, from a pipe, in text" {
	make_stats_case "$T/s.nrrd" "$T/want.json"
	# 32 KiB planes, a quarter of --memory 256K per slab: five slabs of two
	# planes (the first case reads one slab of 81920 samples, in parallel).
	run sh -c "cat '$T/s.nrrd' | tomo-info -s --memory 256K --threads 2"
	assert_success
	run "$PY" -c "
import json, sys, math
t = dict(l.split(':', 1) for l in sys.argv[1].splitlines() if ':' in l)
w = json.load(open('$T/want.json'))
for k, tol in (('min', 1e-8), ('max', 1e-8), ('mean', 1e-8), ('std', 1e-8)):
    assert math.isclose(float(t[k]), w[k], rel_tol=tol), (k, t[k], w[k])
assert int(t['nan']) == 3 and int(t['inf']) == 2, t
print('ok')" "$output"
	assert_success
	assert_output ok
}

@test "--stats: no finite sample gives null statistics, and counts" {
	printf 'NRRD0005\ntype: float\ndimension: 1\nsizes: 3\nendian: little\nencoding: raw\n\n\x00\x00\xc0\x7f\x00\x00\x80\x7f\x00\x00\x80\xff' \
		> "$T/n.nrrd"
	run tomo-info --stats --json "$T/n.nrrd"
	assert_success
	assert_output --partial '"min": null, "max": null, "mean": null, "std": null, "nan": 1, "inf": 2}'
}

@test "several operands: one description each, in order, stdin among them" {
	pyc "
for i, n in enumerate((3, 5, 7)):
    write_nrrd('$T/o%d.nrrd' % i, np.full((1, 1, n), i, np.float32))"
	run sh -c "tomo-info --json '$T/o0.nrrd' - '$T/o2.nrrd' < '$T/o1.nrrd'"
	assert_success
	[ ${#lines[@]} -eq 3 ]
	assert_line -n 0 --partial "\"file\": \"$T/o0.nrrd\""
	assert_line -n 0 --partial '"sizes": [3, 1, 1]'
	assert_line -n 1 --partial '"file": "<stdin>"'
	assert_line -n 1 --partial '"sizes": [5, 1, 1]'
	assert_line -n 2 --partial '"sizes": [7, 1, 1]'
	# Text: a blank line between descriptions.
	run tomo-info "$T/o0.nrrd" "$T/o2.nrrd"
	assert_success
	[ "$(printf '%s\n' "$output" | grep -c '^file:')" -eq 2 ]
	[ "$(printf '%s\n' "$output" | grep -c '^$')" -eq 1 ]
}

@test "several operands: the first bad one stops with one error" {
	pyc "write_nrrd('$T/g.nrrd', np.zeros((1, 1, 2), np.float32))"
	run --separate-stderr tomo-info "$T/g.nrrd" "$T/missing.nrrd" "$T/g.nrrd"
	assert_failure 1
	[ "$(printf '%s\n' "$output" | grep -c '^file:')" -eq 1 ]
	[ "$stderr" = "tomo-info: error: cannot open '$T/missing.nrrd': No such file or directory" ]
}

@test "stdin: '-' and no operand read the same stream" {
	make_projections "$T/p.nrrd"
	run sh -c "tomo-info - < '$T/p.nrrd'"
	assert_success
	local dash=$output
	run sh -c "tomo-info < '$T/p.nrrd'"
	assert_success
	[ "$output" = "$dash" ]
	assert_line "file:        <stdin>"
	assert_line "sizes:       7 x 6 x 10 (column, row, angle)"
}

@test "raw: --shape gives the sizes of a .raw file and of raw stdin" {
	pyc "(np.arange(24, dtype='<f4') - 5).tofile('$T/r.raw')"
	run tomo-info --stats --json --shape 4x3x2 "$T/r.raw"
	assert_success
	assert_output --partial '"format": "raw", "type": "float32"'
	assert_output --partial '"sizes": [4, 3, 2]'
	assert_output --partial '"min": -5, "max": 18, "mean": 6.5'
	run sh -c "tomo-info --stats --shape 4x6 < '$T/r.raw'"
	assert_success
	assert_line "sizes:       4 x 6 x 1 (x, y, z)"
	assert_line "max:         18"
	run --separate-stderr tomo-info "$T/r.raw"
	assert_failure 2
	[ "$stderr" = "tomo-info: error: '$T/r.raw': a .raw file needs --shape XxYxZ" ]
	run tomo-info --shape 4x0 "$T/r.raw"
	assert_failure 2
	assert_line -n 0 "tomo-info: error: --shape: shape '4x0' is not XxYxZ with positive integers"
}

@test "usage: bad option values are reported together (exit 2)" {
	run --separate-stderr tomo-info --memory lots --threads 0 /dev/null
	assert_failure 2
	[ "$(printf '%s\n' "$stderr" | grep -c '^tomo-info: error:')" -eq 2 ]
	[[ $stderr == *"--memory: 'lots' is not a size"* ]]
	[[ $stderr == *"--threads: 0 is outside 1..4096"* ]]
}
