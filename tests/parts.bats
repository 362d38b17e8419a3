#!/usr/bin/env bats
# --part I/N: every tool that writes an output makes its part at its place
# in the whole output; N processes, one after another or at once, give the
# file one process writes, bit for bit (tomo-phase: to 1e-5, its filter
# reaches past a part's rows). Splits of 1, 2, 3 and 7 (and more parts than
# rows: empty parts), each format that is written in place.

setup_file() {
	load helpers
	F=$BATS_FILE_TMPDIR
	# 5 detector rows: 7 parts leave some empty
	tomo-phantom --size 48 --rows 5 --angles 40 --center 23.3 -o "$F/proj.nrrd" \
		--volume "$F/vol.nrrd"
	tomo-phantom --size 40 --rows 6 --angles 30 --flats 4 --darks 2 --zingers 0.002 \
		-o "$F/scan.h5"
	# projections taller than Paganin's margin (about 230 rows here)
	tomo-phantom --size 64 --rows 800 --angles 2 -o "$F/li.nrrd"
	pyc "
p, keys = nrrd('$F/li.nrrd')
keys['tomo_quantity'] = 'transmission'
write_nrrd('$F/trans.nrrd', np.exp(-p / 40).astype(np.float32), keys)
"
}

setup() {
	load helpers
	F=$BATS_FILE_TMPDIR
	D=$BATS_TEST_TMPDIR
}

# split N OUT CMD...: run CMD --part i/N -o OUT for every i, in turn.
split() {
	local n=$1 out=$2 i
	shift 2
	rm -f "$out"
	for ((i = 0; i < n; i++)); do
		"$@" --part "$i/$n" -o "$out" || return 1
	done
}

# same_parts EXT CMD...: the whole run against 1, 2, 3 and 7 parts, cmp.
same_parts() {
	local ext=$1 n
	shift
	"$@" -o "$D/whole.$ext"
	for n in 1 2 3 7; do
		split "$n" "$D/parts.$ext" "$@"
		case $ext in
		h5) cmp <(h5dump "$D/whole.$ext" | tail -n +2) <(h5dump "$D/parts.$ext" | tail -n +2) ;;
		*) cmp "$D/whole.$ext" "$D/parts.$ext" ;;
		esac || fail "$n parts of '$*' (.$ext) differ from the whole"
		# a part written twice changes nothing
		"$@" --part "0/$n" -o "$D/parts.$ext"
		[ "$ext" = h5 ] || cmp "$D/whole.$ext" "$D/parts.$ext"
	done
}

@test "tomo-fbp: 1, 2, 3, 7 parts (direct and Fourier, slices, each in-place format) give the whole" {
	same_parts nrrd tomo-fbp "$F/proj.nrrd"
	same_parts nrrd tomo-fbp --method fourier "$F/proj.nrrd"
	same_parts nrrd tomo-fbp --slices 1:4 --memory 1M "$F/proj.nrrd"
	same_parts raw tomo-fbp "$F/proj.nrrd"
	same_parts npy tomo-fbp "$F/proj.nrrd"
	same_parts h5 tomo-fbp "$F/proj.nrrd"
}

@test "tomo-fbp: parts at once (7 processes into one file) give the whole" {
	tomo-fbp "$F/proj.nrrd" -o "$D/whole.nrrd"
	local pids=() i
	for ((i = 0; i < 7; i++)); do
		tomo-fbp "$F/proj.nrrd" --part "$i/7" -o "$D/parts.nrrd" &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p"; done
	cmp "$D/whole.nrrd" "$D/parts.nrrd"
	# TOMO_PART does what --part does
	rm -f "$D/parts.nrrd"
	TOMO_PART=0/2 tomo-fbp "$F/proj.nrrd" -o "$D/parts.nrrd"
	TOMO_PART=1/2 tomo-fbp "$F/proj.nrrd" -o "$D/parts.nrrd"
	cmp "$D/whole.nrrd" "$D/parts.nrrd"
}

@test "tomo-flat: 1, 2, 3, 7 parts (outliers, binning, log) give the whole" {
	same_parts nrrd tomo-flat "$F/scan.h5"
	same_parts nrrd tomo-flat --log --outliers 0.3 --flat-average median "$F/scan.h5"
	same_parts nrrd tomo-flat --bin 2 --memory 1M "$F/scan.h5"
	same_parts h5 tomo-flat --log "$F/scan.h5"
}

@test "tomo-phantom: 1, 2, 3, 7 parts of the projections and of the volume give the whole" {
	same_parts nrrd tomo-phantom --size 32 --rows 5 --angles 20
	local n
	tomo-phantom --size 32 --rows 5 --angles 3 -o "$D/p.nrrd" --volume "$D/whole_vol.nrrd"
	for n in 2 7; do
		rm -f "$D/v.nrrd"
		for ((i = 0; i < n; i++)); do
			tomo-phantom --size 32 --rows 5 --angles 3 -o "$D/p2.nrrd" --volume "$D/v.nrrd" \
				--part "$i/$n"
		done
		cmp "$D/whole_vol.nrrd" "$D/v.nrrd"
		cmp "$D/p.nrrd" "$D/p2.nrrd"
	done
	run tomo-phantom --size 32 --flats 2 --part 0/2 -o "$D/s.h5"
	assert_failure 2
	assert_one_error_line tomo-phantom
}

@test "tomo-slice: 1, 2, 3, 7 parts of float32 slices and of images with a window give the whole" {
	same_parts nrrd tomo-slice --axis y --range 0:48:5 "$F/vol.nrrd"
	local n
	tomo-slice --axis x --window 0:1 "$F/vol.nrrd" -o "$D/w_%02d.png"
	for n in 3 7; do
		mkdir -p "$D/p$n"
		for ((i = 0; i < n; i++)); do
			tomo-slice --axis x --window 0:1 --part "$i/$n" "$F/vol.nrrd" -o "$D/p$n/w_%02d.png"
		done
		for f in "$D"/w_*.png; do cmp "$f" "$D/p$n/${f##*/}"; done
		[ "$(ls "$D/p$n" | wc -l)" -eq 48 ]
	done
	run tomo-slice --axis x --part 0/2 "$F/vol.nrrd" -o "$D/n_%02d.png"
	assert_failure 2
	assert_output --partial "--window"
	run tomo-slice --ortho --part 0/2 "$F/vol.nrrd" -o "$D/o.png"
	assert_failure 2
}

@test "tomo-phase: parts agree with the whole to 1e-5 (the filter's margin is read)" {
	local beam="--energy 25 --distance 0.5 --pixel-size 6.5e-6 --delta-beta 30"
	tomo-phase $beam "$F/trans.nrrd" -o "$D/whole.nrrd"
	for n in 2 3 7; do
		split "$n" "$D/parts.nrrd" tomo-phase $beam "$F/trans.nrrd"
		pyc "
a, _ = nrrd('$D/whole.nrrd'); b, _ = nrrd('$D/parts.nrrd')
err = np.abs(a - b).max() / np.abs(a).max()
print('$n parts: max relative difference', err)
assert err <= 1e-5, err
"
	done
	# the margin is read, and it is less than the projections: the parts
	# above read fewer rows than the whole
	run tomo-phase -v $beam --part 0/7 "$F/trans.nrrd" -o "$D/one.nrrd"
	assert_success
	assert_output --regexp "rows 0:114, filtered with a margin of [1-9][0-9] rows|rows 0:114, filtered with a margin of [1-6][0-9][0-9] rows"
}

@test "--part: a part that does not exist, or not I/N, is a usage error (exit 2, one line)" {
	for bad in 3/2 2/2 x 1 -1/2 1/0 ""; do
		for t in tomo-fbp tomo-flat tomo-phase tomo-phantom tomo-slice; do
			local input=("$F/proj.nrrd")
			[ "$t" = tomo-phantom ] && input=()
			run "$t" --part "$bad" "${input[@]}" -o "$D/x.nrrd"
			assert_failure 2
			assert_one_error_line "$t"
		done
		run env TOMO_PART="$bad" tomo-fbp "$F/proj.nrrd" -o "$D/x.nrrd"
		[ -z "$bad" ] || assert_failure 2
	done
	run tomo-fbp --part 3/2 "$F/proj.nrrd" -o "$D/x.nrrd"
	assert_output --partial "numbered 0 to 1"
}

@test "--part into a TIFF is refused: parts are written in place" {
	run tomo-fbp --part 0/2 "$F/proj.nrrd" -o "$D/x.tif"
	assert_failure 2
	assert_one_error_line tomo-fbp
	[ ! -e "$D/x.tif" ]
}
