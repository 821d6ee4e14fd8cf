# Information flow's preconditioner rebuilt in f64 with numpy / scipy, to count CG steps for other preconditioners
# before building them in assembly/ (issue 11). Reads the systems bench/ifm-export.ts writes, rebuilds A from the
# record's parts (checked against the engine's A x0), and runs plain PCG from the engine's start to
# ||b - A x|| <= 1e-7 ||b||, printing the steps per variant. Not the package's solver: a model of it that gives its
# steps exactly for `today` (block Jacobi on 4 x 4 pixels plus the dense coarse level on the largest aggregates that
# fit the engine's cap of coarse unknowns; assembly/methods/ifm-coarse.ts, ifm-blocks.ts).
#
# Variants:
#   today          M^-1 = B^-1 + Z E^-1 Z^T (the package's two-level method)
#   blocks:S       B on S x S pixel blocks (exact block inverses) plus today's coarse level
#   exact:S        B^-1 + Z1 E1^-1 Z1^T, Z1 the functions 1, R, G, B on S x S aggregates and E1 = Z1^T A Z1 solved
#                  exactly (sparse LU; slow for small S on large cases): what a middle level could give at best
#   additive:S:G   today's plus Z1 D1^-1 Z1^T, D1 the diagonal blocks of E1 on regions of G x G aggregates of S x S
#                  pixels (an additive three-level method)
#   bnn            balancing (Mandel 1993) with today's B and Z, A Z held: Q r + (I - Q A) B^-1 (I - A Q) r
#   adef2          A-DEF2 (Tang et al. 2009): Q r + B^-1 (r - A Q r), from the start corrected by Q
# /usr/bin/python3 bench/ifm-precondition-prototype.py DIR CASE [VARIANT ...]   (CASE as written, e.g. GT05-trimap1)
import json
import sys

import numpy as np
import scipy.linalg as sl
import scipy.sparse as sp
import scipy.sparse.linalg as spl

SIDES = [4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024]


def load(base):
    meta = json.load(open(base + ".json"))
    n, half, k = meta["rows"], meta["half"], meta["cmK"]
    part = lambda name, kind: np.fromfile(f"{base}.{name}", dtype=kind)
    def entries(rows, cols, vals, symmetric):
        keep = cols < n
        m = sp.csr_matrix((vals[keep], (rows[keep], cols[keep])), shape=(n, n))
        return m + m.T if symmetric else m
    stencil = entries(np.repeat(np.arange(n), half), part("scol", np.int32), part("sval", np.float64), True) + sp.diags(part("sdiag", np.float64))
    w = entries(np.repeat(np.arange(n), k), part("ccol", np.int32), part("cw", np.float32).astype(np.float64), False)
    mixture = sp.identity(n, format="csr") - w
    offsets = part("ioff", np.int32)
    pairs = entries(np.repeat(np.arange(n), np.diff(offsets)), part("icol", np.int32), part("iw", np.float32).astype(np.float64), True)
    a = (stencil + mixture.T @ mixture + sp.diags(np.asarray(pairs.sum(1)).ravel()) - pairs).tocsr()
    index = part("uidx", np.int32)
    pixels = np.nonzero(index >= 0)[0]
    position = np.empty(n, np.int64)
    position[index[pixels]] = pixels
    x0 = part("x0", np.float64)
    check = np.abs(a @ x0 - part("ax0", np.float64)).max() / np.abs(part("ax0", np.float64)).max()
    assert check < 1e-12, f"rebuilt A differs from the engine's: {check}"
    rgb = part("rgb", np.uint8).reshape(-1, 3)[position] / 255.0
    return dict(A=a, b=part("rhs", np.float64), x0=x0, x=position % meta["width"], y=position // meta["width"], rgb=rgb, width=meta["width"], n=n)


def aggregates(d, side):
    cells = (d["y"] // side) * ((d["width"] + side - 1) // side) + d["x"] // side
    _, of = np.unique(cells, return_inverse=True)
    return of, of.max() + 1


def basis(d, of, count):
    sizes = np.bincount(of, minlength=count)
    means = np.stack([np.bincount(of, d["rgb"][:, c], minlength=count) / sizes for c in range(3)], 1)
    phi = np.hstack([np.ones((d["n"], 1)), d["rgb"] - means[of]])
    rows = np.repeat(np.arange(d["n"]), 4)
    return sp.csr_matrix((phi.ravel(), (rows, (of[:, None] * 4 + np.arange(4)).ravel())), shape=(d["n"], 4 * count))


def dense_inverse(e):
    values, vectors = np.linalg.eigh(e)
    inverse = np.where(values > 1e-10 * values.max(), 1 / np.maximum(values, 1e-300), 0)
    return lambda v: vectors @ (inverse * (vectors.T @ v))


def block_solve(d, side):
    of, _ = aggregates(d, side)
    a = d["A"].tocoo()
    keep = of[a.row] == of[a.col]
    return spl.splu(sp.csc_matrix((a.data[keep], (a.row[keep], a.col[keep])), shape=a.shape)).solve


def coarse_level(d):
    limit = int(min(np.cbrt(6750 * d["n"]), np.sqrt(4 * d["n"])))
    for side in SIDES:
        of, count = aggregates(d, side)
        if 4 * count <= limit:
            z = basis(d, of, count).tocsc()
            return z, dense_inverse((z.T @ d["A"] @ z).toarray())


def pcg(a, b, x, apply, tolerance=1e-7, most=5000):
    x = x.copy()
    r = b - a @ x
    z = apply(r)
    p = z.copy()
    rz, target = r @ z, tolerance * np.linalg.norm(b)
    for step in range(1, most + 1):
        q = a @ p
        alpha = rz / (p @ q)
        x += alpha * p
        r -= alpha * q
        if np.linalg.norm(r) <= target:
            return step
        z = apply(r)
        rz, previous = r @ z, rz
        p = z + (rz / previous) * p
    return most


def main():
    d = load(f"{sys.argv[1]}/{sys.argv[2]}")
    a, b, x0 = d["A"], d["b"], d["x0"]
    z, e_inverse = coarse_level(d)
    q = lambda r: z @ e_inverse(z.T @ r)
    fine = block_solve(d, 4)
    for variant in sys.argv[3:] or ["today"]:
        kind, *params = variant.split(":")
        start = x0
        if kind == "today":
            apply = lambda r: fine(r) + q(r)
        elif kind == "blocks":
            solve = block_solve(d, int(params[0]))
            apply = lambda r, solve=solve: solve(r) + q(r)
        elif kind in ("exact", "additive"):
            of, count = aggregates(d, int(params[0]))
            z1 = basis(d, of, count)
            e1 = (z1.T @ a @ z1).tocoo()
            if kind == "additive":
                regions, _ = aggregates(d, int(params[0]) * int(params[1]))
                region = np.zeros(4 * count, np.int64)
                region[(of[:, None] * 4 + np.arange(4)).ravel()] = np.repeat(regions, 4)
                keep = region[e1.row] == region[e1.col]
                e1 = sp.coo_matrix((e1.data[keep], (e1.row[keep], e1.col[keep])), shape=e1.shape)
            e1 = e1.tocsc()
            solve = spl.splu(e1 + 1e-12 * sp.diags(e1.diagonal() + 1e-30)).solve
            if kind == "exact":
                apply = lambda r, z1=z1, solve=solve: fine(r) + z1 @ solve(z1.T @ r)
            else:
                apply = lambda r, z1=z1, solve=solve: fine(r) + q(r) + z1 @ solve(z1.T @ r)
        elif kind == "bnn":
            az = (a @ z).tocsr()
            def apply(r, az=az):
                y = e_inverse(z.T @ r)
                w = fine(r - az @ y)
                return z @ y + w - z @ e_inverse(az.T @ w)
        elif kind == "adef2":
            az = (a @ z).tocsr()
            apply = lambda r, az=az: q(r) + fine(r - az @ e_inverse(z.T @ r))
            start = x0 + q(b - a @ x0)
        else:
            raise SystemExit(f"unknown variant {variant}")
        print(f"{sys.argv[2]} {variant}: {pcg(a, b, start, apply)} steps", flush=True)


main()
