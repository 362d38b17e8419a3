#!/usr/bin/env bats
# The stream layer seen from the command line: the NRRD reader through
# tomo-info (every sample type, both endians, 1D/2D, detached headers, skips,
# carried keys) against NumPy, every bad input refused with exit 1 and one
# error line, and the ends of pipes: full disk, reader gone.

load helpers

setup() {
	T=$BATS_TEST_TMPDIR
}

# Check the --stats --json of tomo-info on $1 against the samples NumPy
# wrote to $2 (.npy), converted to float32 as every reader does; extra
# Python assertions on d (the JSON) in $3.
check_stats() {
	run tomo-info --stats --json "$1"
	assert_success
	run "$PY" -c "
import json, sys, numpy as np
d = json.loads(sys.argv[1])
a = np.load('$2')
f = a.astype(np.float32).astype(np.float64)
assert d['min'] == f.min() and d['max'] == f.max(), (d['min'], d['max'], f.min(), f.max())
assert abs(d['mean'] - f.mean()) <= 1e-12 * abs(f).max(), (d['mean'], f.mean())
assert abs(d['std'] - f.std()) <= 1e-9 * abs(f).max(), (d['std'], f.std())
assert d['nan'] == 0 and d['inf'] == 0
${3:-}
print('ok')" "$output"
	assert_success
	assert_output ok
}

# Exit 1 with exactly one error line that contains $1.
assert_error() {
	assert_failure 1
	assert_one_error_line tomo-info
	assert_output --partial "$1"
}

@test "every NRRD sample type is read, in either endian, as NumPy reads it" {
	# NRRD type name (teem's and aliases) -> NumPy type, name tomo-info gives.
	# Each file holds the type's extremes and a few values; NumPy writes
	# them and computes the expected statistics of their float32 values.
	pyc "
import json
types = [('uchar', 'u1', 'uint8'), ('unsigned char', 'u1', 'uint8'), ('uint8', 'u1', 'uint8'),
    ('signed char', 'i1', 'int8'), ('int8_t', 'i1', 'int8'),
    ('short', 'i2', 'int16'), ('int16', 'i2', 'int16'), ('signed short int', 'i2', 'int16'),
    ('ushort', 'u2', 'uint16'), ('unsigned short', 'u2', 'uint16'), ('uint16_t', 'u2', 'uint16'),
    ('int', 'i4', 'int32'), ('signed int', 'i4', 'int32'), ('int32_t', 'i4', 'int32'),
    ('uint', 'u4', 'uint32'), ('unsigned int', 'u4', 'uint32'),
    ('longlong', 'i8', 'int64'), ('long long int', 'i8', 'int64'), ('int64', 'i8', 'int64'),
    ('ulonglong', 'u8', 'uint64'), ('unsigned long long', 'u8', 'uint64'),
    ('float', 'f4', 'float32'), ('double', 'f8', 'float64')]
want = []
for i, (name, t, ours) in enumerate(types):
    for endian in ('little', 'big'):
        if t[0] in 'iu':
            lo, hi = np.iinfo(t).min, np.iinfo(t).max
            a = np.array([lo, hi, 0, 1, 77, lo // 3], dtype=t)
        else:
            a = np.array([-2.5e3, 1.25e9, 0, 1, 3.0e-3, -0.125], dtype=t)
        e = '<' if endian == 'little' else '>'
        head = 'NRRD0004\n# made by NumPy\ntype: %s\ndimension: 3\nsizes: 3 2 1\n' % name
        head += 'endian: %s\nencoding: raw\n\n' % endian
        path = '$T/t%d%s.nrrd' % (i, endian[0])
        open(path, 'wb').write(head.encode() + a.astype(e + t).tobytes())
        f = a.astype(np.float32).astype(np.float64)
        want.append({'file': path, 'type': ours, 'min': f.min(), 'max': f.max(),
            'mean': f.mean(), 'std': f.std()})
json.dump(want, open('$T/want.json', 'w'))"
	run tomo-info --stats --json $(ls "$T"/t*.nrrd | sort -V)
	assert_success
	run "$PY" -c "
import json, sys
got = {d['file']: d for d in map(json.loads, sys.argv[1].splitlines())}
want = json.load(open('$T/want.json'))
assert len(got) == len(want) == 46, (len(got), len(want))
for w in want:
    d = got[w['file']]
    assert d['type'] == w['type'] and d['sizes'] == [3, 2, 1], (d, w)
    assert d['min'] == w['min'] and d['max'] == w['max'], (d, w)
    scale = max(abs(w['min']), abs(w['max']))
    assert abs(d['mean'] - w['mean']) <= 1e-12 * scale, (d, w)
    assert abs(d['std'] - w['std']) <= 1e-9 * scale, (d, w)
    assert d['nan'] == 0 and d['inf'] == 0
print('ok')" "$output"
	assert_success
	assert_output ok
}

@test "a single-byte type needs no endian field" {
	printf 'NRRD0005\ntype: uchar\ndimension: 1\nsizes: 4\nencoding: raw\n\n\x00\x01\x02\xff' \
		> "$T/b.nrrd"
	run tomo-info --stats --json "$T/b.nrrd"
	assert_success
	assert_output --partial '"min": 0, "max": 255, "mean": 64.5'
}

@test "1D and 2D inputs have sizes 1 for the missing axes" {
	pyc "
a = np.linspace(-1, 1, 5, dtype=np.float32); np.save('$T/a1.npy', a); write_nrrd('$T/d1.nrrd', a)
b = np.arange(12, dtype=np.int16).reshape(3, 4) - 6; np.save('$T/a2.npy', b)
write_nrrd('$T/d2.nrrd', b, typ='short', endian='big')"
	check_stats "$T/d1.nrrd" "$T/a1.npy" "assert d['sizes'] == [5, 1, 1], d['sizes']"
	check_stats "$T/d2.nrrd" "$T/a2.npy" "assert d['sizes'] == [4, 3, 1], d['sizes']"
}

@test "CRLF headers, NRRD0001 and fields the tools ignore are accepted" {
	pyc "
a = np.arange(6, dtype=np.float32).reshape(2, 3) * 1.5; np.save('$T/a.npy', a)
h = ('NRRD0001\r\n# comment\r\ncontent: test\r\ntype: float\r\ndimension: 2\r\nsizes: 3 2\r\n'
     'space dimension: 2\r\nspace directions: (1,0) (0,1)\r\nkinds: domain domain\r\n'
     'labels: \"x\" \"y\"\r\nunits: mm mm\r\nspacings: 0.5 0.25\r\ncenters: cell cell\r\n'
     'endian: little\r\nencoding: raw\r\n\r\n')
open('$T/c.nrrd', 'wb').write(h.encode() + a.tobytes())"
	check_stats "$T/c.nrrd" "$T/a.npy" "assert d['sizes'] == [3, 2, 1]"
}

@test "unknown key/value pairs are kept, in order, with escapes undone" {
	pyc "
write_nrrd('$T/k.nrrd', np.zeros((2, 1, 1), np.float32),
    {'zeta': 'last letter', 'beamline': '2-BM', 'note': 'two\\\\nlines',
     'tomo_center': '0.5', 'alpha': ''})"
	run tomo-info --json "$T/k.nrrd"
	assert_success
	run "$PY" -c "
import json, sys
d = json.loads(sys.argv[1])
assert list(d['keys'].items()) == [('zeta', 'last letter'), ('beamline', '2-BM'),
    ('note', 'two\nlines'), ('alpha', '')], d['keys']
assert d['center'] == 0.5
print('ok')" "$output"
	assert_success
	assert_output ok
	run tomo-info "$T/k.nrrd"
	assert_line -n 7 "zeta:=last letter"
	assert_line -n 8 "beamline:=2-BM"
}

@test "detached header: data file relative to the header, or absolute" {
	mkdir -p "$T/hdr/data"
	pyc "
a = (np.arange(24, dtype='u2') * 1000).reshape(2, 3, 4); np.save('$T/a.npy', a)
a.astype('>u2').tofile('$T/hdr/data/samples.raw')
h = 'NRRD0004\ntype: ushort\ndimension: 3\nsizes: 4 3 2\nendian: big\nencoding: raw\n'
open('$T/hdr/rel.nhdr', 'w').write(h + 'data file: data/samples.raw\n')
open('$T/abs.nhdr', 'w').write(h + 'datafile: $T/hdr/data/samples.raw\n')"
	check_stats "$T/hdr/rel.nhdr" "$T/a.npy" "assert d['type'] == 'uint16' and d['sizes'] == [4, 3, 2]"
	check_stats "$T/abs.nhdr" "$T/a.npy"
	# From elsewhere, the relative path still follows the header.
	cd /
	check_stats "$T/hdr/rel.nhdr" "$T/a.npy"
}

@test "detached header: line skip, byte skip and byte skip -1" {
	pyc "
a = np.arange(-6, 6, dtype='<i4').reshape(3, 4) * 7; np.save('$T/a.npy', a)
h = 'NRRD0005\ntype: int\ndimension: 2\nsizes: 4 3\nendian: little\nencoding: raw\n'
open('$T/lines.dat', 'wb').write(b'first line\nsecond\n\nfourth\n' + a.tobytes())
open('$T/lines.nhdr', 'w').write(h + 'data file: lines.dat\nline skip: 4\n')
open('$T/bytes.dat', 'wb').write(b'\x01' * 13 + a.tobytes())
open('$T/bytes.nhdr', 'w').write(h + 'data file: bytes.dat\nbyte skip: 13\n')
open('$T/both.dat', 'wb').write(b'skip me\n' + b'\x02' * 5 + a.tobytes())
open('$T/both.nhdr', 'w').write(h + 'data file: both.dat\nlineskip: 1\nbyteskip: 5\n')
open('$T/tail.dat', 'wb').write(b'a preamble of any length' + a.tobytes())
open('$T/tail.nhdr', 'w').write(h + 'data file: tail.dat\nbyte skip: -1\n')"
	local f
	for f in lines bytes both tail; do
		check_stats "$T/$f.nhdr" "$T/a.npy"
	done
}

@test "detached header: a missing data file or a short one is an error" {
	local h='NRRD0005\ntype: float\ndimension: 1\nsizes: 4\nendian: little\nencoding: raw\n'
	printf "${h}data file: gone.raw\n" > "$T/gone.nhdr"
	run tomo-info "$T/gone.nhdr"
	assert_error "cannot open its data file '$T/gone.raw': No such file or directory"
	printf 'abc' > "$T/short.raw"
	printf "${h}data file: short.raw\n" > "$T/short.nhdr"
	run tomo-info "$T/short.nhdr"
	assert_error "'$T/short.raw' is truncated"
	printf "${h}data file: short.raw\nline skip: 2\n" > "$T/ls.nhdr"
	run tomo-info "$T/ls.nhdr"
	assert_error "ends before its line skip"
	# On a pipe the data must follow the header.
	printf "${h}data file: short.raw\n\n" > "$T/blank.nhdr"
	run sh -c "tomo-info < '$T/blank.nhdr'"
	assert_error "must carry its data after the header"
}

@test "a pipe reads what the file holds: cat file | tomo-info" {
	pyc "
a = np.random.default_rng(3).uniform(-4, 9, (5, 33, 17)).astype('>f8'); np.save('$T/a.npy', a)
write_nrrd('$T/p.nrrd', a, {'tomo_kind': 'sinograms', 'pi': '3.14'}, typ='double', endian='big')"
	tomo-info --stats --json "$T/p.nrrd" > "$T/file.json"
	cat "$T/p.nrrd" | tomo-info --stats --json > "$T/pipe.json"
	run "$PY" -c "
import json
f, p = json.load(open('$T/file.json')), json.load(open('$T/pipe.json'))
assert f.pop('file') == '$T/p.nrrd' and p.pop('file') == '<stdin>'
assert f == p, (f, p)
print('ok')"
	assert_output ok
	check_stats - "$T/a.npy" "assert d['kind'] == 'sinograms' and d['keys'] == {'pi': '3.14'}" \
		< "$T/p.nrrd"
}

@test "bad input: empty, on stdin and as a file" {
	run sh -c "tomo-info < /dev/null"
	assert_error "<stdin> is empty"
	: > "$T/empty.nrrd"
	run tomo-info "$T/empty.nrrd"
	assert_error "'$T/empty.nrrd' is empty"
}

@test "bad input: garbage, on stdin and as a file" {
	run sh -c "printf 'PK\003\004 not a stream at all\n\n\n' | tomo-info"
	assert_error "<stdin> is not a NRRD stream (no NRRD magic)"
	head -c 5000 /dev/urandom | tr -d 'N' > "$T/junk.nrrd"
	run tomo-info "$T/junk.nrrd"
	assert_error "'$T/junk.nrrd' is not a NRRD stream"
	printf 'hello' > "$T/junk"
	run tomo-info "$T/junk"
	assert_error "cannot tell the format of '$T/junk'"
	printf 'NRRD0009\ntype: float\n\n' > "$T/v9.nrrd"
	run tomo-info "$T/v9.nrrd"
	assert_error "not a NRRD header"
}

@test "bad input: a header cut short, on stdin and as a file" {
	local h='NRRD0005\ntype: float\ndimension: 1\nsizes: 2\nendian: little\nencoding: raw\n'
	run sh -c "printf 'NRRD0005\ntype: float\ndimen' | tomo-info"
	assert_error "<stdin>: NRRD header ends before its blank line (truncated?)"
	# A file without the blank line is a detached header without its data.
	printf "$h" > "$T/cut.nrrd"
	run tomo-info "$T/cut.nrrd"
	assert_error "'$T/cut.nrrd' is truncated"
	printf 'NRRD0005\ntype: float\ndimension: 3\n' > "$T/cut2.nrrd"
	run tomo-info "$T/cut2.nrrd"
	assert_error "'$T/cut2.nrrd': NRRD sizes give 0 values for dimension 3"
}

@test "bad input: data cut short, as a file, on stdin with --stats" {
	pyc "write_nrrd('$T/full.nrrd', np.ones((3, 4, 5), np.float32))"
	head -c -7 "$T/full.nrrd" > "$T/cut.nrrd"
	run tomo-info "$T/cut.nrrd"
	assert_error "'$T/cut.nrrd' is truncated: it holds"
	run tomo-info --stats "$T/cut.nrrd"
	assert_error "is truncated"
	# A stream is only known to be short when its samples are read.
	run sh -c "tomo-info --stats < '$T/cut.nrrd'"
	assert_error "<stdin> ends early: plane 2 of 3 is incomplete (truncated stream)"
	run sh -c "tomo-info --stats - < '$T/cut.nrrd'"
	assert_error "plane 2 of 3 is incomplete"
	run sh -c "tomo-info < '$T/cut.nrrd'"
	assert_success
}

@test "bad input: what the reader refuses, each named in one line" {
	# "what is wrong|header line(s)" (after NRRD0005, before the blank line).
	local cases=(
		"NRRD encoding 'gzip' is not supported (only raw; convert with 'unu save -e raw')|type: float\ndimension: 1\nsizes: 1\nendian: little\nencoding: gzip"
		"NRRD encoding 'text' is not supported|type: float\ndimension: 1\nsizes: 1\nencoding: text"
		"dimension 4 is not supported (at most 3)|type: float\ndimension: 4\nsizes: 1 1 1 1\nendian: little\nencoding: raw"
		"sizes 4294967296 x 4294967296 x 4294967296 are too large|type: float\ndimension: 3\nsizes: 4294967296 4294967296 4294967296\nendian: little\nencoding: raw"
		"unknown type 'quad'|type: quad\ndimension: 1\nsizes: 1\nendian: little\nencoding: raw"
		"type 'block' is not supported|type: block\ndimension: 1\nsizes: 1\nencoding: raw"
		"unknown NRRD field 'frobnicate'|type: float\ndimension: 1\nsizes: 1\nfrobnicate: 3\nendian: little\nencoding: raw"
		"no type field|dimension: 1\nsizes: 1\nendian: little\nencoding: raw"
		"no encoding field|type: float\ndimension: 1\nsizes: 1\nendian: little"
		"no endian field|type: float\ndimension: 1\nsizes: 1\nencoding: raw"
		"no dimension field|type: float\nsizes: 1\nendian: little\nencoding: raw"
		"sizes give 2 values for dimension 3|type: float\ndimension: 3\nsizes: 1 1\nendian: little\nencoding: raw"
		"size '-3' is not a positive integer|type: float\ndimension: 1\nsizes: -3\nendian: little\nencoding: raw"
		"unknown endian 'middle'|type: float\ndimension: 1\nsizes: 1\nendian: middle\nencoding: raw"
		"only a single data file is supported|type: float\ndimension: 1\nsizes: 1\nendian: little\nencoding: raw\ndata file: LIST"
		"tomo_kind 'slices' is not projections, sinograms or volume|type: float\ndimension: 1\nsizes: 1\nendian: little\nencoding: raw\ntomo_kind:=slices"
		"tomo_center 'middle' is not a number|type: float\ndimension: 1\nsizes: 1\nendian: little\nencoding: raw\ntomo_center:=middle"
		"tomo_angles holds a value that is not a number|type: float\ndimension: 1\nsizes: 2\nendian: little\nencoding: raw\ntomo_angles:=0 x"
		"expected 'field: value' or 'key:=value'|type: float\ndimension 1\nsizes: 1\nendian: little\nencoding: raw"
	)
	local c
	for c in "${cases[@]}"; do
		local want=${c%%|*} head=${c#*|}
		# As a file (its name is in the message) and on stdin.
		printf "NRRD0005\n$head\n\n\000\000\200\077\000\000\200\077" > "$T/bad.nrrd"
		run tomo-info "$T/bad.nrrd"
		assert_error "'$T/bad.nrrd': "
		assert_output --partial "$want"
		run sh -c "tomo-info --stats < '$T/bad.nrrd'"
		assert_error "<stdin>: "
		assert_output --partial "$want"
	done
}

@test "bad input: sizes larger than the file, missing file, a directory" {
	printf 'NRRD0005\ntype: float\ndimension: 3\nsizes: 1000 1000 1000\nendian: little\nencoding: raw\n\nabcd' \
		> "$T/big.nrrd"
	run tomo-info "$T/big.nrrd"
	assert_error "'$T/big.nrrd' is truncated: it holds 90 bytes, its sizes 1000 x 1000 x 1000 of float32 need 4000000086"
	run tomo-info "$T/nonexistent.nrrd"
	assert_error "cannot open '$T/nonexistent.nrrd': No such file or directory"
	run tomo-info "$T/nonexistent.raw" --shape 2x2
	assert_error "cannot open '$T/nonexistent.raw': No such file or directory"
}

@test "output: a full disk is an error (exit 1, one line): text" {
	pyc "write_nrrd('$T/p.nrrd', np.zeros((2, 2, 2), np.float32))"
	run sh -c "tomo-info '$T/p.nrrd' > /dev/full"
	assert_error "cannot write to stdout"
}

@test "output: a full disk is an error (exit 1, one line): a stream" {
	command -v tomo-phantom >/dev/null || skip "tomo-phantom not built yet"
	run sh -c "tomo-phantom > /dev/full"
	assert_failure 1
	assert_one_error_line tomo-phantom
	run tomo-phantom -o /dev/full
	assert_failure 1
	assert_one_error_line tomo-phantom
}

@test "output: a reader that goes away ends the writer quietly (SIGPIPE)" {
	command -v tomo-phantom >/dev/null || skip "tomo-phantom not built yet"
	local bytes
	bytes=$(tomo-phantom | wc -c)
	# Larger than the 1 MiB pipe buffer, so the writer must meet the end.
	[ "$bytes" -gt $((4 << 20)) ] || skip "tomo-phantom's default output is $bytes bytes"
	run bash -c 'tomo-phantom 2> "$1" | head -c 100 | wc -c; echo "status ${PIPESTATUS[0]}"' \
		_ "$T/err"
	assert_success
	assert_line -n 0 100
	assert_line -n 1 "status 141"
	[ ! -s "$T/err" ] || fail "stderr: $(cat "$T/err")"
}
