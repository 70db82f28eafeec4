"""The reference for `cargo xtask bench-scale`: one closed-form EASE fit (Steck 2019) in
numpy/LAPACK (scipy for the sparse Gram product) over a release's `movies` most liked movies, as a data scientist would write it.

    python ease.py RELEASE_DIR MOVIES

Reads RELEASE_DIR/ratings.csv (userId,movieId,rating,timestamp), keeps ratings of 4 or more
(likes), builds the users x movies matrix of the MOVIES most liked movies, then times the Gram
matrix and the inverse of (G + lambda I) in float64, as EASE's published code does. Prints one
JSON line: the seconds of each step and the peak resident memory. Reading the file is not timed:
the trainer's own figure it is compared with is its whole run, reading included, so the ratio
flatters the reference if anything.
"""

import json
import resource
import sys
import time

import numpy as np
from scipy import sparse

LAMBDA = 500.0


def main():
    release, movies = sys.argv[1], int(sys.argv[2])
    ratings = np.loadtxt(
        f"{release}/ratings.csv",
        delimiter=",",
        skiprows=1,
        usecols=(0, 1, 2),
        dtype=np.float64,
    )
    liked = ratings[ratings[:, 2] >= 4.0]
    users = np.unique(liked[:, 0].astype(np.int64), return_inverse=True)[1]
    ids, items = np.unique(liked[:, 1].astype(np.int64), return_inverse=True)
    counts = np.bincount(items, minlength=len(ids))
    kept = np.argsort(-counts, kind="stable")[:movies]
    column = np.full(len(ids), -1)
    column[kept] = np.arange(len(kept))
    columns = column[items]
    mask = columns >= 0
    users, columns = users[mask], columns[mask]
    order = np.argsort(users, kind="stable")
    users, columns = users[order], columns[order]
    started = time.perf_counter()
    x = sparse.csr_matrix(
        (np.ones(len(users)), (users, columns)), shape=(users.max() + 1, len(kept))
    )
    gram = (x.T @ x).toarray()
    gram_seconds = time.perf_counter() - started

    started = time.perf_counter()
    n_movies = gram.shape[0]
    gram[np.diag_indices(n_movies)] += LAMBDA
    p = np.linalg.inv(gram)
    weights = p / (-np.diag(p))
    weights[np.diag_indices(n_movies)] = 0.0
    inverse_seconds = time.perf_counter() - started

    print(
        json.dumps(
            {
                "users": int(x.shape[0]),
                "movies": int(x.shape[1]),
                "likes": int(len(users)),
                "gram_seconds": gram_seconds,
                "inverse_seconds": inverse_seconds,
                "seconds": gram_seconds + inverse_seconds,
                # Linux reports kilobytes.
                "peak_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
            }
        )
    )


if __name__ == "__main__":
    main()
