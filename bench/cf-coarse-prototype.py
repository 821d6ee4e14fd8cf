# Closed-form's preconditioner rebuilt in f64 with scipy, to measure what a different coarse space or fine smoother
# would do to the iteration count before building it in assembly/ (issue 12). Not the package's solver: a model of it
# that gives its iteration counts within a few (the coarsest level is solved exactly here, by two block
# Gauss-Seidel pairs there). Per case it builds the restricted closed-form system (pymatting's Laplacian from
# ../shared/anchors, radius 1, epsilon 1e-7; b from the foreground), then per variant the hierarchy and a flexible CG
# solve to ||b - Ax|| <= 1e-7 ||b|| from zero, and prints the iterations and the work per unknown and iteration:
# entries read by the fine level's passes, by the transfers and by the block levels, weighted into one iteration
# cost by today's profile (fine passes 45 %, transfers 4 %, block levels 31 %; README, "Speed and memory"), so
# that "its x cost" compares the solve's time between variants (the variant `today` is the unit).
#
# Variants (Vanek, Mandel, Brezina 1996 for the smoothed prolongator P = (I - omega D^-1 A) P_tent, omega =
# omega / rho(D^-1 A), omega 4/3 unless --omega; Notay and Vassilevski 2008 for the K-cycle):
#   today        4x4 pixel aggregates, then 2x2 nodes, affine colour basis, unsmoothed (the package's method)
#   today3       today's, but 3x3 nodes per aggregate below the first block level (fewer, smaller levels)
#   smooth-first today's, the first block level's prolongator smoothed (its coarse stencil: 5x5 nodes)
#   smooth-all   every prolongator smoothed (stencils grow: 5x5 nodes on level 1, 7x7 below)
#   smooth-first3 the first prolongator smoothed, then 3x3 nodes unsmoothed (5x5 nodes on the first block level only)
#   smooth-all3  4x4 pixel aggregates, then 3x3 nodes, every prolongator smoothed (5x5 nodes on every level)
#   smooth-below3 today's first block level (unsmoothed), then 3x3 nodes with smoothed prolongators (every block
#                level keeps its 3x3-node stencil: a smoothed aggregate of 3x3 nodes reaches only its neighbours')
#   chebyshev3   today's coarse space; the fine Gauss-Seidel pair replaced by a degree-3 Chebyshev polynomial in
#                D^-1 A on [lmax / 30, lmax] (lmax 1.1 times a power iteration's), before and after
#
# /usr/bin/python3 bench/cf-coarse-prototype.py [--data LOWRES_DIR] --cases GT02:trimap1,GT13:trimap2
#                                               [--variants today,smooth-all3] [--omega 1.6]
import argparse, os, sys, time

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as sla
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))


def find_shared(start):
    """The nearest ../shared above the repository (as bench/common.ts finds it)."""
    folder = start
    while True:
        candidate = os.path.join(folder, "shared")
        if os.path.isdir(os.path.join(candidate, "anchors")):
            return candidate
        parent = os.path.dirname(folder)
        if parent == folder:
            raise SystemExit("no shared/anchors folder above " + start)
        folder = parent


SHARED = find_shared(HERE)
os.environ.setdefault("NUMBA_CACHE_DIR", os.path.join(os.environ.get("TMPDIR", "/tmp"), "matting-anchors-numba"))
sys.path[:0] = [os.path.join(SHARED, "anchors", "pymatting-src"), os.path.join(SHARED, "anchors", "pymatting-meta")]
from pymatting import cf_laplacian, trimap_split  # noqa: E402

VARIANTS = {
    "today": dict(first=4, factor=2, smooth="none", chebyshev=0),
    "today3": dict(first=4, factor=3, smooth="none", chebyshev=0),
    "smooth-first": dict(first=4, factor=2, smooth="first", chebyshev=0),
    "smooth-all": dict(first=4, factor=2, smooth="all", chebyshev=0),
    "smooth-first3": dict(first=4, factor=3, smooth="first", chebyshev=0),
    "smooth-all3": dict(first=4, factor=3, smooth="all", chebyshev=0),
    "smooth-below3": dict(first=4, factor=3, smooth="below", chebyshev=0),
    "chebyshev3": dict(first=4, factor=2, smooth="none", chebyshev=3),
}
COARSEST_NODES = 128  # as src/alpha.ts
DEPENDENT = 1e-3  # as assembly/aggregation.ts
KRYLOV_ENOUGH = 0.1  # as assembly/cycle.ts


def closed_form_system(data, name, trimap_set):
    image = np.asarray(Image.open(f"{data}/input/{name}.png").convert("RGB"), dtype=np.float64) / 255
    trimap = np.asarray(Image.open(f"{data}/{trimap_set}/{name}.png").convert("L"), dtype=np.float64) / 255
    fg, _, known, unknown = trimap_split(trimap)
    laplacian = cf_laplacian(image, epsilon=1e-7, radius=1, is_known=known).tocsr()
    rows = np.flatnonzero(unknown.ravel())
    a = laplacian[rows][:, rows].tocsr()
    b = -(laplacian[rows][:, np.flatnonzero(fg.ravel())] @ np.ones(fg.sum()))
    width = trimap.shape[1]
    return a, b, image.reshape(-1, 3)[rows], rows // width, rows % width


def grid_aggregates(cy, cx):
    """Aggregate of every point from its cell, numbered in raster order; the aggregates' own cells."""
    keys, of = np.unique(cy.astype(np.int64) * (1 << 20) + cx, return_inverse=True)
    return of, len(keys), keys >> 20, keys & ((1 << 20) - 1)


def tentative_prolongator(aggregate, count, candidates):
    """Per aggregate, the candidate columns orthonormalised (modified Gram-Schmidt, dependent ones dropped).
    Returns P (points x coarse unknowns), the candidates' coarse coefficients and each coarse unknown's aggregate."""
    order = np.argsort(aggregate, kind="stable")
    starts = np.searchsorted(aggregate[order], np.arange(count + 1))
    rows, cols, values, coarse, owner = [], [], [], [], []
    for a in range(count):
        members = order[starts[a]:starts[a + 1]]
        v = candidates[members].copy()
        r = np.zeros((4, 4))
        kept = []
        for k in range(4):
            original = np.linalg.norm(v[:, k])
            for j in kept:
                r[j, k] = v[:, j] @ v[:, k]
                v[:, k] -= r[j, k] * v[:, j]
            norm = np.linalg.norm(v[:, k])
            if norm > DEPENDENT * original and norm > 1e-12:
                v[:, k] /= norm
                r[k, k] = norm
                kept.append(k)
        for j in kept:
            rows.extend(members)
            cols.extend([len(owner)] * len(members))
            values.extend(v[:, j])
            coarse.append(r[j])
            owner.append(a)
    p = sp.csr_matrix((values, (rows, cols)), shape=(len(aggregate), len(owner)))
    return p, np.array(coarse), np.array(owner)


def spectral_radius(a, inverse_diagonal, steps):
    """Power iteration on D^-1 A."""
    v = np.random.default_rng(0).standard_normal(a.shape[0])
    for _ in range(steps):
        v = inverse_diagonal * (a @ v)
        estimate = np.linalg.norm(v)
        v /= estimate
    return estimate


class Level:
    pass


def hierarchy(a, colours, ys, xs, first, factor, smooth, omega_scale):
    fine = Level()
    fine.a, fine.node = a, np.arange(a.shape[0])
    levels = [fine]
    candidates = np.hstack([np.ones((a.shape[0], 1)), colours])
    aggregate, count, cy, cx = grid_aggregates(ys // first, xs // first)
    while True:
        p, candidates, owner = tentative_prolongator(aggregate, count, candidates)
        if smooth == "all" or (smooth == "first" and len(levels) == 1) or (smooth == "below" and len(levels) > 1):
            inverse_diagonal = 1 / levels[-1].a.diagonal()
            omega = omega_scale / spectral_radius(levels[-1].a, inverse_diagonal, 15)
            p = (p - omega * sp.diags(inverse_diagonal) @ (levels[-1].a @ p)).tocsr()
        levels[-1].p = p
        coarse = Level()
        coarse.a, coarse.node = (p.T @ levels[-1].a @ p).tocsr(), owner
        levels.append(coarse)
        if count <= COARSEST_NODES:
            break
        parent, count, cy, cx = grid_aggregates(cy // factor, cx // factor)
        aggregate = parent[owner]
    for level in levels[:-1]:
        # (block) Gauss-Seidel: triangular solves with the node-lower and node-upper parts, in node order
        entries, node = level.a.tocoo(), level.node
        options = dict(permc_spec="NATURAL", diag_pivot_thresh=0)
        for name, keep in (("lower", node[entries.row] >= node[entries.col]), ("upper", node[entries.row] <= node[entries.col])):
            part = sp.csc_matrix((entries.data[keep], (entries.row[keep], entries.col[keep])), shape=entries.shape)
            setattr(level, name, sla.splu(part, **options).solve)
    levels[-1].solve = sla.splu(levels[-1].a.tocsc()).solve
    return levels


class Cycle:
    def __init__(self, levels, chebyshev):
        self.levels, self.degree = levels, chebyshev
        self.work = dict(fine=0, transfer=0, block=0)
        if chebyshev:
            fine = levels[0]
            fine.inverse_diagonal = 1 / fine.a.diagonal()
            fine.lmax = 1.1 * spectral_radius(fine.a, fine.inverse_diagonal, 30)

    def read(self, l, nnz):
        self.work["fine" if l == 0 else "block"] += nnz

    def polynomial(self, r0):
        """Chebyshev iteration from zero on D^-1 A x = D^-1 r0 (Saad, alg. 12.1), self.degree steps."""
        fine = self.levels[0]
        high = fine.lmax
        low = high / 30
        theta, delta = (high + low) / 2, (high - low) / 2
        sigma = theta / delta
        rho = 1 / sigma
        x, r = np.zeros_like(r0), r0.copy()
        d = fine.inverse_diagonal * r / theta
        for k in range(self.degree):
            x += d
            if k == self.degree - 1:
                break
            r -= fine.a @ d
            rho_next = 1 / (2 * sigma - rho)
            d = rho_next * rho * d + (2 * rho_next / delta) * (fine.inverse_diagonal * r)
            rho = rho_next
        return x

    def smooth(self, l, b):
        level = self.levels[l]
        if l == len(self.levels) - 1:
            self.read(l, 2 * level.a.nnz)
            return level.solve(b)
        polynomial = l == 0 and self.degree > 0
        # a Gauss-Seidel pair reads the entries twice (forward half, residual, backward half); a polynomial its degree
        # in products per side
        self.read(l, 2 * self.degree * level.a.nnz if polynomial else 2 * level.a.nnz)
        self.work["transfer"] += 2 * level.p.nnz
        x = self.polynomial(b) if polynomial else level.lower(b)
        x = x + level.p @ self.krylov(l + 1, level.p.T @ (b - level.a @ x))
        r = b - level.a @ x
        return x + (self.polynomial(r) if polynomial else level.upper(r))

    def krylov(self, l, bk):
        v1 = self.smooth(l, bk)
        if l == len(self.levels) - 1:
            return v1
        a = self.levels[l].a
        self.read(l, a.nnz)
        w1 = a @ v1
        a1 = v1 @ w1
        if not a1 > 0:
            return v1
        step1 = (v1 @ bk) / a1
        b2 = bk - step1 * w1
        if b2 @ b2 <= KRYLOV_ENOUGH ** 2 * (bk @ bk):
            return step1 * v1
        v2 = self.smooth(l, b2)
        self.read(l, a.nnz)
        w2 = a @ v2
        gamma = v2 @ w1
        rho2 = v2 @ w2 - gamma * gamma / a1
        if not rho2 > 0:
            return step1 * v1
        s2 = (v2 @ b2) / rho2
        return (step1 - s2 * gamma / a1) * v1 + s2 * v2


def flexible_cg(a, b, cycle, tolerance=1e-7, limit=2000):
    """Flexible CG (Notay 2000; beta = -z.Ap / p.Ap, as assembly/solve.ts). Returns the iterations."""
    x, r = np.zeros_like(b), b.copy()
    z = cycle.smooth(0, r)
    p = z.copy()
    ap = a @ p
    for iteration in range(1, limit + 1):
        cycle.work["fine"] += a.nnz
        pap = p @ ap
        alpha = (r @ z) / pap
        x += alpha * p
        r -= alpha * ap
        if np.linalg.norm(r) <= tolerance * np.linalg.norm(b):
            return iteration
        z = cycle.smooth(0, r)
        p = z - (z @ ap) / pap * p
        ap = a @ p
    return limit


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default=os.path.join(SHARED, "datasets", "alphamatting-lowres"))
    parser.add_argument("--cases", required=True, help="NAME:TRIMAPSET,...")
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--omega", type=float, default=4 / 3, help="the smoothed prolongators' omega times rho(D^-1 A)")
    args = parser.parse_args()
    names = args.variants.split(",")
    if names[0] != "today":
        names.insert(0, "today")  # the unit of the cost
    for case in args.cases.split(","):
        name, trimap_set = case.split(":")
        a, b, colours, ys, xs = closed_form_system(args.data, name, trimap_set)
        line = [f"{name} {trimap_set} unknown {a.shape[0]}"]
        for variant in names:
            settings = VARIANTS[variant]
            started = time.time()
            levels = hierarchy(a, colours, ys, xs, settings["first"], settings["factor"], settings["smooth"], args.omega)
            built = time.time()
            cycle = Cycle(levels, settings["chebyshev"])
            iterations = flexible_cg(a, b, cycle)
            work = [cycle.work[k] / a.shape[0] / iterations for k in ("fine", "transfer", "block")]
            if variant == "today":
                unit = work
            cost = (45 * work[0] / unit[0] + 4 * work[1] / unit[1] + 31 * work[2] / unit[2]) / 80
            stencils = [round(level.a.nnz / level.a.shape[0]) for level in levels[1:4]]
            line.append(f"{variant} {iterations} it, reads/unknown/it fine {work[0]:.0f} transfers {work[1]:.0f} "
                        f"blocks {work[2]:.0f}, cost/it {cost:.2f}, its x cost {iterations * cost:.1f} "
                        f"(levels {len(levels)}, entries per coarse row {stencils}; "
                        f"python set-up {built - started:.1f} s, solve {time.time() - built:.1f} s)")
        print(" | ".join(line), flush=True)


if __name__ == "__main__":
    main()
