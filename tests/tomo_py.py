"""Small NumPy helpers for the Bats tests: read and write our NRRD stream
and .npy references, so that Python computes the expected numbers
independently of libtomo."""
import numpy as np

_TYPES = {
    "float": "f4", "double": "f8", "uchar": "u1", "uint8": "u1",
    "signed char": "i1", "int8": "i1", "short": "i2", "int16": "i2",
    "ushort": "u2", "uint16": "u2", "int": "i4", "int32": "i4",
    "uint": "u4", "uint32": "u4", "int64": "i8", "uint64": "u8",
}


def nrrd(path):
    """Return (array shaped [z][y][x] or fewer dims as in the file, keys)."""
    data = open(path, "rb").read()
    end = data.index(b"\n\n") + 2
    fields, keys = {}, {}
    for line in data[:end].decode("latin-1").splitlines()[1:]:
        if not line or line.startswith("#"):
            continue
        if ":=" in line:
            k, v = line.split(":=", 1)
            keys[k] = v
        else:
            k, v = line.split(": ", 1)
            fields[k] = v.strip()
    sizes = [int(s) for s in fields["sizes"].split()]
    endian = "<" if fields.get("endian", "little") == "little" else ">"
    dt = np.dtype(endian + _TYPES[fields["type"]])
    a = np.frombuffer(data, dt, count=int(np.prod(sizes)), offset=end)
    return a.reshape(sizes[::-1]).astype(np.float32), keys


def write_nrrd(path, a, keys=None, typ="float", endian="little"):
    """Write a (z, y, x) array as an attached NRRD (header not padded)."""
    a = np.asarray(a)
    inv = {v: k for k, v in _TYPES.items()}
    e = "<" if endian == "little" else ">"
    name = typ
    dt = np.dtype(e + _TYPES[name])
    head = "NRRD0005\ntype: %s\ndimension: %d\nsizes: %s\nendian: %s\nencoding: raw\n" % (
        name, a.ndim, " ".join(str(s) for s in a.shape[::-1]), endian)
    for k, v in (keys or {}).items():
        head += "%s:=%s\n" % (k, v)
    with open(path, "wb") as f:
        f.write(head.encode() + b"\n")
        f.write(a.astype(dt).tobytes())


def good_size(n):
    """Smallest m >= n whose only prime factors are 2, 3, 5, 7 (the FFT
    lengths our tools pad to, as include/tomo/fft.h's tomo_fft_good_size)."""
    m = max(int(n), 1)
    while True:
        r = m
        for p in (2, 3, 5, 7):
            while r % p == 0:
                r //= p
        if r == 1:
            return m
        m += 1


def rel_l2(a, b):
    a = np.asarray(a, np.float64)
    b = np.asarray(b, np.float64)
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))
