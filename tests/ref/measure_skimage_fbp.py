#!/usr/bin/python3
"""Measure scikit-image's FBP error on the accuracy problems of
tests/tomo-fbp.bats (fbp_cases.py), to set the thresholds there:

    /usr/bin/python3 tests/ref/measure_skimage_fbp.py [build/bin/tomo-fbp]

For each case the same phantom, angles, filter, detector width and slice
size are posed in scikit-image's conventions and reconstructed with
skimage.transform.iradon (Debian python3-skimage 0.19, interpolation
'linear', circle=True, output_size n):
  - the sinogram is (detector, angle); the axis is detector index cols//2
    (tomo's center cols//2 + 0.5), so the projections are made for that
    axis (fbp_cases.problem: tomo-phantom, or the NumPy model);
  - an off-centre axis cannot be expressed: for "offcenter" the case's own
    projections are shifted to put the axis on index cols//2 with
    scipy.ndimage.shift (its defaults: cubic spline, zeros outside), as a
    scikit-image user would;
  - output pixel (i, j) lies at x = j - n//2, y = n//2 - i, so the truth is
    the phantom sampled on that grid (the same as tomo's for odd n), by the
    NumPy model phantom.py (tomo-phantom samples only tomo's grid);
  - the error is the relative RMS inside the disk of radius n/2 - 0.5
    around the axis, as in fbp_cases.py;
  - parzen is not one of iradon's filters: its ramp is multiplied by the
    Parzen window of tomo-fbp(1) (same formula, r = 2|fftfreq|) by
    replacing skimage's _get_fourier_filter for that run.
With tomo-fbp's path given it also prints tomo-fbp's error on each case.
Run it with tomo-phantom on PATH (the tests' generator), e.g.
    PATH=build/bin:$PATH tests/ref/measure_skimage_fbp.py build/bin/tomo-fbp
"""
import os
import subprocess
import sys
import tempfile

import numpy as np
import skimage
from scipy.ndimage import shift
import skimage.transform.radon_transform as rt
from skimage.transform import iradon

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fbp_cases as fc  # noqa: E402
import phantom as ph  # noqa: E402

_ramp = rt._get_fourier_filter


def _parzen(size, name):
    r = 2 * np.abs(np.fft.fftfreq(size))
    w = np.where(r <= 0.5, 1 - 6 * r * r * (1 - r), 2 * (1 - r) ** 3)
    return _ramp(size, "ramp") * w[:, None]


def skimage_error(name):
    c = fc.case(name)
    n, cols = c["n"], c["cols"]
    axis = cols // 2 + 0.5
    sino = fc.problem(c, axis)[0][:, 0, :].T.astype(np.float64)
    if c["center"] != axis and c["n"] == c["cols"] and c["cols"] % 2:
        own = fc.problem(c, c["center"])[0]
        sino = shift(own[:, 0, :].T.astype(np.float64), (axis - c["center"], 0))
    f = c["filter"]
    rt._get_fourier_filter = _parzen if f == "parzen" else _ramp
    rec = iradon(sino, theta=c["angles"], filter_name="ramp" if f == "parzen" else f,
                 interpolation="linear", circle=True, output_size=n)
    rt._get_fourier_filter = _ramp
    x = np.arange(n) - n // 2
    X, Y = np.meshgrid(x, -x)
    truth = np.zeros((n, n))
    for v, a, b, x0, y0, phi in ph.slice_ellipses(0.0, c["scale"]):
        dx, dy = X - x0, Y - y0
        u = dx * np.cos(phi) + dy * np.sin(phi)
        w = -dx * np.sin(phi) + dy * np.cos(phi)
        truth += np.where((u / a) ** 2 + (w / b) ** 2 <= 1, v, 0)
    return ph.rel_rms(rec, truth, X * X + Y * Y <= (n / 2 - 0.5) ** 2)


def tomo_error(name, exe):
    with tempfile.TemporaryDirectory() as d:
        opts = subprocess.run([sys.executable, fc.__file__, "make", name, d],
                              check=True, capture_output=True, text=True).stdout.split()
        out = os.path.join(d, "out.nrrd")
        subprocess.run([exe, os.path.join(d, "in.nrrd"), "-o", out] + opts, check=True)
        return fc.error(name, d, out)


if __name__ == "__main__":
    exe = sys.argv[1] if len(sys.argv) > 1 else None
    print("# scikit-image %s" % skimage.__version__)
    for name in fc.CASES:
        line = "%-12s skimage %.6f" % (name, skimage_error(name))
        if exe:
            line += "  tomo-fbp %.6f" % tomo_error(name, exe)
        print(line)
