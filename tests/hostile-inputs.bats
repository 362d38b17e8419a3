#!/usr/bin/env bats
# Inputs made to hurt the readers (issue 14): sizes a file cannot back,
# counts that would be allocated before anything is read, damaged HDF5
# metadata that libhdf5 1.10 loops on, and detached NRRD headers naming
# files they must not reach. Each fails cleanly: exit 1, one line, little
# memory, at once. tests/fuzz/ finds more (make fuzz); what it found is
# replayed by test_fuzz_replay.

load helpers

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
}

# Run "$@" with its peak resident set in kB in $rss (GNU time).
run_rss() {
	run /usr/bin/time -f 'rss %M' -o rss.txt "$@"
	rss=$(sed -n 's/^rss //p' rss.txt)
}

@test "HDF5: a dataset claiming more than its file holds is refused, contiguous or compact" {
	"$PY" - <<'EOF'
import h5py, numpy as np
for name, layout in (("contig.h5", None), ("compact.h5", "compact")):
    with h5py.File(name, "w") as f:
        d = f.create_dataset("data", shape=(5, 6, 7), dtype="f4", data=np.ones((5, 6, 7)))
    if layout:
        with h5py.File(name, "w") as f:
            dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
            dcpl.set_layout(h5py.h5d.COMPACT)
            sp = h5py.h5s.create_simple((5, 6, 7))
            h5py.h5d.create(f.id, b"data", h5py.h5t.IEEE_F32LE, sp, dcpl).write(
                h5py.h5s.ALL, h5py.h5s.ALL, np.ones((5, 6, 7), "f4"))
    # The dataspace says (5, 6, 7) twice (sizes, maximum sizes): claim more.
    b = open(name, "rb").read()
    dims = np.array([5, 6, 7], "<u8").tobytes()
    assert dims in b
    b = b.replace(dims, np.array([5 << 20, 6, 7], "<u8").tobytes())
    open(name, "wb").write(b)
EOF
	run tomo-info --stats contig.h5
	assert_failure 1
	assert_one_error_line tomo-info
	assert_output --partial "more than its file holds"
	run tomo-info --stats compact.h5
	assert_failure 1
	assert_one_error_line tomo-info
	assert_output --partial "more than its header holds"
	run tomo-slice --index 0 -o s.nrrd contig.h5
	assert_failure 1
	run_rss tomo-fbp -o v.nrrd contig.h5
	assert_failure 1
	[ "$rss" -lt 200000 ] || fail "tomo-fbp used $rss kB"
}

@test "HDF5: a 2^31-cubed dataset in a 2 KB file, chunks never written, is refused" {
	"$PY" - <<'EOF'
import h5py
with h5py.File("huge.h5", "w") as f:
    f.create_dataset("data", shape=(2**31,) * 3, dtype="f4", chunks=(1, 1, 64))
    f.create_dataset("b/data", shape=(2**20, 4, 4), dtype="u2", chunks=(1, 4, 4))
EOF
	run tomo-info huge.h5:/data
	assert_failure 1
	assert_one_error_line tomo-info
	assert_output --partial "too large"
	# tomo-slice wrote past a heap buffer, tomo-info said "samples: 0".
	run tomo-slice --index 0 -o s.nrrd huge.h5
	assert_failure 1
	assert_output --partial "too large"
	run tomo-info huge.h5:/b/data
	assert_failure 1
	assert_one_error_line tomo-info
	assert_output --partial "none of its chunks is written"
}

@test "HDF5: a read over 65536 tiny chunks stays small (read chunk by chunk, cache bounded)" {
	"$PY" -c "
import h5py, numpy as np
with h5py.File('tiny.h5', 'w') as f:
    f.create_dataset('data', data=np.ones((1, 256, 512), 'f4'), chunks=(1, 1, 2))"
	run_rss tomo-info --stats tiny.h5
	assert_success
	[[ "$output" == *"mean:        1"* ]] || fail "$output"
	# It took 430 MB (1.8 GB for a 12 MB file of a million chunks).
	[ "$rss" -lt 150000 ] || fail "tomo-info --stats used $rss kB"
}

@test "HDF5: a damaged global heap behind a string attribute fails at once (libhdf5 looped forever)" {
	"$PY" - <<'EOF'
import h5py, numpy as np
with h5py.File("heap.h5", "w") as f:
    f.create_dataset("data", data=np.zeros((2, 3, 4), "f4")).attrs["note"] = "hello"
b = bytearray(open("heap.h5", "rb").read())
i = b.find(b"GCOL")
assert i > 0
# The collection's free space (object 0) after "hello": size 0.
b[i + 48:i + 56] = bytes(8)
open("heap.h5", "wb").write(b)
EOF
	run timeout 20 tomo-info heap.h5
	assert_failure 1
	assert_one_error_line tomo-info
	assert_output --partial "damaged global heap collection"
}

@test "TIFF: tiles larger than their image are refused before a tile's buffer is made" {
	"$PY" - <<'EOF'
import struct, numpy as np, tifffile
tifffile.imwrite("t.tif", np.zeros((16, 16), "f4"), tile=(16, 16))
b = bytearray(open("t.tif", "rb").read())
assert b[:2] == b"II"
ifd = struct.unpack_from("<I", b, 4)[0]
for k in range(struct.unpack_from("<H", b, ifd)[0]):
    e = ifd + 2 + 12 * k
    tag, typ = struct.unpack_from("<HH", b, e)
    if tag in (322, 323):  # TileWidth, TileLength
        struct.pack_into("<H" if typ == 3 else "<I", b, e + 8, 65520)
open("t.tif", "wb").write(b)
EOF
	run_rss tomo-info --stats t.tif
	assert_failure 1
	assert_output --partial "tiles of 65520x65520, larger than its image of 16x16"
	[ "$rss" -lt 200000 ] || fail "tomo-info used $rss kB"
}

@test "streams: counts a header claims cost no memory before the samples come" {
	hdr() { printf 'NRRD0005\ntype: %s\ndimension: 3\nsizes: %s\nencoding: raw\nendian: little\n\n' "$@"; }
	# tomo-fbp's angles (a 90-byte header cost 7.8 GB).
	hdr float "1 1 1000000000" > fbp.nrrd
	run_rss tomo-fbp < fbp.nrrd
	assert_failure 1
	assert_output --partial "claims 1000000000 projections"
	[ "$rss" -lt 200000 ] || fail "tomo-fbp used $rss kB"
	# tomo-flat's per-frame arrays (67M frames took 1 GB).
	tomo-phantom --size 4 --rows 4 --angles 2 -o flats.nrrd
	hdr float "4 4 67108864" > many.nrrd
	run_rss tomo-flat --flats flats.nrrd < many.nrrd
	assert_failure 1
	assert_output --partial "holds 67108864 frames"
	[ "$rss" -lt 200000 ] || fail "tomo-flat used $rss kB"
}
