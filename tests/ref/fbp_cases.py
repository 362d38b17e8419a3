"""The accuracy problems of tests/tomo-fbp.bats, shared with
measure_skimage_fbp.py so that tomo-fbp and scikit-image are measured on
the same problems.

  fbp_cases.py make CASE DIR     write DIR/in.nrrd (and DIR/angles.txt),
                                 DIR/truth.npy; print tomo-fbp's options
  fbp_cases.py error CASE DIR OUT.nrrd
                                 print the relative RMS error of OUT
                                 against the truth inside the field of view

Each case is the 3D modified Shepp-Logan phantom's central row (one
detector row), projected analytically by tomo-phantom (found on PATH, or
TOMO_PHANTOM), with the object spanning the detector width; unevenly spaced
angles, which tomo-phantom does not make, come from the NumPy model
phantom.py (it agrees with tomo-phantom to 2e-6 in the projections, 1e-8
in the volume). A slice smaller than the detector (--size) is judged
against the centre of the ground truth. The field of view is the disk of radius N/2 around the axis,
counting the pixels whose centre lies at least half a pixel inside it
(N/2 - 0.5: scikit-image's own reconstruction circle for odd sizes; the
rim pixels straddle the edge of what the detector sees)."""
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import phantom as ph  # noqa: E402
from tomo_py import write_nrrd, nrrd  # noqa: E402


def _even(a, stop=180.0):
    return np.arange(a) * stop / a


def _uneven(a):
    rng = np.random.default_rng(3)
    return np.sort(rng.uniform(0, 180, a))


# name: slice size n, detector columns, angles (degrees), centre, filter
CASES = {
    "ramp": dict(n=129, cols=129, angles=_even(180), center=64.5, filter="ramp"),
    "shepp-logan": dict(n=129, cols=129, angles=_even(180), center=64.5,
                        filter="shepp-logan"),
    "cosine": dict(n=129, cols=129, angles=_even(180), center=64.5, filter="cosine"),
    "hamming": dict(n=129, cols=129, angles=_even(180), center=64.5, filter="hamming"),
    "hann": dict(n=129, cols=129, angles=_even(180), center=64.5, filter="hann"),
    "parzen": dict(n=129, cols=129, angles=_even(180), center=64.5, filter="parzen"),
    # an even width, axis between the two middle columns
    "even": dict(n=128, cols=128, angles=_even(180), center=64.0, filter="ramp"),
    # the axis 3.2 columns left of the middle, fractional
    "offcenter": dict(n=129, cols=129, angles=_even(180), center=61.3, filter="ramp"),
    # a detector wider than the slice (--size 97 of 129 columns)
    "wide": dict(n=97, cols=129, angles=_even(180), center=64.5, filter="ramp"),
    # 360 degrees
    "full360": dict(n=129, cols=129, angles=_even(360, 360.0), center=64.5,
                    filter="ramp"),
    # unevenly spaced angles from a file
    "uneven": dict(n=129, cols=129, angles=_uneven(180), center=64.5, filter="ramp",
                   angle_file=True),
}


def case(name):
    c = dict(CASES[name])
    c["scale"] = c["cols"] / 2
    return c


def _even_range(angles):
    """START:STOP of tomo-phantom's --range for evenly spaced angles, or
    None."""
    a = np.asarray(angles)
    step = a[1] - a[0]
    if np.allclose(np.diff(a), step, rtol=0, atol=1e-9):
        return "%.17g:%.17g" % (a[0], a[0] + step * len(a))
    return None


def problem(c, center):
    """Projections [angle][1][column] of case c for the axis at center and
    the ground truth [1][cols][cols] (tomo-phantom's, or the model's)."""
    exe = os.environ.get("TOMO_PHANTOM") or shutil.which("tomo-phantom")
    rng = _even_range(c["angles"])
    if exe and rng:
        with tempfile.TemporaryDirectory() as d:
            subprocess.run([exe, "--size", str(c["cols"]), "--rows", "1",
                            "--angles", str(len(c["angles"])), "--range", rng,
                            "--center", repr(float(center)), "--volume", d + "/v.nrrd",
                            "-o", d + "/p.nrrd"], check=True)
            return nrrd(d + "/p.nrrd")[0], nrrd(d + "/v.nrrd")[0]
    return (ph.projections(c["cols"], c["cols"], c["angles"], center, 1, c["scale"]),
            ph.truth(c["cols"], 1, c["scale"]))


def crop(truth, n):
    """The central n x n of a [rows][N][N] truth."""
    k = (truth.shape[-1] - n) // 2
    return truth[..., k:k + n, k:k + n]


def fov(n):
    x = np.arange(n) + 0.5 - n / 2
    X, Y = np.meshgrid(x, x)
    return X * X + Y * Y <= (n / 2 - 0.5) ** 2


def make(name, d):
    c = case(name)
    p, truth = problem(c, c["center"])
    keys = {"tomo_kind": "projections", "tomo_quantity": "line-integral",
            "tomo_center": repr(float(c["center"]))}
    opts = ["--filter", c["filter"]]
    if c.get("angle_file"):
        with open(os.path.join(d, "angles.txt"), "w") as f:
            f.write("".join("%.17g\n" % a for a in c["angles"]))
        opts += ["--angles", os.path.join(d, "angles.txt")]
    else:
        keys["tomo_angles"] = " ".join("%.17g" % a for a in c["angles"])
    if c["n"] != c["cols"]:
        opts += ["--size", str(c["n"])]
    write_nrrd(os.path.join(d, "in.nrrd"), p.astype(np.float32), keys)
    np.save(os.path.join(d, "truth.npy"), crop(truth, c["n"]))
    print(" ".join(opts))


def error(name, d, out):
    c = case(name)
    r = nrrd(out)[0].astype(np.float64)
    t = np.load(os.path.join(d, "truth.npy"))
    assert r.shape == t.shape, (r.shape, t.shape)
    return ph.rel_rms(r, t, fov(c["n"]))


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "error":
        print("%.6f" % error(sys.argv[2], sys.argv[3], sys.argv[4]))
    elif sys.argv[1] == "list":
        print(" ".join(CASES))
    else:
        sys.exit("usage: fbp_cases.py make|error|list ...")
