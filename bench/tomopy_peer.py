"""Time TomoPy itself (not a stand-in) on the data of bench/flat.sh and
bench/phase.sh, when the interpreter running this has tomopy:
  python bench/tomopy_peer.py flat SCAN.h5 [DIF]   normalize (+ remove_outlier)
  python bench/tomopy_peer.py phase STACK.npy       retrieve_phase (2048^2: pad)
Prints the median compute seconds of 3 runs (data already in memory, no
output written) and the throughput. TomoPy is not a dependency of the
project: build it outside the repository and point TOMOPY_PYTHON here."""
import sys
import time

import numpy as np
import tomopy


def median_time(fn, n=3):
    ts = []
    for _ in range(n):
        t = time.time()
        fn()
        ts.append(time.time() - t)
    return sorted(ts)[len(ts) // 2]


what, path = sys.argv[1], sys.argv[2]
if what == "flat":
    import h5py
    dif = float(sys.argv[3]) if len(sys.argv) > 3 else None
    with h5py.File(path, "r") as f:
        proj = f["exchange/data"][()]
        flat = f["exchange/data_white"][()]
        dark = f["exchange/data_dark"][()]

    def run():
        out = tomopy.normalize(proj, flat, dark)
        if dif is not None:
            tomopy.remove_outlier(out, dif, size=3)

    t = median_time(run)
    out_gb = proj.size * 4 / 1e9
    print("tomopy normalize%s: %.3f s, %.2f GB/s of float32 output (in memory)"
          % (" + remove_outlier" if dif is not None else "", t, out_gb / t))
else:
    a = np.load(path)
    t = median_time(lambda: tomopy.retrieve_phase(a, pixel_size=1e-4, dist=10, energy=20,
                                                  alpha=1e-3, pad=True))
    print("tomopy retrieve_phase: %.3f s for %d projections of %dx%d, %.2f projections/s"
          % (t, a.shape[0], a.shape[1], a.shape[2], a.shape[0] / t))
