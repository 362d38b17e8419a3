"""A stand-in for TomoPy's retrieve_phase (TomoPy itself is not on PyPI, so
it cannot be installed here): the same algorithm and the same computational
pattern, written from the description in shared/data/tomopy-test/README.md
(edge padding to a power of two, its frequency grid and filter, one complex
2D FFT pair per projection, projections spread over one process per core
with shared memory, as tomopy.util.mproc does). FFT back-end as TomoPy
picks it: mkl_fft when importable, else numpy.fft; --fft forces one.

usage: tomopy_phase.py [--fft numpy|mkl_fft] [--ncore N] [--repeat R] FILE.npy
prints one line per run: seconds and projections per second.
"""
import argparse
import multiprocessing as mp
import os
import time
from multiprocessing import shared_memory

import numpy as np

PIXEL_CM, DIST_CM, KEV, ALPHA = 1e-4, 10.0, 20.0, 1e-3


def fft_pair(name):
    if name == "mkl_fft":
        import mkl_fft
        return mkl_fft.fft2, mkl_fft.ifft2
    return np.fft.fft2, np.fft.ifft2


def setup(shape):
    lam = 2 * np.pi * 6.58211928e-19 * 2.99792458e10 / KEV
    pad_pix = np.ceil(np.pi * lam * DIST_CM / PIXEL_CM ** 2)
    _, ny, nx = shape
    py = int((2 ** np.ceil(np.log2(ny + pad_pix)) - ny) // 2)
    px = int((2 ** np.ceil(np.log2(nx + pad_pix)) - nx) // 2)

    def coords(n):
        return (np.arange(-(n - 1), n, 2, dtype=np.float32) *
                np.float32(0.5 / ((n - 1) * PIXEL_CM)))

    w2 = np.add.outer(coords(ny + 2 * py) ** 2, coords(nx + 2 * px) ** 2)
    h = np.fft.fftshift(1 / (np.float32(lam * DIST_CM / (4 * np.pi)) * w2 + np.float32(ALPHA)))
    return py, px, (h / h.max()).astype(np.float32)


def work(args):
    name_in, name_out, shape, lo, hi, fft = args
    fft2, ifft2 = fft_pair(fft)
    sin = shared_memory.SharedMemory(name=name_in)
    sout = shared_memory.SharedMemory(name=name_out)
    a = np.ndarray(shape, np.float32, sin.buf)
    out = np.ndarray(shape, np.float32, sout.buf)
    py, px, h = setup(shape)
    _, ny, nx = shape
    prj = np.empty((ny + 2 * py, nx + 2 * px), np.float32)
    for m in range(lo, hi):
        prj[py:py + ny, px:px + nx] = a[m]
        prj[:py] = prj[py]
        prj[py + ny:] = prj[py + ny - 1]
        prj[:, :px] = prj[:, px][:, None]
        prj[:, px + nx:] = prj[:, px + nx - 1][:, None]
        f = fft2(prj)
        f *= h
        out[m] = np.real(ifft2(f))[py:py + ny, px:px + nx]
    del a, out
    sin.close()
    sout.close()


def retrieve_phase(a, ncore, fft):
    """Filter a (angle, row, col) float32 in one process per core."""
    sin = shared_memory.SharedMemory(create=True, size=a.nbytes)
    sout = shared_memory.SharedMemory(create=True, size=a.nbytes)
    try:
        np.ndarray(a.shape, np.float32, sin.buf)[:] = a
        n = a.shape[0]
        cuts = [n * k // ncore for k in range(ncore + 1)]
        jobs = [(sin.name, sout.name, a.shape, cuts[k], cuts[k + 1], fft)
                for k in range(ncore) if cuts[k] < cuts[k + 1]]
        with mp.get_context("fork").Pool(len(jobs)) as pool:
            pool.map(work, jobs)
        return np.ndarray(a.shape, np.float32, sout.buf).copy()
    finally:
        for s in (sin, sout):
            s.close()
            s.unlink()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--fft", choices=["numpy", "mkl_fft"])
    p.add_argument("--ncore", type=int, default=os.cpu_count())
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("file")
    o = p.parse_args()
    if o.fft is None:
        try:
            import mkl_fft  # noqa: F401
            o.fft = "mkl_fft"
        except ImportError:
            o.fft = "numpy"
    a = np.load(o.file, mmap_mode="r")
    a = np.ascontiguousarray(a, np.float32)
    for _ in range(o.repeat):
        t0 = time.perf_counter()
        retrieve_phase(a, o.ncore, o.fft)
        dt = time.perf_counter() - t0
        print("%s %d cores: %.3f s %.4g projections/s" % (o.fft, o.ncore, dt, a.shape[0] / dt),
              flush=True)


if __name__ == "__main__":
    main()
