"""An independent NumPy model of the 3D modified Shepp-Logan phantom for the
tomo-phantom tests: the published table (Toft 1996, the 3D extension of
Schabel's phantom3d), line integrals from the closed-form Radon transform
of the ellipse each ellipsoid cuts from a slice (Kak & Slaney, eq. 3.8-3.11),
and values at voxel centres. Nothing here comes from libtomo."""
import numpy as np

# value, semi-axes a b c, centre x0 y0 z0, phi (degrees), in the unit cube.
# The ventricles use the 2D phantom's -18/18 degrees (major axes at 72 and
# 108 degrees, Kak & Slaney's Table 3.1).
SHEPP_LOGAN = np.array([
    [1.0, .6900, .920, .810, 0.00, 0.0000, 0.00, 0],
    [-.8, .6624, .874, .780, 0.00, -.0184, 0.00, 0],
    [-.2, .1100, .310, .220, 0.22, 0.0000, 0.00, -18],
    [-.2, .1600, .410, .280, -.22, 0.0000, 0.00, 18],
    [0.1, .2100, .250, .410, 0.00, 0.3500, -.15, 0],
    [0.1, .0460, .046, .050, 0.00, 0.1000, 0.25, 0],
    [0.1, .0460, .046, .050, 0.00, -.1000, 0.25, 0],
    [0.1, .0460, .023, .050, -.08, -.6050, 0.00, 0],
    [0.1, .0230, .023, .020, 0.00, -.6060, 0.00, 0],
    [0.1, .0230, .046, .020, 0.06, -.6050, 0.00, 0],
])


def scaled(n, rows):
    """The table in pixels: x, y scaled by n/2, z by rows/2."""
    t = SHEPP_LOGAN.copy()
    t[:, [1, 2, 4, 5]] *= n / 2.0
    t[:, [3, 6]] *= rows / 2.0
    return t


def projections(n, rows, angles_deg, center):
    """Line integrals [angle][row][column] for the detector of the tests:
    column k at s = k + 0.5 - center, row r at z = r + 0.5 - rows/2."""
    s = np.arange(n) + 0.5 - center
    z = np.arange(rows) + 0.5 - rows / 2.0
    out = np.zeros((len(angles_deg), rows, n))
    for rho, a, b, c, x0, y0, z0, phi in scaled(n, rows):
        t2 = ((z - z0) / c) ** 2
        inside = t2 < 1
        f = np.sqrt(np.where(inside, 1 - t2, 0))  # slice ellipse shrinks
        for i, th in enumerate(np.radians(angles_deg)):
            g = th - np.radians(phi)
            w2 = (a * a * np.cos(g) ** 2 + b * b * np.sin(g) ** 2) * f[:, None] ** 2
            sp = s[None, :] - (x0 * np.cos(th) + y0 * np.sin(th))
            ab = a * b * f[:, None] ** 2
            with np.errstate(invalid="ignore", divide="ignore"):
                p = np.where((sp ** 2 < w2) & inside[:, None],
                             2 * rho * ab * np.sqrt(np.maximum(w2 - sp ** 2, 0)) / w2, 0)
            out[i] += p
    return out


def volume(n, rows):
    """Values at voxel centres [slice][row][column] and, per voxel, the
    distance of the closest ellipsoid surface in the quadratic form (to
    forgive voxels that lie on a surface up to rounding)."""
    x = np.arange(n) + 0.5 - n / 2.0
    y = n / 2.0 - np.arange(n) - 0.5
    z = np.arange(rows) + 0.5 - rows / 2.0
    Z, Y, X = np.meshgrid(z, y, x, indexing="ij")
    vol = np.zeros(Z.shape)
    edge = np.full(Z.shape, np.inf)
    for rho, a, b, c, x0, y0, z0, phi in scaled(n, rows):
        p = np.radians(phi)
        u = (X - x0) * np.cos(p) + (Y - y0) * np.sin(p)
        v = -(X - x0) * np.sin(p) + (Y - y0) * np.cos(p)
        q = (u / a) ** 2 + (v / b) ** 2 + ((Z - z0) / c) ** 2
        vol += np.where(q <= 1, rho, 0)
        edge = np.minimum(edge, np.abs(q - 1))
    return vol, edge


def beam(n, rows):
    """The scan's documented beam profile b(column, row), [row][column]."""
    u = 2 * (np.arange(n) + 0.5) / n - 1
    w = 2 * (np.arange(rows) + 0.5) / rows - 1
    U, W = np.meshgrid(u, w)
    g = np.exp(-(U - 0.1) ** 2 / 1.2 - W ** 2 / 2.0)
    return 0.6 + 0.38 * g * (1 + 0.02 * np.sin(2 * np.pi * 5 * W))
