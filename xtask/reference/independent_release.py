"""A synthetic MovieLens release made independently of `trainer synth`, so that
`cargo xtask bench-scale` does not time the trainer only on data from its own generator.

    python independent_release.py OUT_DIR USERS MOVIES RATINGS SEED

Writes OUT_DIR/{ratings,movies,links,tags}.csv in the layout of ml-25m and ml-32m. The process
differs from `trainer synth` on purpose: movies get a log-normal popularity and one to three of
twenty "tastes" (each a genre); users draw a Dirichlet mix of tastes and a log-normal number of
ratings (at least 20, as in MovieLens); each rating picks a taste from the user's mix, then a
movie of that taste by popularity; stars follow how well the movie's tastes match the user's,
on the half-star scale. Movie ids are sparse, as the real ones are.
"""

import sys

import numpy as np

GENRES = [
    "Action", "Adventure", "Animation", "Children", "Comedy", "Crime", "Documentary",
    "Drama", "Fantasy", "Film-Noir", "Horror", "IMAX", "Musical", "Mystery", "Romance",
    "Sci-Fi", "Thriller", "War", "Western", "(no genres listed)",
]
TASTES = len(GENRES)
# Ratings written per chunk of users: bounds the memory of the text being formatted.
USERS_PER_CHUNK = 4096


def main():
    out, users, movies, ratings, seed = sys.argv[1], *map(int, sys.argv[2:6])
    rng = np.random.default_rng(seed)
    ids = np.cumsum(rng.integers(1, 4, size=movies))
    popularity = rng.lognormal(mean=0.0, sigma=1.8, size=movies)
    taste_count = rng.integers(1, 4, size=movies)
    movie_tastes = np.zeros((movies, TASTES), dtype=bool)
    for count in (1, 2, 3):
        rows = np.flatnonzero(taste_count >= count)
        movie_tastes[rows, rng.integers(0, TASTES, size=len(rows))] = True
    # Per taste, the cumulative popularity of its movies: a movie is drawn by searchsorted.
    members = [np.flatnonzero(movie_tastes[:, t]) for t in range(TASTES)]
    cumulative = [np.cumsum(popularity[m]) for m in members]

    per_user = rng.lognormal(mean=0.0, sigma=1.0, size=users)
    per_user = np.maximum(20, per_user / per_user.sum() * ratings).astype(np.int64)
    mixes = rng.dirichlet(np.full(TASTES, 0.3), size=users)

    years = rng.integers(1920, 2024, size=movies)
    with open(f"{out}/movies.csv", "w") as f:
        f.write("movieId,title,genres\n")
        for k in range(movies):
            genres = "|".join(GENRES[t] for t in np.flatnonzero(movie_tastes[k]))
            f.write(f"{ids[k]},Independent Picture {k + 1} ({years[k]}),{genres}\n")
    with open(f"{out}/links.csv", "w") as f:
        f.write("movieId,imdbId,tmdbId\n")
        for k in range(movies):
            f.write(f"{ids[k]},{1000000 + k:07d},{500000 + k}\n")

    written = 0
    with open(f"{out}/ratings.csv", "w") as f, open(f"{out}/tags.csv", "w") as tags:
        f.write("userId,movieId,rating,timestamp\n")
        tags.write("userId,movieId,tag,timestamp\n")
        for first in range(0, users, USERS_PER_CHUNK):
            chunk = range(first, min(first + USERS_PER_CHUNK, users))
            lines, tag_lines = [], []
            for user in chunk:
                want = per_user[user]
                tastes = rng.choice(TASTES, size=want * 3, p=mixes[user])
                picked = np.empty(want * 3, dtype=np.int64)
                for t in np.unique(tastes):
                    at = np.flatnonzero(tastes == t)
                    draws = rng.random(len(at)) * cumulative[t][-1]
                    picked[at] = members[t][np.searchsorted(cumulative[t], draws)]
                rated = np.unique(picked)[:want]
                rng.shuffle(rated)
                match = movie_tastes[rated] @ mixes[user]
                stars = np.clip(
                    np.round((2.5 + 6.0 * match + rng.normal(0, 0.9, len(rated))) * 2) / 2,
                    0.5,
                    5.0,
                )
                start = 946_684_800 + int(rng.integers(0, 700_000_000))
                times = start + np.sort(rng.integers(0, 50_000_000, size=len(rated)))
                lines.extend(
                    f"{user + 1},{ids[m]},{s:.1f},{t}"
                    for m, s, t in zip(rated, stars, times)
                )
                tagged = rated[rng.random(len(rated)) < 0.01]
                tag_lines.extend(
                    f"{user + 1},{ids[m]},{GENRES[np.flatnonzero(movie_tastes[m])[0]].lower()},{start}"
                    for m in tagged
                )
                written += len(rated)
            f.write("\n".join(lines) + "\n")
            if tag_lines:
                tags.write("\n".join(tag_lines) + "\n")
    print(f"{users} users, {movies} movies, {written} ratings in {out}")


if __name__ == "__main__":
    main()
