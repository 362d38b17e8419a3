#!/usr/bin/env bats
# The TIFF and HDF5 inputs seen through tomo-info: files made with tifffile,
# h5py and numpy (every layout and sample type), checked against numpy's own
# reading of them; DXchange angles; bad inputs; the shared real data.

load helpers

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
}

# Compare `tomo-info --stats --json` lines (file $1) with the references
# that the generating script wrote to refs.json: sizes, type, min, max, mean.
compare_stats() {
	"$PY" - "$1" <<'EOF'
import json, sys
refs = json.load(open("refs.json"))
bad = 0
for line in open(sys.argv[1]):
    got = json.loads(line)
    ref = refs[got["file"]]
    for k in ("sizes", "type"):
        if got[k] != ref[k]:
            print("%s: %s %s, numpy says %s" % (got["file"], k, got[k], ref[k])); bad = 1
    for k in ("min", "max", "mean"):
        if abs(got[k] - ref[k]) > 1e-6 * max(1.0, abs(ref[k])):
            print("%s: %s %r, numpy says %r" % (got["file"], k, got[k], ref[k])); bad = 1
    del refs[got["file"]]
if refs:
    print("not described:", sorted(refs)); bad = 1
sys.exit(bad)
EOF
}

@test "TIFF stacks of every sample type, strips, tiles, zlib and big endian read as numpy reads them" {
	"$PY" - <<'EOF'
import json, numpy as np, tifffile
rng = np.random.default_rng(7)
refs = {}
types = {"u1": "uint8", "i1": "int8", "u2": "uint16", "i2": "int16",
         "u4": "uint32", "i4": "int32", "u8": "uint64", "i8": "int64",
         "f4": "float32", "f8": "float64"}
for code, name in types.items():
    dt = np.dtype(code)
    if dt.kind == "f":
        a = rng.normal(3.0, 1e3, (3, 37, 41)).astype(dt)
    else:
        info = np.iinfo(dt)
        lo, hi = max(info.min, -2**40), min(info.max, 2**40)
        a = rng.integers(lo, hi, (3, 37, 41), dtype=dt, endpoint=True)
    for variant, kw in (("strips", {}), ("tiles", {"tile": (16, 16)}),
                        ("zlib", {"compression": "zlib"}), ("be", {"byteorder": ">"})):
        f = "%s-%s.tif" % (name, variant)
        tifffile.imwrite(f, a, photometric="minisblack", **kw)
        b = tifffile.imread(f).astype(np.float32).astype(np.float64)
        refs[f] = {"sizes": [41, 37, 3], "type": name, "min": b.min(),
                   "max": b.max(), "mean": b.mean()}
json.dump(refs, open("refs.json", "w"))
EOF
	run tomo-info --stats --json ./*.tif
	assert_success
	printf '%s\n' "$output" | sed 's|"file": "\./|"file": "|' > got.json
	run compare_stats got.json
	assert_success
}

@test "a directory and a glob of single-page TIFFs are stacks of their files" {
	mkdir stack
	"$PY" - <<'EOF'
import numpy as np, tifffile
for i in range(1, 13):
    tifffile.imwrite("stack/proj_%d.tif" % i, np.full((9, 11), i, np.uint16))
open("stack/readme.txt", "w").write("not an image\n")
EOF
	run tomo-info --stats --json stack
	assert_success
	assert_output --partial '"sizes": [11, 9, 12]'
	assert_output --partial '"mean": 6.5,'
	# proj_1*.tif: 1, 10, 11, 12 (the shell must not expand the quotes).
	run tomo-info --stats --json 'stack/proj_1*.tif'
	assert_success
	assert_output --partial '"sizes": [11, 9, 4]'
	assert_output --partial '"mean": 8.5,'
	assert_output --partial '"min": 1,'
}

@test "HDF5 datasets of every type, rank, chunking and byte order read as h5py reads them" {
	"$PY" - <<'EOF'
import json, h5py, numpy as np
rng = np.random.default_rng(3)
refs = {}
with h5py.File("types.h5", "w") as f:
    for code in ("u1", "i1", "u2", "i2", "u4", "i4", "u8", "i8", "f4", "f8", ">i2", ">f8"):
        dt = np.dtype(code)
        if dt.kind == "f":
            a = rng.normal(-5.0, 1e4, (4, 21, 33)).astype(dt)
        else:
            info = np.iinfo(dt)
            a = rng.integers(max(info.min, -2**40), min(info.max, 2**40),
                             (4, 21, 33), dtype=dt.newbyteorder("="), endpoint=True).astype(dt)
        name = dt.newbyteorder("=").name + ("-be" if code[0] == ">" else "")
        for variant, kw in (("plain", {}), ("gzip", {"chunks": (3, 8, 8), "compression": "gzip"})):
            path = "/g/%s/%s" % (name, variant)
            f.create_dataset(path, data=a, **kw)
            b = a.astype(np.float32).astype(np.float64)
            refs["types.h5:" + path] = {"sizes": [33, 21, 4], "type": dt.newbyteorder("=").name,
                                        "min": b.min(), "max": b.max(), "mean": b.mean()}
    f["/r2"] = np.arange(-7, 5 * 6 - 7, dtype=np.int16).reshape(5, 6)
    f["/r1"] = np.linspace(-1, 1, 9)
    refs["types.h5:/r2"] = {"sizes": [6, 5, 1], "type": "int16", "min": -7, "max": 22, "mean": 7.5}
    refs["types.h5:/r1"] = {"sizes": [9, 1, 1], "type": "float64", "min": -1, "max": 1, "mean": 0}
json.dump(refs, open("refs.json", "w"))
EOF
	"$PY" -c "import json; print('\n'.join(json.load(open('refs.json'))))" > names
	run xargs tomo-info --stats --json < names
	assert_success
	printf '%s\n' "$output" > got.json
	run compare_stats got.json
	assert_success
}

@test "DXchange files give their angles (radians converted) and the projections kind" {
	"$PY" - <<'EOF'
import h5py, numpy as np
with h5py.File("scan.h5", "w") as f:
    f["/exchange/data"] = np.ones((4, 3, 5), np.uint16)
    f["/exchange/theta"] = np.radians([0.0, 60.0, 120.0, 179.5])
    f["/exchange/theta"].attrs["units"] = "rad"
EOF
	run tomo-info --json scan.h5
	assert_success
	"$PY" - "$output" <<'EOF'
import json, sys
j = json.loads(sys.argv[1])
assert j["kind"] == "projections", j
assert [round(a, 9) for a in j["angles"]] == [0, 60, 120, 179.5], j["angles"]
EOF
}

@test "bad TIFF and HDF5 inputs exit 1 with one error line naming the file" {
	mkdir empty sizes
	"$PY" - <<'EOF'
import h5py, numpy as np, tifffile
tifffile.imwrite("rgb.tif", np.zeros((8, 8, 3), np.uint8), photometric="rgb")
tifffile.imwrite("sizes/a_1.tif", np.zeros((135, 160), np.uint16))
tifffile.imwrite("sizes/a_2.tif", np.zeros((134, 160), np.uint16))
tifffile.imwrite("cut.tif", np.zeros((64, 64), np.float32))
open("notiff.tif", "wb").write(b"II*\0" + b"\xff" * 64)
open("notes.h5", "w").write("plain text\n")
with h5py.File("bad.h5", "w") as f:
    f["/entry/data"] = np.zeros((2, 3, 4), np.float32)
    f["/entry/mask"] = np.zeros((3, 4), np.uint8)
    f["/four"] = np.zeros((2, 2, 2, 2))
    f["/pairs"] = np.zeros(3, dtype=[("a", "f4"), ("b", "i4")])
    f["/names"] = np.array([b"a", b"b"])
EOF
	truncate -s 5000 cut.tif
	head -c 1200 bad.h5 > cut.h5
	assert_inputs_refused <<'EOF'
rgb.tif samples per pixel
sizes is 160x134, the first page is 160x135
empty no .tif or .tiff files
nothing_*.tif no files match
cut.tif strip
notiff.tif not a readable TIFF
notes.h5 not an HDF5 file
missing.h5:/entry/data cannot open 'missing.h5': No such file
bad.h5 /entry/data (2x3x4), /entry/mask (3x4)
bad.h5:/entry is a group
bad.h5:/four 4 dimensions
bad.h5:/pairs compound
bad.h5:/names string
cut.h5:/entry/data truncated
EOF
}

@test "shared data: Savu TIFF directory, flat and dark" {
	need_shared savu-i13-24737/tiffs
	local d=$SHARED_DATA/savu-i13-24737
	run tomo-info --stats --json "$d/tiffs" "$d/flat_00001.tiff" "$d/dark_00001.tiff"
	assert_success
	printf '%s\n' "$output" > got.json
	"$PY" - "$d" <<'EOF'
import glob, json, sys, numpy as np, tifffile
d = sys.argv[1]
files = sorted(glob.glob(d + "/tiffs/raw_*.tiff"))
stack = np.stack([tifffile.imread(f) for f in files]).astype(np.float64)
refs = {d + "/tiffs": {"sizes": [160, 135, 91], "type": "uint16",
                       "min": stack.min(), "max": stack.max(), "mean": stack.mean()}}
for n in ("flat", "dark"):
    a = tifffile.imread("%s/%s_00001.tiff" % (d, n)).astype(np.float64)
    refs["%s/%s_00001.tiff" % (d, n)] = {"sizes": [160, 135, 1], "type": "float32",
                                         "min": a.min(), "max": a.max(), "mean": a.mean()}
json.dump(refs, open("refs.json", "w"))
EOF
	run compare_stats got.json
	assert_success
}

@test "shared data: TomoPy's tooth.h5 (DXchange) and the DIAD NeXus file through its external link" {
	need_shared tomopy-tooth/tooth.h5
	need_shared httomo-diad-k11-18014/k11-18014.nxs
	local tooth=$SHARED_DATA/tomopy-tooth/tooth.h5
	local nxs=$SHARED_DATA/httomo-diad-k11-18014/k11-18014.nxs
	run tomo-info --stats --json "$tooth" "$nxs:/entry/imaging/data"
	assert_success
	printf '%s\n' "$output" > got.json
	"$PY" - "$tooth" "$nxs" <<'EOF'
import h5py, json, sys, numpy as np
tooth, nxs = sys.argv[1:]
lines = [json.loads(l) for l in open("got.json")]
t = h5py.File(tooth)
a = t["/exchange/data"][...].astype(np.float64)
theta = t["/exchange/theta"][...]
assert lines[0]["kind"] == "projections" and len(lines[0]["angles"]) == 181
assert np.allclose(lines[0]["angles"], theta, rtol=0, atol=1e-12), "angles"
b = h5py.File(nxs)["/entry/imaging/data"][...].astype(np.float64)
refs = {tooth: {"sizes": [640, 2, 181], "type": "float32", "min": a.min(),
                "max": a.max(), "mean": a.mean()},
        nxs + ":/entry/imaging/data": {"sizes": [26, 22, 3201], "type": "uint16",
                "min": b.min(), "max": b.max(), "mean": b.mean()}}
json.dump(refs, open("refs.json", "w"))
EOF
	run compare_stats got.json
	assert_success
}
