"""The exact result that tomo-fbp --method fourier approximates, for
tests/fbp-fourier.bats: filtered back-projection in which each filtered,
padded projection is interpolated trigonometrically (its Fourier series),
evaluated here term by term in float64 at every pixel, with tomo-fbp(1)'s
filter (the DFT of the discrete Ram-Lak kernel times the window), edge or
zero padding, angle weights and geometry, written independently of libtomo.

    fourier_exact.py IN.nrrd OUT.npy CENTER SIZE FILTER PAD [CUTOFF]

IN holds projections [angle][row][column] with tomo_angles; OUT gets the
slices [row][SIZE][SIZE]."""
import sys

import numpy as np

sys.path.insert(0, __file__.rsplit("/", 2)[0])
from tomo_py import good_size, nrrd  # noqa: E402


def window(name, r):
    if name == "ramp":
        return np.ones_like(r)
    if name == "shepp-logan":
        x = 0.5 * np.pi * r
        return np.where(r == 0, 1, np.sin(x) / np.where(r == 0, 1, x))
    if name == "cosine":
        return np.cos(0.5 * np.pi * r)
    if name == "hamming":
        return 0.54 + 0.46 * np.cos(np.pi * r)
    if name == "hann":
        return 0.5 + 0.5 * np.cos(np.pi * r)
    if name == "parzen":
        return np.where(r <= 0.5, 1 - 6 * r * r * (1 - r), 2 * (1 - r) ** 3)
    raise ValueError(name)


def weights(deg):
    """Half the gap to the neighbours on the 180-degree circle (distinct
    directions)."""
    a = np.mod(deg, 180.0)
    a[a >= 180 - 1e-6] = 0
    o = np.argsort(a, kind="stable")
    s = a[o]
    prev = np.r_[s[-1] - 180, s[:-1]]
    nxt = np.r_[s[1:], s[0] + 180]
    w = np.empty(len(s))
    w[o] = 0.5 * (nxt - prev) * np.pi / 180
    return w


def exact(p, deg, center, n, filt, pad, cutoff=1.0):
    A, R, C = p.shape
    P = good_size(max(64, 2 * C))
    z = np.zeros((A, R, P))
    z[..., :C] = p
    if pad == "edge":
        mid = C + (P - C) // 2
        z[..., C:mid] = p[..., C - 1:C]
        z[..., mid:] = p[..., 0:1]
    k = np.arange(P)
    d = np.minimum(k, P - k)
    h = np.where(d == 0, 0.25, np.where(d % 2 == 1, -1 / (np.pi * np.maximum(d, 1)) ** 2, 0))
    f = np.abs(np.fft.fftfreq(P))
    r = f / (0.5 * cutoff)
    H = np.real(np.fft.fft(h)) * np.where(r > 1, 0, window(filt, np.minimum(r, 1)))
    Q = np.fft.fft(z, axis=-1) * H / P
    j = np.fft.fftfreq(P) * P
    if P % 2 == 0:
        # the Nyquist bin: half at +P/2, half at -P/2 (a cosine)
        j = np.r_[j, P / 2]
        Q = np.concatenate([Q, Q[..., P // 2:P // 2 + 1]], axis=-1)
        Q[..., P // 2] *= 0.5
        Q[..., -1] *= 0.5
    w = weights(np.asarray(deg, np.float64))
    th = np.deg2rad(deg)
    x = np.arange(n) + 0.5 - n / 2
    X, Y = np.meshgrid(x, -x)
    out = np.zeros((R, n * n))
    for a in range(A):
        s = (X * np.cos(th[a]) + Y * np.sin(th[a])).ravel() + center - 0.5
        e = np.exp(2j * np.pi * np.outer(s, j) / P)
        out += w[a] * np.real(Q[a] @ e.T)
    return out.reshape(R, n, n)


if __name__ == "__main__":
    a, keys = nrrd(sys.argv[1])
    deg = np.array([float(v) for v in keys["tomo_angles"].split()])
    cutoff = float(sys.argv[7]) if len(sys.argv) > 7 else 1.0
    np.save(sys.argv[2], exact(a.astype(np.float64), deg, float(sys.argv[3]),
                               int(sys.argv[4]), sys.argv[5], sys.argv[6], cutoff))
