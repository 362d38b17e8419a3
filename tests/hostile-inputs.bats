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
