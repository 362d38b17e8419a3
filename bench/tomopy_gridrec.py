"""TomoPy's gridrec on the projections of bench/fourier.sh, timed inside the
process (tomopy.recon alone: no start-up, no file reading or writing), for
the side-by-side comparison with tomo-fbp --method fourier.

usage: tomopy_gridrec.py PROJ.npy CENTER PAD REPEATS OUT.npy
  PROJ.npy   projections [angle][row][column], float32, angles 0..180
             evenly spaced, STOP excluded
  PAD        0: as is; 1: edge-padded to twice the width first (what a
             TomoPy user does for accuracy), the slice cropped back
prints one line per run, "seconds S", and saves the last slices,
[row][y][x] in TomoPy's orientation, to OUT.npy.
Needs an interpreter that imports tomopy (TOMOPY_PYTHON in bench/fourier.sh).
"""
import sys
import time

import numpy as np
import tomopy

proj = np.load(sys.argv[1])
center, pad, reps, out = float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
nang, rows, ncols = proj.shape
theta = np.arange(nang) * np.pi / nang
npad = ncols // 2 if pad else 0
if npad:
    proj = np.pad(proj, ((0, 0), (0, 0), (npad, npad)), mode="edge")
for i in range(reps):
    t = time.perf_counter()
    rec = tomopy.recon(proj, theta, center=center + npad, algorithm="gridrec",
                       filter_name="ramlak", ncore=None)
    print("seconds %.4f" % (time.perf_counter() - t), flush=True)
if npad:
    rec = rec[:, npad:npad + ncols, npad:npad + ncols]
np.save(out, rec.astype(np.float32))
