#!/usr/bin/python3
"""The exact k nearest rows (L2) of each query, by FAISS IndexFlatL2: the ground truth of bench-ann-large.

usage: exact_knn.py BASE.fvecs QUERIES.fvecs K THREADS OUT.tsv
Reads the base file memory-mapped, adds it to the index in slices of a million rows, and writes
one line per hit: query<TAB>rank<TAB>row, rank counting from 1.
"""
import sys

import faiss
import numpy as np


def fvecs(path):
    raw = np.memmap(path, dtype=np.int32, mode="r")
    dim = int(raw[0])
    return raw.reshape(-1, dim + 1)[:, 1:].view(np.float32)


def main():
    base_path, query_path, k, threads, out_path = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    faiss.omp_set_num_threads(threads)
    # Debian's faiss calls the reference BLAS (one thread, slow) for batches of 20 queries or more;
    # its own SIMD loop over the rows, one query per thread, is many times faster here.
    faiss.cvar.distance_compute_blas_threshold = 1 << 30
    base = fvecs(base_path)
    queries = np.ascontiguousarray(fvecs(query_path))
    index = faiss.IndexFlatL2(base.shape[1])
    for start in range(0, base.shape[0], 1_000_000):
        index.add(np.ascontiguousarray(base[start:start + 1_000_000]))
    _, ids = index.search(queries, k)
    with open(out_path, "w") as out:
        for q, row in enumerate(ids):
            for rank, i in enumerate(row, start=1):
                out.write(f"{q}\t{rank}\t{i}\n")


if __name__ == "__main__":
    main()
