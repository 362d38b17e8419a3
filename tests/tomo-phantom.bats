#!/usr/bin/env bats
# tomo-phantom: stream keys and sizes, projections and volume against an
# independent NumPy model of the published Shepp-Logan table, the centre and
# angle conventions, random phantoms, the simulated DXchange and NXtomo
# scans (structure and statistics), usage errors, atomic outputs.

load helpers

setup() {
	cd "$BATS_TEST_TMPDIR"
}

# pyc with the Shepp-Logan reference and h5py at hand.
pyr() {
	pyc "
from phantom_ref import *
import h5py
def sv(v):  # an HDF5 string, fixed-length (bytes) or variable (str)
    return v.decode() if isinstance(v, bytes) else str(v)
$1" "${@:2}"
}

@test "projections: sizes, kind, quantity, default angles and centre" {
	run tomo-phantom --size 32 --rows 8 -o p.nrrd
	assert_success
	# ceil(pi/2 * 32) = 51 angles over 0:180, centre 16
	pyc "
a, k = nrrd('p.nrrd')
assert a.shape == (51, 8, 32), a.shape
assert k['tomo_kind'] == 'projections' and k['tomo_quantity'] == 'line-integral', k
ang = np.array(k['tomo_angles'].split(), float)
assert np.allclose(ang, 180 * np.arange(51) / 51, atol=1e-12), ang
assert float(k['tomo_center']) == 16.0, k['tomo_center']
assert k['tomo_phantom'] == 'shepp-logan'
assert a.min() == 0 and a.max() > 5
"
}

@test "volume: sizes, kind, quantity; rows default to the size" {
	run tomo-phantom --size 24 --angles 3 --volume v.nrrd -o p.nrrd
	assert_success
	pyc "
v, k = nrrd('v.nrrd')
assert v.shape == (24, 24, 24), v.shape
assert k['tomo_kind'] == 'volume' and k['tomo_quantity'] == 'attenuation', k
assert 'tomo_angles' not in k
assert v.min() == 0 and abs(v.max() - 1) < 1e-6, (v.min(), v.max())
p, kp = nrrd('p.nrrd')
assert p.shape == (3, 24, 24)
"
}

@test "Shepp-Logan projections match an independent NumPy computation to 1e-4" {
	# off-centre axis, rows != size, angles over more than half a turn
	run tomo-phantom --size 64 --rows 24 --angles 7 --range 10:370 \
		--center 30.3 -o p.nrrd
	assert_success
	pyr "
p, k = nrrd('p.nrrd')
ang = np.array(k['tomo_angles'].split(), float)
assert np.allclose(ang, 10 + 360 * np.arange(7) / 7)
ref = projections(64, 24, ang, 30.3)
big = np.abs(ref) > 1e-3 * ref.max()
rel = np.abs(p[big] - ref[big]) / np.abs(ref[big])
assert rel.max() < 1e-4, rel.max()
assert np.abs(p[~big]).max() < 1e-4 * ref.max()
assert big.sum() > 2000, big.sum()
"
}

@test "volume equals the table sampled at voxel centres; small ellipses at the bottom" {
	# 9 slices: slice 4 is the central one (z = 0)
	run tomo-phantom --size 128 --rows 9 --angles 1 --volume v.nrrd -o /dev/null
	assert_success
	pyr "
v, k = nrrd('v.nrrd')
ref, edge = volume(128, 9)
bad = (np.abs(v - ref) > 1e-6) & (edge > 1e-9)
assert not bad.any(), np.argwhere(bad)[:10]
c = v[4]
# the three small ellipses (0.1 on the brain's 0.2) near the last rows ...
assert np.isclose(c[int(0.75 * 128):], 0.3, atol=1e-6).sum() > 5
assert not np.isclose(c[:int(0.18 * 128)], 0.3, atol=1e-6).any()
# ... the bright blob above the centre, only brain below it
assert abs(c[64 - 23, 64] - 0.3) < 1e-6 and abs(c[64 + 22, 64] - 0.2) < 1e-6
"
}

@test "--center moves the object on the detector by the offset" {
	run tomo-phantom --size 64 --rows 6 --angles 5 -o a.nrrd
	assert_success
	run tomo-phantom --size 64 --rows 6 --angles 5 --center 35 -o b.nrrd
	assert_success
	pyc "
a, ka = nrrd('a.nrrd'); b, kb = nrrd('b.nrrd')
assert float(ka['tomo_center']) == 32 and float(kb['tomo_center']) == 35
assert np.abs(b[:, :, 3:] - a[:, :, :-3]).max() < 1e-6
assert np.abs(b[:, :, :3]).max() == 0
"
}

@test "--range: angles START + i (STOP-START)/A; theta + 180 mirrors the detector" {
	run tomo-phantom --size 40 --rows 4 --angles 4 --range -90:270 -o p.nrrd
	assert_success
	pyc "
p, k = nrrd('p.nrrd')
assert k['tomo_angles'].split() == ['-90', '0', '90', '180'], k['tomo_angles']
assert np.abs(p[2] - p[0][:, ::-1]).max() < 1e-5
assert np.abs(p[3] - p[1][:, ::-1]).max() < 1e-5
assert np.abs(p[1] - p[0]).max() > 1
"
}

@test "--random: reproducible, seed-dependent, positive and inside the cylinder" {
	tomo-phantom --size 48 --rows 20 --angles 6 --random 5 -o a.nrrd --volume va.nrrd
	tomo-phantom --size 48 --rows 20 --angles 6 --random 5 -o b.nrrd --threads 1
	tomo-phantom --size 48 --rows 20 --angles 6 --random 6 -o c.nrrd
	cmp a.nrrd b.nrrd
	! cmp -s a.nrrd c.nrrd
	pyc "
a, k = nrrd('a.nrrd'); v, kv = nrrd('va.nrrd')
assert k['tomo_phantom'] == 'random 5' and kv['tomo_phantom'] == 'random 5'
assert v.min() >= 0 and 0.1 < v.max() <= 2.5, (v.min(), v.max())
x = np.arange(48) + 0.5 - 24
r = np.hypot(x[None, :], x[:, None])
assert (v[:, r > 24] == 0).all()
assert a.min() >= 0 and a.max() > 1
# the projections are zero beyond |s| = 24, and mass is conserved (per
# row to the lattice-point error of small 48-pixel slices, in total to 1%)
assert (a[:, :, [0, 47]] == 0).all()
pa, pv = a.sum(axis=2), v.sum(axis=(1, 2))
assert (np.abs(pa - pv) < 0.02 * pv.max()).all()
assert (np.abs(pa.sum(axis=1) / pv.sum() - 1) < 0.01).all()
"
}

@test "slabs: a tiny --memory gives the same projections and volume" {
	tomo-phantom --size 40 --angles 9 -o a.nrrd --volume va.nrrd
	tomo-phantom --size 40 --angles 9 --memory 1K -o b.nrrd --volume vb.nrrd
	cmp a.nrrd b.nrrd
	cmp va.nrrd vb.nrrd
}

@test "a pipe into tomo-info works" {
	run bash -c "tomo-phantom --size 32 --rows 10 --angles 5 | tomo-info --stats -"
	assert_success
	assert_output --partial "kind:        projections"
	assert_output --partial "sizes:       32 x 10 x 5"
	assert_output --partial "nan:         0"
}

@test "--volume to stdout with -o FILE; both on stdout is a usage error" {
	run bash -c "tomo-phantom --size 16 --angles 2 -o p.nrrd --volume - | tomo-info -"
	assert_success
	assert_output --partial "kind:        volume"
	assert_output --partial "sizes:       16 x 16 x 16"
	run tomo-phantom --size 16 --volume -
	assert_failure 2
	assert_one_error_line tomo-phantom
}

@test "scan: DXchange structure, dtypes, angles and metadata" {
	run tomo-phantom --size 32 --rows 8 --angles 12 --range 0:360 --flats 4 \
		--darks 3 --photons 5000 -o scan.h5
	assert_success
	pyr "
f = h5py.File('scan.h5', 'r')
assert sv(f['/implements'][()]) == 'exchange'
d, w, k = f['/exchange/data'], f['/exchange/data_white'], f['/exchange/data_dark']
assert d.shape == (12, 8, 32) and w.shape == (4, 8, 32) and k.shape == (3, 8, 32)
assert d.dtype == w.dtype == k.dtype == np.uint16
assert d.chunks == (1, 8, 32)
t = f['/exchange/theta']
assert t.dtype == np.float64 and sv(t.attrs['units']) == 'degrees'
assert np.allclose(t[()], 30 * np.arange(12))
assert f.attrs['tomo_phantom_mu'] == 8 / 32 and f.attrs['tomo_center'] == 16
assert f.attrs['tomo_phantom_photons'] == 5000
"
}

@test "scan: libtomo's HDF5 reader sees counts, angles and the centre" {
	tomo-phantom --size 20 --rows 5 --angles 6 --center 9.5 --photons 500 -o scan.h5
	tomo-phantom --size 20 --rows 5 --angles 6 --center 9.5 --nexus -o scan.nxs
	run tomo-info scan.h5
	assert_success
	assert_output --partial "kind:        projections"
	assert_output --partial "quantity:    counts"
	assert_output --partial "sizes:       20 x 5 x 6"
	assert_output --partial "angles:      6, 0 to 150 degrees"
	assert_output --partial "center:      9.5"
	run tomo-info scan.nxs:/entry/data/data
	assert_success
	assert_output --partial "quantity:    counts"
	assert_output --partial "sizes:       20 x 5 x 26"
	assert_output --partial "center:      9.5"
}

@test "scan: NXtomo frames (darks, flats, projections, flats), keys, angles, links" {
	run tomo-phantom --size 32 --rows 8 --angles 10 --range 0:180 --flats 5 \
		--darks 2 --nexus -o scan.nxs
	assert_success
	run tomo-phantom --size 32 --rows 8 --angles 10 --range 0:180 --flats 5 \
		--darks 2 -o scan.h5
	assert_success
	pyr "
f = h5py.File('scan.nxs', 'r')
e = f['/entry']
assert sv(e.attrs['NX_class']) == 'NXentry' and sv(e['definition'][()]) == 'NXtomo'
det = f['/entry/instrument/detector']
assert sv(det.attrs['NX_class']) == 'NXdetector'
assert sv(f['/entry/instrument'].attrs['NX_class']) == 'NXinstrument'
assert sv(f['/entry/sample'].attrs['NX_class']) == 'NXsample'
d, key = det['data'], det['image_key']
assert d.shape == (2 + 5 + 10, 8, 32) and d.dtype == np.uint16
assert key.dtype == np.int32
assert list(key[()]) == [2] * 2 + [1] * 3 + [0] * 10 + [1] * 2, list(key[()])
rot = f['/entry/sample/rotation_angle']
assert rot.dtype == np.float64 and sv(rot.attrs['units']) in ('degree', 'degrees')
ang = 18 * np.arange(10)
assert np.allclose(rot[()], np.r_[[0] * 5, ang, [162] * 2]), rot[()]
nd = f['/entry/data']
assert sv(nd.attrs['NX_class']) == 'NXdata' and sv(nd.attrs['signal']) == 'data'
for name, src in (('data', d), ('image_key', key), ('rotation_angle', rot)):
    assert nd[name].id == src.id, name
# the same frames as the DXchange file of the same scan
g = h5py.File('scan.h5', 'r')
assert (d[0:2] == g['/exchange/data_dark'][()]).all()
assert (d[2:5] == g['/exchange/data_white'][:3]).all()
assert (d[5:15] == g['/exchange/data'][()]).all()
assert (d[15:] == g['/exchange/data_white'][3:]).all()
"
}

@test "scan: flats ~ P b + D, darks ~ D, (proj - dark)/(flat - dark) ~ exp(-mu L)" {
	tomo-phantom --size 48 --rows 12 --angles 16 --flats 20 --darks 20 \
		--photons 20000 -o scan.h5 --volume v.nrrd
	tomo-phantom --size 48 --rows 12 --angles 16 -o li.nrrd
	pyr "
f = h5py.File('scan.h5', 'r')
d = f['/exchange/data'][()].astype(float)
w = f['/exchange/data_white'][()].astype(float)
k = f['/exchange/data_dark'][()].astype(float)
mu = f.attrs['tomo_phantom_mu']
v, kv = nrrd('v.nrrd')
assert float(kv['tomo_phantom_mu']) == mu == 8 / 48
hot = k.min(axis=0) > 10000
assert 1 <= hot.sum() <= 3, hot.sum()
ok = ~hot
dm, wm = k.mean(axis=0), w.mean(axis=0)
# darks: about 100 counts (95..105 per pixel), Poisson spread
assert abs(dm[ok].mean() - 100) < 1, dm[ok].mean()
assert 8 < k.std(axis=0)[ok].mean() < 12
# flats: P b + D, to the noise of a 20-frame mean (+ the dark's +-5)
exp_w = 20000 * beam(48, 12) + 100
sig = np.sqrt(exp_w / 20)
assert (np.abs(wm - exp_w)[ok] < 5 * sig[ok] + 6).all()
assert abs((wm - exp_w)[ok].mean()) < 2
# transmission on average
li, kl = nrrd('li.nrrd')
T = (d - dm) / (wm - dm)
m = ok[None] & (li > 0)
ratio = T[m] / np.exp(-mu * li[m])
assert abs(ratio.mean() - 1) < 0.005, ratio.mean()
e = np.exp(-mu * li[m])
assert 0.1 < e.min() and np.median(e) < 0.5
# outside the object the transmission is 1
assert abs(T[ok[None] & (li == 0)].mean() - 1) < 0.005
"
}

@test "scan: the noise is the same for any thread count and depends on --seed" {
	tomo-phantom --size 24 --rows 6 --angles 5 --flats 2 --darks 2 --threads 1 -o a.h5
	tomo-phantom --size 24 --rows 6 --angles 5 --flats 2 --darks 2 --threads 2 -o b.h5
	tomo-phantom --size 24 --rows 6 --angles 5 --flats 2 --darks 2 --memory 1K -o c.h5
	tomo-phantom --size 24 --rows 6 --angles 5 --flats 2 --darks 2 --seed 9 -o d.h5
	pyr "
fs = [h5py.File(n + '.h5', 'r') for n in 'abcd']
for name in ('data', 'data_white', 'data_dark'):
    a = fs[0]['/exchange/' + name][()]
    assert (a == fs[1]['/exchange/' + name][()]).all(), name
    assert (a == fs[2]['/exchange/' + name][()]).all(), name
    assert (a != fs[3]['/exchange/' + name][()]).mean() > 0.5, name
assert fs[3].attrs['tomo_phantom_seed'] == 9 and fs[0].attrs['tomo_phantom_seed'] == 1
"
}

@test "scan: --zingers add rare bright counts to projections only" {
	tomo-phantom --size 32 --rows 8 --angles 40 --flats 2 --darks 2 -o a.h5
	tomo-phantom --size 32 --rows 8 --angles 40 --flats 2 --darks 2 --zingers 0.01 -o b.h5
	pyr "
a = h5py.File('a.h5', 'r'); b = h5py.File('b.h5', 'r')
diff = b['/exchange/data'][()].astype(int) - a['/exchange/data'][()].astype(int)
z = diff != 0
assert 0.005 < z.mean() < 0.02, z.mean()
assert diff[z].min() >= 2000 - 1000 and diff[z].max() <= 20000 + 1000
assert (a['/exchange/data_dark'][()] == b['/exchange/data_dark'][()]).all()
"
}

@test "scan: a random phantom's scan records its name" {
	run tomo-phantom --size 24 --rows 4 --angles 4 --random 3 --photons 1000 --nexus -o r.nxs
	assert_success
	pyr "
f = h5py.File('r.nxs', 'r')
assert sv(f.attrs['tomo_phantom']) == 'random 3' and f.attrs['tomo_phantom_seed'] == 3
assert sv(f['/entry/sample/name'][()]) == 'random 3'
"
}

@test "scan mode needs an HDF5 output; scan-only options need scan mode" {
	run tomo-phantom --size 16 --photons 100 -o scan.nrrd
	assert_failure 2
	assert_one_error_line tomo-phantom
	assert_output --partial "HDF5"
	run tomo-phantom --size 16 --flats 3
	assert_failure 2
	assert_one_error_line tomo-phantom
	run tomo-phantom --size 16 --nexus -o x.nrrd
	assert_failure 2
	run tomo-phantom --size 16 --seed 3 -o x.nrrd
	assert_failure 2
	assert_one_error_line tomo-phantom
	[ ! -e scan.nrrd ] && [ ! -e x.nrrd ]
}

@test "bad values are usage errors (exit 2, one line naming the option)" {
	local bad
	for bad in "--size 0" "--size x" "--rows 0" "--angles 0" "--angles -3" \
		"--range 10:10" "--range 20:10" "--range 0-180" "--center abc" \
		"--random -1" "--photons 0" "--flats -1" "--zingers 2" "--mu -1" \
		"--bogus" "extra-operand"; do
		run tomo-phantom $bad -o x.nrrd
		[ "$status" -eq 2 ] || fail "'$bad' exited $status: $output"
		assert_one_error_line tomo-phantom
		[ ! -e x.nrrd ] || fail "'$bad' left x.nrrd"
	done
	run tomo-phantom --range 20:10 -o x.nrrd
	assert_output --partial "--range"
}

@test "binary data to a terminal is refused" {
	command -v script >/dev/null || skip "script(1) not available"
	run script -qec "tomo-phantom --size 8 --angles 2" /dev/null
	[ "$status" -eq 2 ] || fail "exit $status: $output"
	assert_output --partial "terminal"
}

@test "a failed or interrupted scan leaves no file behind" {
	run tomo-phantom --size 16 --photons 100 -o missing/dir/scan.h5
	assert_failure 1
	assert_one_error_line tomo-phantom
	mkdir d
	tomo-phantom --size 400 --angles 3000 --photons 100 -o d/scan.h5 &
	local pid=$! i
	for i in $(seq 100); do
		compgen -G "d/.scan.h5.tmp-*" >/dev/null && break
		sleep 0.05
	done
	compgen -G "d/.scan.h5.tmp-*" >/dev/null || fail "no temporary file seen"
	kill -TERM $pid
	wait $pid || true
	[ -z "$(ls -A d)" ] || fail "left: $(ls -A d)"
}

@test "help, version and the options list name every option" {
	run tomo-phantom --help
	assert_success
	assert_output --partial "Usage: tomo-phantom"
	run tomo-phantom --version
	assert_success
	run tomo-phantom --list-options
	assert_success
	local o
	for o in size rows angles range center random volume flats darks photons \
		nexus seed mu zingers output threads memory; do
		assert_output --partial "--$o	"
	done
}
