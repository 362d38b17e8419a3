#!/usr/bin/env bats
# NumPy's .npy format: every dtype and byte order read as its NRRD twin (the
# same samples in the same type and order) reads, through tomo-info,
# tomo-slice, tomo-fbp and tomo-flat; -o out.npy loads in NumPy with the
# values of the NRRD output; bad files exit 1 with one line naming them.

load helpers

setup() {
	T=$BATS_TEST_TMPDIR
	cd "$T"
}

# The same stack as NAME.npy (descr DESCR, format VERSION) and NAME.nrrd
# (its type and byte order, no keys).
twins() { # NAME DESCR VERSION SHAPE
	pyc "
name, descr, version, shape = sys.argv[1], sys.argv[2], tuple(map(int, sys.argv[3].split('.'))), eval(sys.argv[4])
dt = np.dtype(descr)
rng = np.random.default_rng(len(name))
if dt.kind == 'f':
    a = rng.normal(3, 40, shape)
else:
    info = np.iinfo(dt)
    a = rng.integers(max(info.min, -(1 << 24)), min(info.max, 1 << 24), shape, endpoint=True)
    a.flat[0], a.flat[-1] = max(info.min, -(1 << 24)), min(info.max, 1 << 24)
a = a.astype(dt)
with open(name + '.npy', 'wb') as f:
    np.lib.format.write_array(f, a, version=version)
nrrd_type = {'f4': 'float', 'f8': 'double', 'u1': 'uchar', 'i1': 'signed char', 'u2': 'ushort',
             'i2': 'short', 'u4': 'uint', 'i4': 'int', 'u8': 'uint64', 'i8': 'int64'}[dt.kind + str(dt.itemsize)]
write_nrrd(name + '.nrrd', a, typ=nrrd_type, endian='big' if dt.byteorder == '>' else 'little')
" "$@"
}

@test "every dtype and byte order, format versions 1 to 3: tomo-info and tomo-slice read the NRRD twin's numbers" {
	while read -r name descr version shape; do
		twins "$name" "$descr" "$version" "$shape"
		run tomo-info --stats --json "$name.npy" "$name.nrrd"
		assert_success
		"$PY" - "$output" <<'EOF' || fail "$name: $output"
import json, sys
a, b = (json.loads(l) for l in sys.argv[1].splitlines())
assert a["format"] == "npy" and b["format"] == "nrrd", (a, b)
for k in ("type", "sizes", "min", "max", "mean", "std", "nan", "inf"):
    assert a[k] == b[k], (k, a[k], b[k])
EOF
		tomo-slice "$name.npy" -o "$name.a.nrrd"
		tomo-slice "$name.nrrd" -o "$name.b.nrrd"
		cmp "$name.a.nrrd" "$name.b.nrrd" || fail "$name: tomo-slice differs"
		# A box that is not whole rows goes through the mapping, not pread.
		tomo-slice --axis x --index 2 "$name.npy" -o "$name.c.nrrd"
		tomo-slice --axis x --index 2 "$name.nrrd" -o "$name.d.nrrd"
		cmp "$name.c.nrrd" "$name.d.nrrd" || fail "$name: tomo-slice --axis x differs"
	done <<'EOF'
f4le <f4 1.0 (4,5,6)
f4be >f4 2.0 (4,5,6)
f8le <f8 3.0 (3,7,5)
f8be >f8 1.0 (3,7,5)
u2le <u2 1.0 (2,3,9)
u2be >u2 1.0 (2,3,9)
u1 |u1 1.0 (6,4,3)
i1 |i1 2.0 (6,4,3)
i2le <i2 1.0 (5,3,4)
i2be >i2 1.0 (5,3,4)
u4le <u4 1.0 (2,2,8)
i4be >i4 3.0 (2,2,8)
i8le <i8 1.0 (3,4,5)
u8be >u8 1.0 (3,4,5)
two <f4 1.0 (7,9)
one >u2 1.0 (11,)
EOF
	run tomo-info two.npy one.npy
	assert_output --partial "sizes:       9 x 7 x 1 (x, y, z)"
	assert_output --partial "sizes:       11 x 1 x 1 (x, y, z)"
}

@test "tomo-fbp and tomo-flat read .npy projections as their NRRD twins" {
	tomo-phantom --size 32 --rows 4 --angles 24 -o p.nrrd
	pyc "
a, keys = nrrd('p.nrrd')
np.save('p32.npy', a)
np.save('p64be.npy', a.astype('>f8'))
write_nrrd('p.plain.nrrd', a)
"
	tomo-fbp p.plain.nrrd -o ref.nrrd
	for f in p32 p64be; do
		tomo-fbp "$f.npy" -o "$f.nrrd"
		cmp ref.nrrd "$f.nrrd" || fail "$f: tomo-fbp differs"
	done
	# Counts, flats and darks as uint16 .npy files.
	pyc "
rng = np.random.default_rng(3)
flat = rng.integers(900, 1100, (1, 4, 32)).astype(np.uint16)
dark = rng.integers(90, 110, (2, 4, 32)).astype(np.uint16)
proj = (np.exp(-nrrd('p.nrrd')[0]) * (flat[0] - 100) + 100).astype(np.uint16)
for n, a in (('proj', proj), ('flat', flat), ('dark', dark)):
    np.save(n + '.npy', a.astype('>u2') if n == 'dark' else a)
    write_nrrd(n + '.nrrd', a, typ='ushort')
"
	tomo-flat proj.npy --flats flat.npy --darks dark.npy -o t1.nrrd
	tomo-flat proj.nrrd --flats flat.nrrd --darks dark.nrrd -o t2.nrrd
	cmp t1.nrrd t2.nrrd
}

@test "-o out.npy: NumPy loads exactly the NRRD output's values as float32 (z, y, x), 64-byte aligned" {
	tomo-phantom --size 24 --rows 5 --angles 7 -o p.nrrd
	tomo-phantom --size 24 --rows 5 --angles 7 -o p.npy
	# A volume written slab by slab (a small --memory makes many).
	tomo-fbp p.nrrd --memory 64K -o v.nrrd
	tomo-fbp p.nrrd --memory 64K -o v.npy
	# From a pipe, in order.
	tomo-phantom --size 24 --rows 5 --angles 7 | tomo-slice -o s.npy
	tomo-slice --axis y --index 2 p.nrrd -o one.npy
	tomo-slice --axis y --index 2 p.nrrd -o one.nrrd
	pyc "
for n, ref in (('p', 'p'), ('v', 'v'), ('s', 'p'), ('one', 'one')):
    raw = open(n + '.npy', 'rb').read()
    assert raw[:8] == b'\x93NUMPY\x01\x00', raw[:8]
    hlen = 10 + raw[8] + 256 * raw[9]
    assert hlen % 64 == 0 and raw[hlen - 1:hlen] == b'\n', hlen
    a = np.load(n + '.npy')
    b = nrrd(ref + '.nrrd')[0]
    assert a.dtype == np.dtype('<f4') and a.flags.c_contiguous, a.dtype
    assert a.ndim == 3 and a.shape == b.reshape(a.shape).shape, (n, a.shape, b.shape)
    assert np.array_equal(a, b.reshape(a.shape)), n
    assert len(raw) == hlen + a.nbytes, n
print('ok')
"
	[ -z "$(ls -A | grep '\.tmp-' || true)" ] || fail "temporary files left: $(ls -A)"
	# Read back by tomo: the same samples as the NRRD.
	tomo-slice v.npy -o back.nrrd
	pyc "assert np.array_equal(nrrd('back.nrrd')[0], nrrd('v.nrrd')[0])"
}

@test "-o out.npy that fails midway leaves nothing behind" {
	tomo-phantom --size 64 --rows 8 --angles 20 -o p.nrrd
	head -c 20000 p.nrrd > cut.nrrd
	run sh -c 'tomo-slice < cut.nrrd -o out.npy'
	assert_failure 1
	assert_file_not_exist out.npy
	[ -z "$(ls -A | grep '\.tmp-' || true)" ] || fail "temporary files left: $(ls -A)"
}

@test "bad .npy files exit 1 with one line naming the file and the problem" {
	"$PY" - <<'EOF'
import numpy as np
a = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
np.save("ok.npy", a)
raw = open("ok.npy", "rb").read()
open("cut-header.npy", "wb").write(raw[:50])
open("cut-data.npy", "wb").write(raw[:-8])
open("long.npy", "wb").write(raw + b"\0" * 8)
open("magic.npy", "wb").write(b"NUMPY" + raw[5:])
np.save("fortran.npy", np.asfortranarray(a))
np.save("object.npy", np.array([1, "x", None], dtype=object), allow_pickle=True)
np.save("complex.npy", a.astype(np.complex64))
np.save("bool.npy", a > 3)
np.save("half.npy", a.astype(np.float16))
np.save("record.npy", np.zeros(3, dtype=[("a", "<f4"), ("b", "<i4")]))
np.save("four.npy", np.zeros((2, 2, 2, 2), np.float32))
np.save("scalar.npy", np.float32(1))
np.save("empty.npy", np.zeros((0, 3), np.float32))
EOF
	assert_inputs_refused <<'EOF'
cut-header.npy header cut short
cut-data.npy is truncated: it holds 216 bytes, its header and shape (2, 3, 4) of '<f4' make 224
long.npy is too long: it holds 232 bytes
magic.npy not a .npy file
fortran.npy Fortran-ordered
object.npy dtype '|O' (Python objects) is not supported
complex.npy dtype '<c8' (complex numbers)
bool.npy dtype '|b1' (booleans)
half.npy dtype '<f2'
record.npy structured
four.npy shape (2, 2, 2, 2) has 4 dimensions
scalar.npy shape () is a scalar
empty.npy shape (0, 3) is empty
EOF
	# A tool that reads more than the header says the same.
	run tomo-fbp fortran.npy
	assert_failure 1
	assert_one_error_line tomo-fbp
	assert_output --partial "Fortran"
}

@test "a .npy without its extension is known by its magic; --shape is not needed" {
	"$PY" -c "import numpy as np; np.save('x.npy', np.arange(6, dtype='<i2').reshape(2, 3))"
	mv x.npy noext
	run tomo-info --json noext
	assert_success
	assert_output --partial '"format": "npy", "type": "int16"'
	assert_output --partial '"sizes": [3, 2, 1]'
}

@test "shared data: scikit-image's and TomoPy's .npy files read as NumPy reads them" {
	need_shared skimage-generated/disk128_sinogram.npy
	need_shared tomopy-test/proj.npy
	local a=$SHARED_DATA/skimage-generated/disk128_sinogram.npy
	local b=$SHARED_DATA/tomopy-test/proj.npy
	run tomo-info --stats --json "$a" "$b"
	assert_success
	"$PY" - "$a" "$b" "$output" <<'EOF'
import json, sys, numpy as np
for path, line in zip(sys.argv[1:3], sys.argv[3].splitlines()):
    j = json.loads(line)
    x = np.load(path)
    assert j["sizes"] == list(x.shape[::-1]) + [1] * (3 - x.ndim), (j["sizes"], x.shape)
    assert j["type"] == {"f4": "float32", "f8": "float64"}[x.dtype.kind + str(x.dtype.itemsize)]
    y = x.astype(np.float32).astype(np.float64)
    for k, v in (("min", y.min()), ("max", y.max()), ("mean", y.mean())):
        assert abs(j[k] - v) <= 1e-6 * max(1, abs(v)), (path, k, j[k], v)
EOF
}
