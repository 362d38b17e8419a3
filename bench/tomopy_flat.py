"""A stand-in for TomoPy's normalize + remove_outlier, for bench/flat.sh:
TomoPy is not installable from PyPI here, so this does what its Python
code does, the same way (tomopy/prep/normalize.py and misc/corr.py at
1.x): float32 conversion, means of flats and darks, numexpr for the
clamped division, scipy.ndimage.median_filter (3 x 3 per projection) on
one thread per core, then numexpr's where(arr - tmp >= dif, tmp, arr).
Prints the seconds to read the scan with h5py and to compute."""
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import h5py
import numexpr as ne
import numpy as np
from scipy import ndimage

path, dif = sys.argv[1], float(sys.argv[2])
t0 = time.time()
with h5py.File(path, "r") as f:
    proj = f["exchange/data"][()]
    flat = f["exchange/data_white"][()]
    dark = f["exchange/data_dark"][()]
t1 = time.time()
ncore = os.cpu_count()


def remove_outlier(arr, dif):
    tmp = np.empty_like(arr)
    chunks = np.array_split(np.arange(arr.shape[0]), ncore)
    with ThreadPoolExecutor(ncore) as e:
        for c in chunks:
            if len(c):
                e.submit(ndimage.median_filter, arr[c[0]:c[-1] + 1], size=(1, 3, 3),
                         output=tmp[c[0]:c[-1] + 1])
    dif = np.float32(dif)
    return ne.evaluate("where(arr-tmp>=dif,tmp,arr)", out=arr)


arr = proj.astype(np.float32)
if dif > 0:
    arr = remove_outlier(arr, dif)
    flat = remove_outlier(flat.astype(np.float32), dif)
l = np.float32(1e-6)
flat = np.mean(flat, axis=0, dtype=np.float32)
dark = np.mean(dark, axis=0, dtype=np.float32)
denom = ne.evaluate("flat-dark")
ne.evaluate("where(denom<l,l,denom)", out=denom)
out = ne.evaluate("arr-dark", out=arr)
ne.evaluate("out/denom", out=out, truediv=True)
t2 = time.time()
print("%.3f %.3f" % (t1 - t0, t2 - t1))
