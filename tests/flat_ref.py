"""An independent NumPy model of tomo-flat for its tests: the frame steps
(3x3-median outlier rule with the detector's edges repeated, the part of the
detector, N x N binning), mean and median averages, flats interpolated
between groups by frame number, and the clamped transmission and -ln. In
float32 where the tool is, so results agree to rounding. Nothing here comes
from libtomo; the rules are those of tomo-flat(1)."""
import numpy as np

F32 = np.float32


def outliers(a, t):
    """Replace v by the median m of its 3x3 neighbourhood where
    |v - m| > t |m|; a is (..., rows, cols), edges repeated."""
    a = np.asarray(a, F32)
    pad = [(0, 0)] * (a.ndim - 2) + [(1, 1), (1, 1)]
    p = np.pad(a, pad, mode="edge")
    ny, nx = a.shape[-2:]
    nine = np.stack([p[..., dy:dy + ny, dx:dx + nx] for dy in range(3) for dx in range(3)])
    m = np.sort(nine, axis=0)[4]
    hit = np.abs(a - m) > F32(t) * np.abs(m)
    return np.where(hit, m, a), int(hit.sum())


def frames(stack, rows=None, cols=None, t=0, n=1):
    """The steps every frame takes: outliers on the whole frame, then the
    rows and columns asked for, then n x n bins (means, remainder left out)."""
    a = np.asarray(stack, F32)
    if a.ndim == 2:
        a = a[None]
    hits = 0
    if t:
        a, hits = outliers(a, t)
    if rows:
        a = a[:, rows[0]:rows[1]]
    if cols:
        a = a[:, :, cols[0]:cols[1]]
    if n > 1:
        f, ny, nx = a.shape
        a = a[:, :ny // n * n, :nx // n * n].astype(np.float64)
        a = a.reshape(f, ny // n, n, nx // n, n).mean(axis=(2, 4)).astype(F32)
    return a, hits


def average(a, how="mean"):
    """Pixel by pixel over the frames (axis 0)."""
    if how == "median":
        return np.median(np.asarray(a, F32), axis=0).astype(F32)
    return np.asarray(a, np.float64).mean(axis=0).astype(F32)


def correct(proj, pos, groups, dark, log=False):
    """proj (k, rows, cols) float32 with scan positions pos (k,); groups a
    list of (anchor, average flat) by anchor; dark the average dark.
    Returns float32 transmission (or -ln) and the clamp counts."""
    dark = np.asarray(dark, F32)
    anchors = [g[0] for g in groups]
    dens = [np.asarray(g[1], F32) - dark for g in groups]
    out = np.empty(np.shape(proj), F32)
    nden = nt = 0
    for k, p in enumerate(pos):
        if len(groups) == 1 or p <= anchors[0]:
            den = dens[0]
        elif p >= anchors[-1]:
            den = dens[-1]
        else:
            i = max(j for j in range(len(anchors)) if anchors[j] <= p)
            w = F32((p - anchors[i]) / (anchors[i + 1] - anchors[i]))
            den = (F32(1) - w) * dens[i] + w * dens[i + 1] if w else dens[i]
        bad = ~(den >= F32(1e-6))
        den = np.where(bad, F32(1e-6), den).astype(F32)
        t = ((np.asarray(proj[k], F32) - dark) / den).astype(F32)
        low = ~(t >= F32(1e-6))
        nden += int(bad.sum())
        nt += int(low.sum())
        if log:
            t = -np.log(np.where(low, F32(1e-6), t))
        out[k] = t
    return out, nden, nt


def rel_err(got, want):
    """Largest |got - want| / max(|want|, 1e-30) (0 for equal arrays)."""
    got = np.asarray(got, np.float64)
    want = np.asarray(want, np.float64)
    assert got.shape == want.shape, (got.shape, want.shape)
    return float(np.max(np.abs(got - want) / np.maximum(np.abs(want), 1e-30), initial=0))
