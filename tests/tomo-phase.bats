#!/usr/bin/env bats
# tomo-phase: the filter against an independent NumPy computation, TomoPy's
# stored retrieve_phase output, a Fresnel-simulated sphere, CPU vs GPU,
# streaming, and bad input.

load helpers

setup() {
	T=$BATS_TEST_TMPDIR
}

# Random smooth transmission projections (3 x 30 x 45) with a border of 1.
make_smooth() {
	pyc "
from phase_py import *
write_nrrd('$T/smooth.nrrd', smooth_projections(3, 30, 45),
           {'tomo_kind': 'projections', 'tomo_quantity': 'transmission',
            'tomo_angles': '0 60 120', 'origin': 'bats test'})"
}

PHYS="--energy 20 --distance 0.02 --pixel-size 1e-6 --delta-beta 50"

# Compare $1 (our output) with retrieve() under the given method, pad, mode.
check_against_numpy() {
	local method=$1 pad=$2 mode=$3
	run tomo-phase $PHYS --method "$method" --pad "$pad" --pad-mode "$mode" \
		--no-log -o "$T/nolog.nrrd" "$T/smooth.nrrd"
	assert_success
	run tomo-phase $PHYS --method "$method" --pad "$pad" --pad-mode "$mode" \
		-o "$T/log.nrrd" "$T/smooth.nrrd"
	assert_success
	pyc "
from phase_py import *
T, _ = nrrd('$T/smooth.nrrd')
pad = 'auto' if '$pad' == 'auto' else int('$pad')
ref = retrieve(T, 20, 0.02, 1e-6, 50, '$method', pad, '$mode', log=False)
got, keys = nrrd('$T/nolog.nrrd')
assert keys['tomo_quantity'] == 'transmission', keys
rel = np.max(np.abs(got - ref) / np.abs(ref))
assert rel < 1e-4, rel
# The filter must have done something here (a no-op would pass nothing).
assert np.max(np.abs(T - ref)) > 0.02, np.max(np.abs(T - ref))
lref = -np.log(ref)
got, keys = nrrd('$T/log.nrrd')
assert keys['tomo_quantity'] == 'line-integral', keys
err = np.max(np.abs(got - lref)) / np.max(np.abs(lref))
assert err < 1e-4, err
print('$method $pad $mode', rel, err)"
}

@test "paganin matches NumPy: edge, mirror, zero padding, auto and --pad N" {
	make_smooth
	for mode in edge mirror zero; do
		check_against_numpy paganin auto $mode
		check_against_numpy paganin 7 $mode
	done
}

@test "gpaganin matches NumPy: edge, mirror, zero padding, auto and --pad N" {
	make_smooth
	for mode in edge mirror zero; do
		check_against_numpy gpaganin auto $mode
		check_against_numpy gpaganin 7 $mode
	done
}

@test "gpaganin differs from paganin where the pixel grid matters" {
	make_smooth
	tomo-phase --energy 20 --distance 0.5 --pixel-size 1e-6 --delta-beta 50 \
		--method paganin -o "$T/p.nrrd" "$T/smooth.nrrd"
	tomo-phase --energy 20 --distance 0.5 --pixel-size 1e-6 --delta-beta 50 \
		--method gpaganin -o "$T/g.nrrd" "$T/smooth.nrrd"
	pyc "
p, _ = nrrd('$T/p.nrrd'); g, _ = nrrd('$T/g.nrrd')
d = np.max(np.abs(p - g)) / np.max(np.abs(p))
assert 1e-3 < d < 0.5, d"
}

@test "keys are carried, parameters recorded, quantity set" {
	make_smooth
	run tomo-phase $PHYS -o "$T/out.nrrd" "$T/smooth.nrrd"
	assert_success
	pyc "
a, k = nrrd('$T/out.nrrd')
assert a.shape == (3, 30, 45), a.shape
assert k['origin'] == 'bats test', k
assert k['tomo_angles'] == '0 60 120', k
assert k['tomo_quantity'] == 'line-integral', k
assert k['tomo_kind'] == 'projections', k
assert float(k['tomo_energy']) == 20 and float(k['tomo_distance']) == 0.02, k
assert float(k['tomo_pixel_size']) == 1e-6, k"
}

@test "parameters default to the stream's keys" {
	make_smooth
	pyc "
T, k = nrrd('$T/smooth.nrrd')
write_nrrd('$T/keyed.nrrd', T, dict(k, tomo_energy='20', tomo_distance='0.02',
                                    tomo_pixel_size='1e-06'))"
	tomo-phase $PHYS -o "$T/a.nrrd" "$T/smooth.nrrd"
	tomo-phase --delta-beta 50 -o "$T/b.nrrd" "$T/keyed.nrrd"
	cmp "$T/a.nrrd" "$T/b.nrrd"
	# An option overrides the key.
	tomo-phase --delta-beta 50 --distance 0.3 -o "$T/c.nrrd" "$T/keyed.nrrd"
	! cmp -s "$T/a.nrrd" "$T/c.nrrd"
}

@test "TomoPy's retrieve_phase output reproduced (CHECKS.md P1) to rtol 1e-6" {
	need_shared tomopy-test/retrieve_phase.npy
	pyc "
p = np.load('$SHARED_DATA/tomopy-test/proj.npy')
write_nrrd('$T/proj.nrrd', p, {'tomo_kind': 'projections', 'tomo_quantity': 'transmission'})"
	# TomoPy's units are cm: pixel 1e-4 cm = 1e-6 m, distance 50 cm = 0.5 m.
	run tomo-phase --alpha 1e-3 --no-log --energy 20 --distance 0.5 \
		--pixel-size 1e-6 -o "$T/rp.nrrd" "$T/proj.nrrd"
	assert_success
	# proj.npy holds zeros (line integrals used as intensities): clamped.
	assert_output --partial "tomo-phase: warning: 928 transmission samples"
	tomo-phase --alpha 1e-3 --energy 20 --distance 0.5 --pixel-size 1e-6 -q \
		-o "$T/rp_log.nrrd" "$T/proj.nrrd"
	pyc "
from phase_py import *
ref = np.load('$SHARED_DATA/tomopy-test/retrieve_phase.npy')
got, _ = nrrd('$T/rp.nrrd')
np.testing.assert_allclose(got, ref, rtol=1e-6, atol=0)
# Our own step-by-step NumPy reading of TomoPy agrees with the file too.
p = np.load('$SHARED_DATA/tomopy-test/proj.npy')
np.testing.assert_allclose(tomopy_retrieve_phase(p), ref, rtol=1e-6)
lg, _ = nrrd('$T/rp_log.nrrd')
np.testing.assert_allclose(lg, -np.log(ref), rtol=1e-5, atol=1e-6)
print('max rel', np.max(np.abs(got - ref) / np.abs(ref)))"
}

@test "TomoPy mode on other sizes and odd widths matches the NumPy reading" {
	pyc "
rng = np.random.default_rng(3)
p = (0.5 + 0.4 * rng.random((2, 13, 47))).astype(np.float32)
write_nrrd('$T/odd.nrrd', p, {'tomo_quantity': 'transmission'})"
	tomo-phase --alpha 2e-3 --no-log --energy 25 --distance 0.3 \
		--pixel-size 2e-6 -o "$T/odd_out.nrrd" "$T/odd.nrrd"
	pyc "
from phase_py import *
p, _ = nrrd('$T/odd.nrrd')
got, _ = nrrd('$T/odd_out.nrrd')
ref = tomopy_retrieve_phase(p, pixel_cm=2e-4, dist_cm=30, kev=25, alpha=2e-3)
np.testing.assert_allclose(got, ref, rtol=1e-5)"
}

@test "--from-log takes line integrals and gives the transmission result" {
	make_smooth
	pyc "
T, k = nrrd('$T/smooth.nrrd')
write_nrrd('$T/li.nrrd', -np.log(T), dict(k, tomo_quantity='line-integral'))"
	tomo-phase $PHYS -o "$T/a.nrrd" "$T/smooth.nrrd"
	tomo-phase $PHYS --from-log -o "$T/b.nrrd" "$T/li.nrrd"
	pyc "
a, _ = nrrd('$T/a.nrrd'); b, _ = nrrd('$T/b.nrrd')
assert np.max(np.abs(a - b)) < 1e-5, np.max(np.abs(a - b))"
}

@test "line integrals without --from-log are refused in one line" {
	make_smooth
	pyc "
T, k = nrrd('$T/smooth.nrrd')
write_nrrd('$T/li.nrrd', -np.log(T), dict(k, tomo_quantity='line-integral'))"
	run tomo-phase $PHYS -o "$T/x.nrrd" "$T/li.nrrd"
	assert_failure 1
	assert_one_error_line tomo-phase
	assert_output --partial "line integrals"
	assert_output --partial "--from-log"
	[ ! -e "$T/x.nrrd" ]
}

@test "other kinds and quantities are refused" {
	pyc "
write_nrrd('$T/sino.nrrd', np.ones((2, 3, 4)), {'tomo_kind': 'sinograms'})
write_nrrd('$T/counts.nrrd', np.ones((2, 3, 4)), {'tomo_quantity': 'counts'})
write_nrrd('$T/tr.nrrd', np.ones((2, 3, 4)), {'tomo_quantity': 'transmission'})"
	run tomo-phase $PHYS -o "$T/x.nrrd" "$T/sino.nrrd"
	assert_failure 1
	assert_one_error_line tomo-phase
	assert_output --partial "sinograms"
	run tomo-phase $PHYS -o "$T/x.nrrd" "$T/counts.nrrd"
	assert_failure 1
	assert_output --partial "tomo-flat"
	run tomo-phase $PHYS --from-log -o "$T/x.nrrd" "$T/tr.nrrd"
	assert_failure 1
	assert_one_error_line tomo-phase
}

@test "missing parameters exit 2 naming each" {
	make_smooth
	run tomo-phase -o "$T/x.nrrd" "$T/smooth.nrrd"
	assert_failure 2
	assert_output --partial "--energy"
	assert_output --partial "--distance"
	assert_output --partial "--pixel-size"
	assert_output --partial "--delta-beta"
	run tomo-phase --energy 20 --distance 0.5 --pixel-size 1e-6 -o "$T/x.nrrd" \
		"$T/smooth.nrrd"
	assert_failure 2
	assert_output --partial "--delta-beta R is required"
	refute_output --partial "--energy"
	run tomo-phase --energy 20 --pixel-size 1e-6 --delta-beta 5 -o "$T/x.nrrd" \
		"$T/smooth.nrrd"
	assert_failure 2
	assert_output --partial "--distance M is required: the input has no tomo_distance"
	[ ! -e "$T/x.nrrd" ]
}

@test "zero or negative energy, distance, pixel size, delta/beta, alpha exit 2" {
	make_smooth
	for bad in "--energy 0" "--energy -20" "--distance 0" "--distance -0.1" \
		"--pixel-size 0" "--pixel-size -1e-6" "--delta-beta 0" "--delta-beta -5"; do
		run tomo-phase $PHYS $bad -o "$T/x.nrrd" "$T/smooth.nrrd"
		assert_failure 2
		assert_output --partial "${bad%% *}"
	done
	run tomo-phase --energy 20 --distance 0.5 --pixel-size 1e-6 --alpha 0 \
		-o "$T/x.nrrd" "$T/smooth.nrrd"
	assert_failure 2
	# A non-positive value in the stream is refused too.
	pyc "
T, k = nrrd('$T/smooth.nrrd')
write_nrrd('$T/zero_e.nrrd', T, dict(k, tomo_energy='0'))"
	run tomo-phase --distance 0.5 --pixel-size 1e-6 --delta-beta 5 -o "$T/x.nrrd" \
		"$T/zero_e.nrrd"
	assert_failure 2
	assert_output --partial "tomo_energy is 0"
	[ ! -e "$T/x.nrrd" ]
}

@test "option conflicts and bad values exit 2" {
	run tomo-phase $PHYS --alpha 1e-3 /dev/null
	assert_failure 2
	assert_output --partial "exclude each other"
	run tomo-phase --alpha 1e-3 --method gpaganin /dev/null
	assert_failure 2
	run tomo-phase $PHYS --method fourier /dev/null
	assert_failure 2
	run tomo-phase $PHYS --pad -3 /dev/null
	assert_failure 2
	run tomo-phase $PHYS --pad-mode wrap /dev/null
	assert_failure 2
}

@test "non-positive and non-finite transmission is clamped, counted, never NaN" {
	pyc "
T = np.full((2, 20, 24), 0.8, np.float32)
T[0, 5, 5] = 0; T[0, 6, 7] = -0.3; T[1, 10, 10] = np.nan
T[1, 11, 3] = np.inf; T[1, 0, 0] = -1e30
write_nrrd('$T/bad.nrrd', T, {'tomo_quantity': 'transmission'})"
	run tomo-phase $PHYS -o "$T/out.nrrd" "$T/bad.nrrd"
	assert_success
	assert_output --partial "warning: 5 transmission samples were below 1e-06"
	assert_output --partial "(5 in the input, 0 after filtering)"
	# Strongly negative input survives filtering below zero: clamped after too.
	pyc "
T = np.full((1, 16, 16), 0.9, np.float32); T[0, 4:12, 4:12] = -5
write_nrrd('$T/neg.nrrd', T, {'tomo_quantity': 'transmission'})"
	run tomo-phase --energy 20 --distance 1e-4 --pixel-size 1e-6 --delta-beta 1 \
		--no-log -o "$T/neg_out.nrrd" "$T/neg.nrrd"
	assert_success
	pyc "
for f in ('out', 'neg_out'):
    a, _ = nrrd('$T/%s.nrrd' % f)
    assert np.all(np.isfinite(a)), f
    assert np.all(a > 0), f
a, _ = nrrd('$T/out.nrrd')
assert np.max(a) <= -np.log(1e-6) + 1e-3, np.max(a)"
	run tomo-phase -q $PHYS -o "$T/out.nrrd" "$T/bad.nrrd"
	assert_success
	assert_output ""
}

@test "a Fresnel-propagated sphere: -ln of the retrieved transmission is mu t" {
	pyc "
from phase_py import *
I, mut, r2 = fresnel_sphere()
np.save('$T/mut.npy', mut); np.save('$T/r2.npy', r2)
write_nrrd('$T/sphere.nrrd', np.stack([I, I]),
           {'tomo_kind': 'projections', 'tomo_quantity': 'transmission',
            'tomo_angles': '0 90', 'tomo_energy': '20', 'tomo_distance': '0.05',
            'tomo_pixel_size': '1e-06'})"
	for m in paganin gpaganin; do
		tomo-phase --delta-beta 50 --method $m -o "$T/sphere_$m.nrrd" "$T/sphere.nrrd"
	done
	pyc "
mut = np.load('$T/mut.npy'); r2 = np.load('$T/r2.npy')
I, _ = nrrd('$T/sphere.nrrd')
inside = r2 < (0.7 * 30) ** 2
naive = np.max(np.abs(-np.log(I[0]) - mut)[inside] / mut[inside])
# Without phase retrieval the edge-enhancement fringes spoil mu t.
assert naive > 0.05, naive
for m in ('paganin', 'gpaganin'):
    a, _ = nrrd('$T/sphere_%s.nrrd' % m)
    err = np.max(np.abs(a[1] - mut)[inside] / mut[inside])
    assert err < 0.03, (m, err)
    print(m, 'max relative error of mu t inside 0.7 R:', err, 'naive', naive)"
}

@test "a Fresnel-propagated sphere through tomo-phase | tomo-fbp gives mu" {
	command -v tomo-fbp >/dev/null || skip "tomo-fbp is not built yet"
	pyc "
from phase_py import *
I, mut, r2 = fresnel_sphere()
n = 90
write_nrrd('$T/sphere.nrrd', np.repeat(I[None], n, axis=0),
           {'tomo_kind': 'projections', 'tomo_quantity': 'transmission',
            'tomo_angles': ' '.join('%g' % (180.0 * k / n) for k in range(n)),
            'tomo_energy': '20', 'tomo_distance': '0.05', 'tomo_pixel_size': '1e-06'})"
	tomo-phase --delta-beta 50 "$T/sphere.nrrd" | tomo-fbp -o "$T/vol.nrrd"
	pyc "
v, k = nrrd('$T/vol.nrrd')
# volume x, y, z = slice; the sphere's centre is the middle slice (row 48)
# and the middle of the slice; mu is 0.01 per pixel.
nz, ny, nx = v.shape
s = v[nz // 2]
y, x = np.mgrid[0:ny, 0:nx]
r2 = (x + 0.5 - nx / 2) ** 2 + (y + 0.5 - ny / 2) ** 2
inside = r2 < 18 ** 2
err = np.max(np.abs(s[inside] - 0.01)) / 0.01
mean = s[inside].mean()
print('mu inside: mean', mean, 'max rel err', err)
# Measured 0.2 %; -ln of the raw intensity gives 3.6 % (mean) and 4.6 %.
assert abs(mean - 0.01) < 0.0001, mean
assert err < 0.02, err"
}

@test "the first projections leave before the last ones arrive" {
	pyc "
T = np.full((120, 64, 64), 0.7, np.float32)
write_nrrd('$T/stream.nrrd', T, {'tomo_kind': 'projections', 'tomo_quantity': 'transmission'})"
	pyc "
import subprocess, select, os, time
data = open('$T/stream.nrrd', 'rb').read()
head = data.index(b'\n\n') + 2
plane = 64 * 64 * 4
p = subprocess.Popen(['tomo-phase', '--memory', '1M', '--threads', '1',
                      '--energy', '20', '--distance', '0.05', '--pixel-size', '1e-6',
                      '--delta-beta', '50'],
                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)
# The header and 60 of 120 projections, then wait for output.
p.stdin.write(data[:head + 60 * plane]); p.stdin.flush()
got = b''
deadline = time.time() + 20
while len(got) < 4096 + plane and time.time() < deadline:
    r, _, _ = select.select([p.stdout], [], [], 1)
    if r:
        got += os.read(p.stdout.fileno(), 1 << 16)
assert len(got) >= 4096 + plane, 'no output before the input ended: %d bytes' % len(got)
p.stdin.write(data[head + 60 * plane:]); p.stdin.close()
rest = p.stdout.read()
assert p.wait() == 0
out = got + rest
a = np.frombuffer(out[out.index(b'\n\n') + 2:], '<f4')
assert a.size == 120 * 64 * 64, a.size
assert np.allclose(a, -np.log(0.7), atol=1e-5), (a.min(), a.max())"
}

@test "slabs, threads and pipes give the same numbers as one slab" {
	make_smooth
	tomo-phase $PHYS -o "$T/a.nrrd" "$T/smooth.nrrd"
	tomo-phase $PHYS --memory 100K --threads 1 < "$T/smooth.nrrd" > "$T/b.nrrd"
	cat "$T/smooth.nrrd" | tomo-phase $PHYS --threads 2 - | cat > "$T/c.nrrd"
	cmp "$T/a.nrrd" "$T/b.nrrd"
	cmp "$T/a.nrrd" "$T/c.nrrd"
}

@test "CPU and GPU agree to 1e-5" {
	make_smooth
	for m in "--method paganin" "--method gpaganin --pad-mode mirror" \
		"--alpha 1e-3 --no-log"; do
		if [ "${m#--alpha}" != "$m" ]; then
			p="--energy 20 --distance 0.5 --pixel-size 1e-6"
		else
			p=$PHYS
		fi
		tomo-phase $p $m --device cpu -o "$T/cpu.nrrd" "$T/smooth.nrrd"
		run_gpu tomo-phase $p $m -o "$T/gpu.nrrd" "$T/smooth.nrrd"
		assert_success
		pyc "
a, _ = nrrd('$T/cpu.nrrd'); b, _ = nrrd('$T/gpu.nrrd')
d = np.max(np.abs(a - b)) / np.max(np.abs(a))
assert d < 1e-5, d"
	done
}

@test "--device gpu without a GPU exits 3" {
	make_smooth
	if tomo-phase $PHYS --device gpu -o "$T/g.nrrd" "$T/smooth.nrrd" 2>/dev/null; then
		skip "a GPU is usable here"
	fi
	run tomo-phase $PHYS --device gpu -o "$T/g.nrrd" "$T/smooth.nrrd"
	assert_failure 3
	assert_one_error_line tomo-phase
	[ ! -e "$T/g.nrrd" ]
}

@test "a truncated input stream is an error in one line, and no output is left" {
	pyc "
T = np.full((40, 32, 32), 0.7, np.float32)
write_nrrd('$T/t.nrrd', T, {'tomo_quantity': 'transmission'})"
	head -c 100000 "$T/t.nrrd" > "$T/short"
	run sh -c "tomo-phase $PHYS --memory 200K -o '$T/x.nrrd' < '$T/short'"
	assert_failure 1
	assert_one_error_line tomo-phase
	[ ! -e "$T/x.nrrd" ]
	ls -A "$T" | grep -q '^\.x\.nrrd' && fail "temporary file left"
	true
}
