#!/usr/bin/env bats
# tomo-flat: every input layout (DXchange, TOMCAT pre/post, NXtomo found by
# its definition or by its image_key alone, plain input with side inputs
# of any format), both averages, flats interpolated, outliers, partial
# reads, --log and its clamps, angles carried, against an independent NumPy
# model (tests/flat_ref.py); the real scans of ../shared/data (CHECKS.md
# N1, N4-N6, TomoPy's remove_outlier case); streaming and memory; errors;
# CPU against GPU.

load helpers

setup() {
	T=$BATS_TEST_TMPDIR
}

# Python with NumPy, h5py, the NRRD helpers and the model.
pyf() {
	pyc "import h5py
from flat_ref import *
$1" "${@:2}"
}

# A small simulated scan from tomo-phantom: DXchange, or NXtomo with --nexus
# (darks, half the flats, projections, the other half of the flats).
phantom() {
	tomo-phantom --size 40 --rows 7 --angles 18 --flats 6 --darks 4 --photons 4000 "$@"
}

@test "DXchange (tomo-phantom): every pixel as NumPy computes it; angles, kind, quantity" {
	phantom -o "$T/dx.h5"
	run tomo-flat "$T/dx.h5" -o "$T/out.nrrd"
	assert_success
	pyf "
x = h5py.File('$T/dx.h5', 'r')['exchange']
p = frames(x['data'][()])[0]
want = correct(p, range(len(p)), [(0, average(frames(x['data_white'][()])[0]))],
               average(frames(x['data_dark'][()])[0]))[0]
got, k = nrrd('$T/out.nrrd')
assert rel_err(got, want) <= 1e-6, rel_err(got, want)
assert k['tomo_kind'] == 'projections' and k['tomo_quantity'] == 'transmission', k
assert 'units' not in k, k
a = np.array(k['tomo_angles'].split(), float)
assert np.allclose(a, x['theta'][()], rtol=0, atol=1e-9), a"
}

@test "NXtomo (tomo-phantom): split by image_key, flats before and after interpolated, both averages" {
	phantom --nexus -o "$T/nx.nxs"
	for avg in "mean mean" "median mean" "mean median" "median median"; do
		set -- $avg
		run tomo-flat --flat-average "$1" --dark-average "$2" "$T/nx.nxs" -o "$T/out.nrrd"
		assert_success
		pyf "
e = h5py.File('$T/nx.nxs', 'r')['entry']
d = frames(e['instrument/detector/data'][()])[0]
key = e['instrument/detector/image_key'][()]
P, F, D = (np.flatnonzero(key == i) for i in (0, 1, 2))
before, after = F[F < P[0]], F[F > P[-1]]
assert len(before) and len(after) and len(D)
groups = [(P[0], average(d[before], '$1')), (P[-1], average(d[after], '$1'))]
want = correct(d[P], P, groups, average(d[D], '$2'))[0]
got, k = nrrd('$T/out.nrrd')
assert rel_err(got, want) <= 1e-6, rel_err(got, want)
# Interpolation matters here: the groups alone give other numbers.
assert rel_err(got, correct(d[P], P, groups[:1], average(d[D], '$2'))[0]) > 1e-4
a = np.array(k['tomo_angles'].split(), float)
assert np.allclose(a, e['sample/rotation_angle'][()][P], rtol=0, atol=1e-9)"
	done
}

@test "DXchange from TOMCAT: data_white_pre and _post interpolated, theta in radians, a zero placeholder left out" {
	pyf "
rng = np.random.default_rng(3)
for name, post in (('tc', rng.integers(7000, 7500, (2, 4, 10))), ('zero', np.zeros((2, 4, 10)))):
    with h5py.File('$T/%s.h5' % name, 'w') as f:
        x = f.create_group('exchange')
        x['data'] = rng.integers(1000, 5000, (6, 4, 10)).astype(np.uint16)
        x['data_white_pre'] = rng.integers(9000, 9500, (3, 4, 10)).astype(np.uint16)
        x['data_white_post'] = post.astype(np.uint16)
        x['data_white'] = np.ones((1, 4, 10), np.uint16)
        x['data_dark'] = rng.integers(90, 110, (2, 4, 10)).astype(np.uint16)
        t = x.create_dataset('theta', data=np.linspace(0, np.pi, 6))
        t.attrs['units'] = 'rad'"
	run --separate-stderr tomo-flat "$T/tc.h5" -o "$T/tc.nrrd"
	assert_success
	[[ $stderr == *"warning: "*"using /exchange/data_white_pre as the flats before"* ]]
	run --separate-stderr tomo-flat "$T/zero.h5" -o "$T/zero.nrrd"
	assert_success
	[[ $stderr == *"warning: flats nowhere brighter than the darks, left out: flats after"* ]]
	pyf "
for name in ('tc', 'zero'):
    x = h5py.File('$T/%s.h5' % name, 'r')['exchange']
    p = frames(x['data'][()])[0]
    groups = [(0, average(frames(x['data_white_pre'][()])[0]))]
    if name == 'tc':
        groups.append((5, average(frames(x['data_white_post'][()])[0])))
    want = correct(p, range(6), groups, average(frames(x['data_dark'][()])[0]))[0]
    got, k = nrrd('$T/%s.nrrd' % name)
    assert rel_err(got, want) <= 1e-6, (name, rel_err(got, want))
    a = np.array(k['tomo_angles'].split(), float)
    assert np.allclose(a, [0, 36, 72, 108, 144, 180], atol=1e-9), a"
}

@test "NeXus without a definition (Diamond's layout): stack by image_key over external links, angles from an NXdata axis" {
	pyf "
rng = np.random.default_rng(5)
key = np.array([1, 1, 2, 2, 0, 0, 0, 3, 0, 0, 0, 0, 1, 1], np.int32)
stack = rng.integers(2000, 6000, (14, 5, 6)).astype(np.uint16)
stack[key == 1] += 30000
stack[key == 2] = rng.integers(80, 120, (2, 5, 6))
theta = np.cumsum(rng.uniform(5, 15, 14))
with h5py.File('$T/det.h5', 'w') as d:
    d['frames'] = stack
    d['theta'] = theta
with h5py.File('$T/scan.nxs', 'w') as f:
    e = f.create_group('entry')
    e.attrs['NX_class'] = 'NXentry'
    # A stack whose data file is missing comes first: passed over.
    b = e.create_group('instrument/EtherCAT')
    b['data'] = h5py.ExternalLink('missing.h5', '/frames')
    b['image_key'] = key
    g = e.create_group('instrument/imaging')
    g.attrs['NX_class'] = 'NXdetector'
    g['data'] = h5py.ExternalLink('det.h5', '/frames')
    g['image_key'] = key
    n = e.create_group('imaging')
    n.attrs['NX_class'] = 'NXdata'
    n.attrs['signal'] = 'data'
    n.attrs['axes'] = np.array([b'theta_set', b'.', b'.'])
    n['theta_set'] = h5py.ExternalLink('missing.h5', '/set')
    # Per frame but no angle (first by name): passed over.
    n.attrs['a_temperature_indices'] = np.array([0], np.int32)
    n['a_temperature'] = rng.uniform(20, 30, 14)
    n.attrs['stage_theta_value_indices'] = np.array([0], np.int32)
    n['stage_theta_value'] = h5py.ExternalLink('det.h5', '/theta')
    n['data'] = h5py.ExternalLink('det.h5', '/frames')"
	run --separate-stderr tomo-flat -v "$T/scan.nxs" -o "$T/out.nrrd"
	assert_success
	[[ $stderr == *"NXtomo stack '/entry/instrument/imaging/data' (14 frames)"* ]]
	[[ $stderr == *"angles '/entry/imaging/stage_theta_value'"* ]]
	pyf "
d = frames(h5py.File('$T/det.h5', 'r')['frames'][()])[0]
theta = h5py.File('$T/det.h5', 'r')['theta'][()]
P = np.array([4, 5, 6, 8, 9, 10, 11])
want = correct(d[P], P, [(4, average(d[[0, 1]])), (11, average(d[[12, 13]]))],
               average(d[[2, 3]]))[0]
got, k = nrrd('$T/out.nrrd')
assert got.shape == (7, 5, 6) and rel_err(got, want) <= 1e-6, rel_err(got, want)
a = np.array(k['tomo_angles'].split(), float)
assert np.allclose(a, theta[P], rtol=0, atol=1e-9), a"
}

@test "NXtomo found by its definition, not a stack outside it; invalid frames skipped; flats during the scan; radians" {
	pyf "
rng = np.random.default_rng(6)
key = np.array([2, 2, 1, 1, 0, 0, 0, 3, 0, 1, 1, 1, 0, 0, 0, 0, 1, 1], np.int32)
stack = rng.uniform(1000, 3000, (18, 4, 7)).astype(np.float32)
stack[key == 1] = rng.uniform(8000, 9000, (7, 4, 7))
stack[[9, 10, 11]] -= 2000
stack[key == 2] = rng.uniform(90, 100, (2, 4, 7))
with h5py.File('$T/deep.nxs', 'w') as f:
    f['a_decoy/data'] = np.ones((18, 4, 7), np.float32)
    f['a_decoy/image_key'] = np.zeros(18, np.int32)
    e = f.create_group('scan/entry1')
    e['definition'] = 'NXtomo'
    e['instrument/detector/data'] = stack
    e['instrument/detector/image_key'] = key
    r = e.create_dataset('sample/rotation_angle', data=np.arange(18) * 0.01)
    r.attrs['units'] = 'rad'"
	run --separate-stderr tomo-flat -v "$T/deep.nxs" -o "$T/out.nrrd"
	assert_success
	[[ $stderr == *"flats during the scan: 3 frames (9..11)"* ]]
	pyf "
f = h5py.File('$T/deep.nxs', 'r')
d = f['scan/entry1/instrument/detector/data'][()]
P = np.array([4, 5, 6, 8, 12, 13, 14, 15])
groups = [(4, average(d[[2, 3]])), (10, average(d[[9, 10, 11]])), (15, average(d[[16, 17]]))]
want = correct(d[P], P, groups, average(d[[0, 1]]))[0]
got, k = nrrd('$T/out.nrrd')
assert rel_err(got, want) <= 1e-6, rel_err(got, want)
a = np.array(k['tomo_angles'].split(), float)
assert np.allclose(a, np.degrees(P * 0.01), rtol=0, atol=1e-9), a"
}

@test "plain input on stdin; flats, flats after and darks as TIFF, HDF5 and NRRD; angles from the stream" {
	pyf "
import tifffile
rng = np.random.default_rng(7)
p = rng.uniform(500, 3000, (5, 7, 9)).astype(np.float32)
write_nrrd('$T/p.nrrd', p, {'tomo_kind': 'projections', 'tomo_angles': '0 10 20 30 40',
                            'beamline': '2-BM'})
tifffile.imwrite('$T/f0.tif', rng.integers(9000, 9900, (3, 7, 9)).astype(np.uint16),
                 photometric='minisblack')
with h5py.File('$T/f1.h5', 'w') as f:
    f['flats'] = rng.uniform(7000, 7900, (2, 7, 9))
write_nrrd('$T/d.nrrd', rng.integers(90, 110, (4, 7, 9)), typ='short')"
	tomo-flat --flats "$T/f0.tif" --flats-after "$T/f1.h5:/flats" --darks "$T/d.nrrd" \
		< "$T/p.nrrd" > "$T/out.nrrd"
	pyf "
import tifffile
p = nrrd('$T/p.nrrd')[0]
groups = [(0, average(tifffile.imread('$T/f0.tif'))),
          (4, average(frames(h5py.File('$T/f1.h5', 'r')['flats'][()])[0]))]
want = correct(p, range(5), groups, average(nrrd('$T/d.nrrd')[0]))[0]
got, k = nrrd('$T/out.nrrd')
assert rel_err(got, want) <= 1e-6, rel_err(got, want)
assert k['tomo_angles'] == '0 10 20 30 40' and k['beamline'] == '2-BM', k"
	# The same into an HDF5 dataset, slab by slab (--memory 1M).
	tomo-flat --memory 1M --flats "$T/f0.tif" --flats-after "$T/f1.h5:/flats" --darks "$T/d.nrrd" \
		"$T/p.nrrd" -o "$T/out.h5:/proj"
	pyf "assert np.array_equal(h5py.File('$T/out.h5', 'r')['proj'][()], nrrd('$T/out.nrrd')[0])"
	# Side inputs alone: one group (--flats-after only is fine too).
	tomo-flat --flats-after "$T/f1.h5:/flats" "$T/p.nrrd" -q -o "$T/after.nrrd"
	pyf "
p = nrrd('$T/p.nrrd')[0]
want = correct(p, range(5), [(4, average(h5py.File('$T/f1.h5', 'r')['flats'][()]))], 0)[0]
assert rel_err(nrrd('$T/after.nrrd')[0], want) <= 1e-6"
}

@test "--outliers: zingers and hot pixels replaced by the 3x3 median in projections, flats and darks; -v counts" {
	phantom --zingers 0.01 -o "$T/z.h5"
	run --separate-stderr tomo-flat -v --outliers 0.3 "$T/z.h5" -o "$T/out.nrrd"
	assert_success
	pyf "
import re
x = h5py.File('$T/z.h5', 'r')['exchange']
p, hp = frames(x['data'][()], t=0.3)
f, hf = frames(x['data_white'][()], t=0.3)
d, hd = frames(x['data_dark'][()], t=0.3)
want = correct(p, range(len(p)), [(0, average(f))], average(d))[0]
assert rel_err(nrrd('$T/out.nrrd')[0], want) <= 1e-6, rel_err(nrrd('$T/out.nrrd')[0], want)
m = re.search(r'outliers replaced: (\d+) in projections, (\d+) in flats and darks', '''$stderr''')
assert m and int(m.group(1)) == hp and int(m.group(2)) == hf + hd, (m and m.groups(), hp, hf, hd)
assert hp > 10 and hf + hd > 0, (hp, hf, hd)"
}

@test "partial reads: --rows, --crop, --proj with a step and --bin are the part of the whole" {
	phantom --nexus -o "$T/nx.nxs"
	tomo-flat --outliers 0.3 "$T/nx.nxs" -o "$T/full.nrrd"
	tomo-flat --outliers 0.3 --rows 2:5 --crop 5:37 "$T/nx.nxs" -o "$T/part.nrrd"
	tomo-flat --outliers 0.3 --proj 3:4 "$T/nx.nxs" -o "$T/one.nrrd"
	run tomo-flat --outliers 0.3 --rows 1:7 --crop 3:38 --proj 1:17:3 --bin 2 "$T/nx.nxs" \
		-o "$T/binned.nrrd"
	assert_success
	pyf "
full, k = nrrd('$T/full.nrrd')
part, kp = nrrd('$T/part.nrrd')
# The 3x3 neighbourhoods come from the file: the part is exactly the whole's.
assert np.array_equal(part, full[:, 2:5, 5:37])
assert np.array_equal(nrrd('$T/one.nrrd')[0], full[3:4])
assert kp['tomo_angles'] == k['tomo_angles']
assert float(kp['tomo_center']) == float(k['tomo_center']) - 5, (kp['tomo_center'], k['tomo_center'])
e = h5py.File('$T/nx.nxs', 'r')['entry']
key = e['instrument/detector/image_key'][()]
P, F, D = (np.flatnonzero(key == i) for i in (0, 1, 2))
d = frames(e['instrument/detector/data'][()], rows=(1, 7), cols=(3, 38), t=0.3, n=2)[0]
groups = [(P[0], average(d[F[F < P[0]]])), (P[-1], average(d[F[F > P[-1]]]))]
S = P[1:17:3]
want = correct(d[S], S, groups, average(d[D]))[0]
got, kb = nrrd('$T/binned.nrrd')
assert got.shape == (6, 3, 17) and rel_err(got, want) <= 1e-6, (got.shape, rel_err(got, want))
assert np.allclose(np.array(kb['tomo_angles'].split(), float),
                   np.array(k['tomo_angles'].split(), float)[1:17:3])
assert float(kb['tomo_center']) == (float(k['tomo_center']) - 3) / 2"
}

@test "non-physical pixels: flat == dark and counts below the dark stay finite, clamped to 1e-6 and counted" {
	pyf "
p = np.full((3, 2, 4), 600, np.float32)
f = np.full((1, 2, 4), 1100, np.float32)
d = np.full((1, 2, 4), 100, np.float32)
f[0, 0, 0] = d[0, 0, 0] = p[:, 0, 0] = 100    # dead: F = D = I
p[:, 1, 3] = 40                                 # below the dark
write_nrrd('$T/p.nrrd', p); write_nrrd('$T/f.nrrd', f); write_nrrd('$T/d.nrrd', d)"
	run --separate-stderr tomo-flat -v --flats "$T/f.nrrd" --darks "$T/d.nrrd" "$T/p.nrrd" -o "$T/t.nrrd"
	assert_success
	[[ $stderr == *"24 output pixels: 3 with flat - dark < 1e-6 (taken as 1e-6), 6 with transmission < 1e-6 (kept)"* ]]
	[[ $stderr == *"warning: 3 output pixels (12.5%) had flat - dark < 1e-6: taken as 1e-6"* ]]
	run --separate-stderr tomo-flat -v --log --flats "$T/f.nrrd" --darks "$T/d.nrrd" "$T/p.nrrd" -o "$T/l.nrrd"
	assert_success
	[[ $stderr == *"warning: 6 output pixels (25%) had transmission < 1e-6: taken as 1e-6 before -ln"* ]]
	pyf "
t, kt = nrrd('$T/t.nrrd')
l, kl = nrrd('$T/l.nrrd')
assert np.isfinite(t).all() and np.isfinite(l).all()
assert (t[:, 0, 0] == 0).all() and np.allclose(t[:, 1, 3], -0.06) and np.allclose(t[:, 0, 1], 0.5)
assert np.allclose(l[:, 0, 0], -np.log(np.float32(1e-6))) and np.allclose(l[:, 1, 3], 13.815511)
assert np.allclose(l[:, 0, 1], np.log(2))
assert kt['tomo_quantity'] == 'transmission' and kl['tomo_quantity'] == 'line-integral'"
	run --separate-stderr tomo-flat -q --log --flats "$T/f.nrrd" --darks "$T/d.nrrd" "$T/p.nrrd" -o "$T/q.nrrd"
	assert_success
	[ -z "$stderr" ]
}

@test "--log: line integrals as NumPy's -ln of the transmission" {
	phantom --nexus -o "$T/nx.nxs"
	tomo-flat "$T/nx.nxs" -o "$T/t.nrrd"
	tomo-flat --log "$T/nx.nxs" -o "$T/l.nrrd"
	pyf "
t = nrrd('$T/t.nrrd')[0]
l, k = nrrd('$T/l.nrrd')
assert (t > 1e-6).all() and k['tomo_quantity'] == 'line-integral'
want = -np.log(t)
assert np.max(np.abs(l - want)) <= 1e-6 * max(1, np.abs(want).max())"
}

@test "real data N4: tooth.h5 (DXchange, APS) transmission and -ln ranges" {
	need_shared tomopy-tooth/tooth.h5
	tomo-flat "$SHARED_DATA/tomopy-tooth/tooth.h5" -o "$T/t.nrrd"
	tomo-flat --log "$SHARED_DATA/tomopy-tooth/tooth.h5" -o "$T/l.nrrd"
	pyf "
t = nrrd('$T/t.nrrd')[0]
l, k = nrrd('$T/l.nrrd')
assert t.shape == (181, 2, 640) and len(k['tomo_angles'].split()) == 181
# CHECKS.md N4: -ln in [-0.098, 1.954], so transmission in [exp(-1.954), exp(0.098)].
assert abs(l.min() + 0.098) < 1e-3 and abs(l.max() - 1.954) < 1e-3, (l.min(), l.max())
assert abs(t.min() - np.exp(-1.954)) < 1e-3 and abs(t.max() - np.exp(0.098)) < 1e-3, (t.min(), t.max())"
}

@test "real data N5: Savu I13 TIFF stack with one flat and dark; the dead pixel (0,0) stays finite" {
	need_shared savu-i13-24737/tiffs
	local d=$SHARED_DATA/savu-i13-24737
	run --separate-stderr tomo-flat --flats "$d/flat_00001.tiff" --darks "$d/dark_00001.tiff" \
		"$d/tiffs" -o "$T/t.nrrd"
	assert_success
	[[ $stderr == *"warning: 91 output pixels"*"flat - dark < 1e-6"* ]]
	tomo-flat -q --log --flats "$d/flat_00001.tiff" --darks "$d/dark_00001.tiff" "$d/tiffs" -o "$T/l.nrrd"
	pyf "
t = nrrd('$T/t.nrrd')[0]
l = nrrd('$T/l.nrrd')[0]
assert t.shape == (91, 135, 160)
q = np.percentile(t, [1, 50, 99])
assert np.allclose(q, [0.072, 0.687, 0.732], rtol=0, atol=1e-3), q
assert np.isfinite(t).all() and np.isfinite(l).all()
assert (t[:, 0, 0] == 0).all() and np.allclose(l[:, 0, 0], -np.log(np.float32(1e-6)))"
}

@test "real data N6: DIAD NeXus (external links): 3001 projections, projection 0 is frame 100, flat and dark means" {
	need_shared httomo-diad-k11-18014/k11-18014.nxs
	local d=$SHARED_DATA/httomo-diad-k11-18014
	# A trivial correction (flat 1, dark 0) passes the frames through.
	pyf "
write_nrrd('$T/one.nrrd', np.ones((1, 22, 26)))
write_nrrd('$T/zero.nrrd', np.zeros((1, 22, 26)))"
	tomo-flat --flats "$T/one.nrrd" --darks "$T/zero.nrrd" "$d/k11-18014.nxs" -o "$T/raw.nrrd"
	run --separate-stderr tomo-flat -v "$d/k11-18014.nxs" -o "$T/t.nrrd"
	assert_success
	pyf "
import re
raw, k = nrrd('$T/raw.nrrd')
frames_ = h5py.File('$d/k11-18014/k11-18014-imaging.h5', 'r')['entry/detector/detector']
assert raw.shape == (3001, 22, 26)
assert np.array_equal(raw[0], frames_[100]) and np.array_equal(raw[:4], frames_[100:104])
assert np.array_equal(raw[-1], frames_[3100])
theta = h5py.File('$d/k11-18014/k11-18014-pcompPanda.h5', 'r')['entry/gts_theta.value/gts_theta.value'][()]
assert np.allclose(np.array(k['tomo_angles'].split(), float), theta[100:3101], rtol=0, atol=1e-9)
err = '''$stderr'''
dark = float(re.search(r'average dark: mean ([0-9.e+]+)', err).group(1))
flats = [float(v) for v in re.findall(r'average of the flats .*: mean ([0-9.e+]+)', err)]
assert abs(dark - 99.2) < 0.05 and len(flats) == 2 and abs(np.mean(flats) - 45317) < 1, (dark, flats)
t = nrrd('$T/t.nrrd')[0]
assert 0.35 < t.min() < 0.37 and 1.30 < t.max() < 1.33, (t.min(), t.max())"
}

@test "real data N1: TomoPy's normalize.npy reproduced bit for bit (int32 HDF5 input, TIFF and NRRD side inputs)" {
	need_shared tomopy-test/normalize.npy
	local d=$SHARED_DATA/tomopy-test
	pyf "
import tifffile
with h5py.File('$T/tomo.h5', 'w') as f:
    f['tomo'] = np.load('$d/tomo.npy')
tifffile.imwrite('$T/flat.tif', np.load('$d/flat.npy').astype(np.float32),
                 photometric='minisblack')
write_nrrd('$T/dark.nrrd', np.load('$d/dark.npy'), typ='int')"
	tomo-flat --flats "$T/flat.tif" --darks "$T/dark.nrrd" "$T/tomo.h5:/tomo" -o "$T/n.nrrd"
	pyf "
want = np.load('$d/normalize.npy')
got = nrrd('$T/n.nrrd')[0]
assert want.dtype == np.float32 and np.array_equal(got, want), np.abs(got - want).max()"
}

@test "TomoPy's remove_outlier case (CHECKS.md 5): proj.npy with a zinger of 20 is restored" {
	need_shared tomopy-test/proj.npy
	pyf "
p = np.load('$SHARED_DATA/tomopy-test/proj.npy')
q = p.copy(); q[8, 4, 6] = 20
write_nrrd('$T/q.nrrd', q)
write_nrrd('$T/one.nrrd', np.ones((1,) + p.shape[1:]))"
	run --separate-stderr tomo-flat -v --outliers 10 --flats "$T/one.nrrd" "$T/q.nrrd" -o "$T/r.nrrd"
	assert_success
	[[ $stderr == *"outliers replaced: 1 in projections, 0 in flats and darks"* ]]
	pyf "
p = np.load('$SHARED_DATA/tomopy-test/proj.npy')
assert np.array_equal(nrrd('$T/r.nrrd')[0], p)"
}

@test "memory: a 500 MB uint16 scan through a pipe with peak RSS a small fraction of it" {
	# ASan keeps freed memory and shadows the rest: not the tool's own RSS.
	[ -z "${ASAN_OPTIONS:-}${UBSAN_OPTIONS:-}" ] || skip "RSS is not the tool's own under a sanitizer"
	pyf "
import h5py
with h5py.File('$T/big.h5', 'w') as f:
    x = f.create_group('exchange')
    d = x.create_dataset('data', (120, 1024, 2048), np.uint16)
    rows = (np.arange(1024, dtype=np.uint16)[:, None] * 7 + np.arange(2048, dtype=np.uint16)) % 3000
    for z in range(0, 120, 20):
        d[z:z + 20] = 20000 + rows
    x['data_white'] = np.full((3, 1024, 2048), 40000, np.uint16)
    x['data_dark'] = np.full((2, 1024, 2048), 100, np.uint16)"
	# the host memory path (a GPU adds its CUDA context and pinned buffers)
	/usr/bin/time -v -o "$T/time" tomo-flat --device cpu --memory 64M "$T/big.h5" | tomo-info --stats > "$T/info"
	local rss
	rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$T/time")
	# Input 500 MB, output 1 GB of float32: under a tenth of the output.
	[ "$rss" -lt 100000 ] || fail "peak RSS ${rss} kB"
	grep -q "sizes:       2048 x 1024 x 120" "$T/info"
	# (20000 - 100) / (40000 - 100) and (22999 - 100) / (40000 - 100).
	grep -q "^min:         0.498746872$" "$T/info"
	grep -q "^max:         0.57390976$" "$T/info"
}

@test "streaming: the first projection leaves before the last one is read" {
	# The producer holds back the last projections until the consumer has
	# the first one: a tool that read everything first would never finish.
	# Planes of 1 MiB and --memory 1M: slabs of one projection.
	pyf "write_nrrd('$T/one.nrrd', np.ones((1, 512, 512)))"
	cat > "$T/producer.py" <<-EOF
	import os, sys, time
	import numpy as np
	n = 12
	head = 'NRRD0005\ntype: float\ndimension: 3\nsizes: 512 512 %d\nendian: little\nencoding: raw\n\n' % n
	out = sys.stdout.buffer
	out.write(head.encode())
	for k in range(n):
	    if k == n - 2:
	        out.flush()
	        t = time.time()
	        while not os.path.exists('$T/seen') and time.time() - t < 30:
	            time.sleep(0.02)
	        if not os.path.exists('$T/seen'):
	            sys.exit('producer: no projection came out before the last ones went in')
	    out.write(np.full((512, 512), k + 1, np.float32).tobytes())
	EOF
	"$PY" "$T/producer.py" | tomo-flat -q --memory 1M --flats "$T/one.nrrd" |
		{ head -c $((4096 + 512 * 512 * 4)) > "$T/first"; touch "$T/seen"; cat > /dev/null; }
	[ "${PIPESTATUS[0]}" -eq 0 ] || fail "the producer gave up"
	pyf "
a = np.frombuffer(open('$T/first', 'rb').read()[-512 * 512 * 4:], np.float32)
assert (a == 1).all()"
}

@test "errors: missing dataset, no flats, flats of another size, unsupported samples, truncated file, bad image_key (exit 1, one line)" {
	phantom -o "$T/dx.h5"
	pyf "
with h5py.File('$T/nowhite.h5', 'w') as f:
    f['exchange/data'] = np.ones((3, 4, 5), np.uint16)
    f['exchange/data_dark'] = np.ones((1, 4, 5), np.uint16)
with h5py.File('$T/cmp.h5', 'w') as f:
    f['exchange/data'] = np.zeros((3, 4, 5), dtype=[('a', 'i4'), ('b', 'f4')])
with h5py.File('$T/key.nxs', 'w') as f:
    f['entry/det/data'] = np.ones((3, 4, 5), np.float32)
    f['entry/det/image_key'] = np.array([1, 0, 7], np.int32)
with h5py.File('$T/noproj.nxs', 'w') as f:
    f['entry/det/data'] = np.ones((3, 4, 5), np.float32)
    f['entry/det/image_key'] = np.array([1, 2, 1], np.int32)
write_nrrd('$T/f.nrrd', np.ones((2, 4, 6)))"
	head -c 30000 "$T/dx.h5" > "$T/trunc.h5"
	local cases=(
		"$T/dx.h5:/exchange/nope|no dataset '/exchange/nope'"
		"$T/nowhite.h5|no flat fields for '$T/nowhite.h5' (no /exchange/data_white, _pre or _post)"
		"--flats $T/f.nrrd $T/nowhite.h5|flats '$T/f.nrrd' are 6 x 4 pixels, the projections 5 x 4"
		"$T/cmp.h5|holds compound samples"
		"$T/trunc.h5|$T/trunc.h5"
		"$T/key.nxs|value 7 at frame 2 is none of 0"
		"$T/noproj.nxs|marks no frame as a projection"
		"$T/missing.h5|cannot open '$T/missing.h5'"
	)
	local c
	for c in "${cases[@]}"; do
		run tomo-flat ${c%%|*} -o "$T/out.nrrd"
		[ "$status" -eq 1 ] || fail "${c%%|*}: exit $status: $output"
		assert_one_error_line tomo-flat
		[[ $output == *"${c#*|}"* ]] || fail "${c%%|*}: $output"
		[ ! -e "$T/out.nrrd" ] || fail "${c%%|*}: left an output"
	done
}

@test "usage errors: ranges outside the scan, bad values, two inputs on stdin (exit 2)" {
	phantom -o "$T/dx.h5"
	local cases=(
		"--rows 3:9|--rows 3:9: the detector has rows 0:7"
		"--crop 0:41|--crop 0:41: the detector has columns 0:40"
		"--proj 5:19|--proj 5:19: the scan has projections 0:18"
		"--bin 8 --rows 0:7|--bin 8: larger than"
		"--rows 1:4:2|takes no step"
		"--outliers 0|--outliers: 0 must be greater than zero"
		"--flat-average mode|'mode' is not one of mean, median"
	)
	local c
	for c in "${cases[@]}"; do
		run tomo-flat ${c%%|*} "$T/dx.h5" -o "$T/out.nrrd"
		[ "$status" -eq 2 ] || fail "${c%%|*}: exit $status: $output"
		[[ $output == *"tomo-flat: error: "*"${c#*|}"* ]] || fail "${c%%|*}: $output"
		[ ! -e "$T/out.nrrd" ]
	done
	run tomo-flat --flats - - < /dev/null
	[ "$status" -eq 2 ]
	assert_output --partial "cannot both come from stdin"
}

@test "CPU and GPU agree to 1e-6 (outliers, interpolated flats, --log)" {
	phantom --nexus --zingers 0.01 -o "$T/nx.nxs"
	tomo-flat --device cpu --outliers 0.3 --log "$T/nx.nxs" -o "$T/cpu.nrrd"
	run_gpu tomo-flat --outliers 0.3 --log "$T/nx.nxs" -o "$T/gpu.nrrd"
	assert_success
	pyf "
c = nrrd('$T/cpu.nrrd')[0]
g = nrrd('$T/gpu.nrrd')[0]
assert np.all(np.abs(g - c) <= 1e-6 * np.abs(c)), np.max(np.abs(g - c))"
}
