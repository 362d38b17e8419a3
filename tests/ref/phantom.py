"""Analytic projections of a 3D modified Shepp-Logan phantom in tomo's
geometry (GUIDE.md section 1), for tests that need exact line integrals
without tomo-phantom, and for measuring scikit-image's reconstruction
error on the same problems (measure_skimage_fbp.py).

Ellipsoids are those of the modified (Toft) 3D Shepp-Logan phantom with
their axes along z (the tilts of the two side ellipsoids dropped), scaled
so that the unit cube spans N/2 pixels: each detector row's slice is a set
of ellipses, and a projection is the sum of their closed-form Radon
transforms, sampled at the detector column centres (point samples, no
pixel-width integration). The ground truth is the phantom's value at the
pixel centres.

Geometry: slice pixel (i, j) of an N x N slice is centred at
x = j + 0.5 - N/2, y = N/2 - i - 0.5; a point projects to
s = x cos(theta) + y sin(theta); detector column k sits at
s = k + 0.5 - center. Detector row r (of R) is at height
z = r + 0.5 - R/2 (in pixels)."""
import numpy as np

# value, semi-axes a, b, c, centre x0, y0, z0 (unit cube), rotation phi (deg)
ELLIPSOIDS = [
    (1.0, 0.69, 0.92, 0.81, 0.0, 0.0, 0.0, 0.0),
    (-0.8, 0.6624, 0.874, 0.78, 0.0, -0.0184, 0.0, 0.0),
    (-0.2, 0.11, 0.31, 0.22, 0.22, 0.0, 0.0, -18.0),
    (-0.2, 0.16, 0.41, 0.28, -0.22, 0.0, 0.0, 18.0),
    (0.1, 0.21, 0.25, 0.41, 0.0, 0.35, -0.15, 0.0),
    (0.1, 0.046, 0.046, 0.05, 0.0, 0.1, 0.25, 0.0),
    (0.1, 0.046, 0.046, 0.05, 0.0, -0.1, 0.25, 0.0),
    (0.1, 0.046, 0.023, 0.05, -0.08, -0.605, 0.0, 0.0),
    (0.1, 0.023, 0.023, 0.02, 0.0, -0.606, 0.0, 0.0),
    (0.1, 0.023, 0.046, 0.02, 0.06, -0.605, 0.0, 0.0),
]


def slice_ellipses(z, scale):
    """Ellipses (value, a, b, x0, y0, phi_rad) of the plane at height z
    pixels, for a phantom whose unit length is scale pixels."""
    out = []
    for v, a, b, c, x0, y0, z0, phi in ELLIPSOIDS:
        t = (z / scale - z0) / c
        if abs(t) >= 1:
            continue
        k = np.sqrt(1 - t * t)
        out.append((v, a * k * scale, b * k * scale, x0 * scale, y0 * scale,
                    np.deg2rad(phi)))
    return out


def sinogram(ells, s, theta):
    """Line integrals at detector coordinates s (pixels) for angles theta
    (radians): array [len(theta)][len(s)]."""
    s = np.asarray(s, np.float64)[None, :]
    th = np.asarray(theta, np.float64)[:, None]
    p = np.zeros((th.shape[0], s.shape[1]))
    for v, a, b, x0, y0, phi in ells:
        a2 = (a * np.cos(th - phi)) ** 2 + (b * np.sin(th - phi)) ** 2
        d = s - (x0 * np.cos(th) + y0 * np.sin(th))
        inside = a2 - d * d
        p += np.where(inside > 0, 2 * v * a * b / a2 *
                      np.sqrt(np.maximum(inside, 0)), 0)
    return p


def image(ells, n):
    """Values at the pixel centres of an n x n slice."""
    x = np.arange(n) + 0.5 - n / 2
    y = n / 2 - np.arange(n) - 0.5
    X, Y = np.meshgrid(x, y)
    img = np.zeros((n, n))
    for v, a, b, x0, y0, phi in ells:
        dx, dy = X - x0, Y - y0
        u = dx * np.cos(phi) + dy * np.sin(phi)
        w = -dx * np.sin(phi) + dy * np.cos(phi)
        img += np.where((u / a) ** 2 + (w / b) ** 2 <= 1, v, 0)
    return img


def projections(n, ncols, angles_deg, center, rows=1, scale=None):
    """Projections [angle][row][column] of the phantom sized for an n x n
    slice (unit length scale = n/2 pixels unless given)."""
    scale = n / 2 if scale is None else scale
    s = np.arange(ncols) + 0.5 - center
    th = np.deg2rad(np.asarray(angles_deg, np.float64))
    out = np.zeros((len(th), rows, ncols))
    for r in range(rows):
        out[:, r, :] = sinogram(slice_ellipses(r + 0.5 - rows / 2, scale), s, th)
    return out


def truth(n, rows=1, scale=None):
    """Ground truth volume [row][n][n]."""
    scale = n / 2 if scale is None else scale
    return np.stack([image(slice_ellipses(r + 0.5 - rows / 2, scale), n)
                     for r in range(rows)])


def fov_mask(n):
    """Pixels whose centre lies within n/2 of the axis."""
    x = np.arange(n) + 0.5 - n / 2
    X, Y = np.meshgrid(x, x)
    return X * X + Y * Y <= (n / 2) ** 2


def rel_rms(recon, ref, mask):
    d = (recon - ref)[..., mask]
    return float(np.sqrt(np.mean(d * d)) / np.sqrt(np.mean(ref[..., mask] ** 2)))
