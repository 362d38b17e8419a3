"""NumPy references for the tomo-phase tests, written from the published
formulas (not from our C): Paganin's and the generalised Paganin filter on
numpy's own FFT and padding, TomoPy's retrieve_phase step by step as
shared/data/tomopy-test/README.md describes it, and a Fresnel simulation of
a sphere whose projected thickness is known analytically."""
import numpy as np

from tomo_py import good_size  # noqa: F401 (tests import it from here too)

HC_KEV_M = 1.23984198e-9  # h c in keV m: lambda[m] = HC_KEV_M / E[keV]


def padded_size(n, pad):
    """FFT length and left padding for --pad N (int) or 'auto'."""
    p = good_size(2 * n if pad == "auto" else n + 2 * pad)
    return p, (p - n) // 2


NUMPY_MODE = {"edge": "edge", "mirror": "symmetric", "zero": "constant"}


def retrieve(T, kev, z, pix, db, method="paganin", pad="auto", mode="edge",
             log=True):
    """Filter each projection of T (z, y, x) with Paganin's TIE-Hom filter
    1/(1 + pi lambda z db |u|^2) or the generalised one
    1/(1 + lambda z db/(2 pi pix^2) (2 - cos(2 pi ux pix) - cos(2 pi uy pix)))
    on the padded grid, u in cycles per metre; crop; -ln unless log False."""
    lam = HC_KEV_M / kev
    nz, ny, nx = T.shape
    px, lx = padded_size(nx, pad)
    py, ly = padded_size(ny, pad)
    ux = np.fft.fftfreq(px, d=pix)[None, :]
    uy = np.fft.fftfreq(py, d=pix)[:, None]
    if method == "paganin":
        H = 1.0 / (1.0 + np.pi * lam * z * db * (ux ** 2 + uy ** 2))
    else:
        H = 1.0 / (1.0 + lam * z * db / (2 * np.pi * pix ** 2) *
                   (2 - np.cos(2 * np.pi * ux * pix) - np.cos(2 * np.pi * uy * pix)))
    out = np.empty((nz, ny, nx))
    for k in range(nz):
        a = np.pad(T[k].astype(np.float64), ((ly, py - ny - ly), (lx, px - nx - lx)),
                   mode=NUMPY_MODE[mode])
        f = np.real(np.fft.ifft2(np.fft.fft2(a) * H))
        out[k] = f[ly:ly + ny, lx:lx + nx]
    return -np.log(out) if log else out


def tomopy_retrieve_phase(proj, pixel_cm=1e-4, dist_cm=50.0, kev=20.0, alpha=1e-3):
    """TomoPy's retrieve_phase(pad=True) as the README of tomopy-test
    describes it: edge padding to a power of two, its half-bin-shifted
    frequency grid, filter normalised to its maximum, real part of the
    inverse FFT, no log. Units as TomoPy's: cm and keV."""
    lam = 2 * np.pi * 6.58211928e-19 * 2.99792458e10 / kev
    pad_pix = np.ceil(np.pi * lam * dist_cm / pixel_cm ** 2)
    nz, ny, nx = proj.shape

    def width(n):
        return int((2 ** np.ceil(np.log2(n + pad_pix)) - n) // 2)

    py, px = width(ny), width(nx)
    NY, NX = ny + 2 * py, nx + 2 * px

    def coords(n):
        return np.arange(-(n - 1), n, 2, dtype=np.float64) * 0.5 / ((n - 1) * pixel_cm)

    w2 = np.add.outer(coords(NY) ** 2, coords(NX) ** 2)
    H = np.fft.fftshift(1 / (lam * dist_cm * w2 / (4 * np.pi) + alpha))
    H = H / H.max()
    out = np.empty(proj.shape, np.float32)
    for k in range(nz):
        a = np.pad(proj[k], ((py, py), (px, px)), mode="edge")
        out[k] = np.real(np.fft.ifft2(np.fft.fft2(a) * H))[py:py + ny, px:px + nx]
    return out


def smooth_projections(nz, ny, nx, seed=1, border=4):
    """Random smooth transmission in (0.45, 1], exactly 1 within border
    pixels of the edges."""
    rng = np.random.default_rng(seed)
    out = np.ones((nz, ny, nx), np.float32)
    fy = np.fft.fftfreq(ny)[:, None]
    fx = np.fft.fftfreq(nx)[None, :]
    g = np.exp(-(fx ** 2 + fy ** 2) / (2 * 0.06 ** 2))
    wy = np.sin(np.pi * np.clip((np.arange(ny) - border + 0.5) / (ny - 2 * border), 0, 1)) ** 2
    wx = np.sin(np.pi * np.clip((np.arange(nx) - border + 0.5) / (nx - 2 * border), 0, 1)) ** 2
    w = np.outer(wy, wx)
    for k in range(nz):
        s = np.real(np.fft.ifft2(np.fft.fft2(rng.standard_normal((ny, nx))) * g))
        s = (s - s.min()) / (s.max() - s.min())
        out[k] = 1 - 0.55 * w * s
    return out


def fresnel_sphere(n=128, ny=96, radius=30.0, mu=0.01, db=50.0, kev=20.0,
                   z=0.05, pix=1e-6, os=4, sigma=0.5):
    """Intensity of a plane wave behind a homogeneous sphere (radius in
    pixels, centred on the detector, mu per pixel length, delta = db beta),
    propagated over z metres by the paraxial Fresnel transfer function on a
    grid os times finer than the detector, padded, then integrated over
    the detector pixels. The thickness is smoothed by a Gaussian of sigma
    pixels so that the phase is sampled well; mu t is analytic
    (2 mu sqrt(R^2 - r^2)) farther than a few sigma inside the rim.
    Returns (intensity [ny][nx] float32, analytic mu t, r^2 of pixel
    centres)."""
    lam = HC_KEV_M / kev
    fine = pix / os
    NX, NY = n * os, ny * os
    x = (np.arange(NX) + 0.5) / os - n / 2
    y = (np.arange(NY) + 0.5) / os - ny / 2
    r2 = x[None, :] ** 2 + y[:, None] ** 2
    t = 2 * np.sqrt(np.maximum(radius ** 2 - r2, 0)) * pix
    mu_m = mu / pix
    beta = mu_m * lam / (4 * np.pi)
    delta = db * beta
    P = 2 * max(NX, NY)
    f = np.fft.fftfreq(P, fine)
    f2 = f[None, :] ** 2 + f[:, None] ** 2
    tp = np.zeros((P, P))
    tp[:NY, :NX] = t
    ts = np.maximum(np.real(np.fft.ifft2(np.fft.fft2(tp) *
                                         np.exp(-2 * np.pi ** 2 * (sigma * pix) ** 2 * f2))), 0)
    wave = np.ones((P, P), complex)
    oy, ox = (P - NY) // 2, (P - NX) // 2
    ts = ts[:NY, :NX]
    wave[oy:oy + NY, ox:ox + NX] = np.exp(-mu_m * ts / 2 - 2j * np.pi / lam * delta * ts)
    wave = np.fft.ifft2(np.fft.fft2(wave) * np.exp(-1j * np.pi * lam * z * f2))
    inten = (np.abs(wave[oy:oy + NY, ox:ox + NX]) ** 2).reshape(ny, os, n, os).mean(axis=(1, 3))
    xc = np.arange(n) + 0.5 - n / 2
    yc = np.arange(ny) + 0.5 - ny / 2
    rc2 = xc[None, :] ** 2 + yc[:, None] ** 2
    mut = 2 * mu * np.sqrt(np.maximum(radius ** 2 - rc2, 0))
    return inten.astype(np.float32), mut, rc2
