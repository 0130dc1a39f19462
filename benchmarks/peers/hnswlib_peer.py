#!/usr/bin/python3
"""hnswlib (Debian's python3-hnswlib) on the same vectors vexfs indexes: the peer of bench-ann.

usage: hnswlib_peer.py   then one command per line on stdin, one JSON line back on stdout:
  build BASE.fvecs M EF_CONSTRUCTION THREADS   index every base vector (l2); times add_items only
  query QUERIES.fvecs EF K OUT.bin             all queries in one knn_query on one thread; times that
                                               call only; OUT.bin gets int32 labels then float32
                                               Euclidean distances, row-major (count x K each)
  quit
The index lives between commands, so rounds of queries interleave with vexfs's in one run.
"""
import json
import sys
import time

import hnswlib
import numpy as np


def read_fvecs(path):
    raw = np.fromfile(path, dtype=np.int32)
    dim = raw[0]
    return raw.reshape(-1, dim + 1)[:, 1:].view(np.float32).copy()


def main():
    index = None
    queries = {}
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        if words[0] == "build":
            base = read_fvecs(words[1])
            m, ef_construction, threads = int(words[2]), int(words[3]), int(words[4])
            index = hnswlib.Index(space="l2", dim=base.shape[1])
            index.init_index(max_elements=base.shape[0], M=m, ef_construction=ef_construction, random_seed=100)
            index.set_num_threads(threads)
            t0 = time.perf_counter()
            index.add_items(base, np.arange(base.shape[0]))
            seconds = time.perf_counter() - t0
            print(json.dumps({"rows": int(base.shape[0]), "dim": int(base.shape[1]), "threads": threads,
                              "build_seconds": seconds}), flush=True)
        elif words[0] == "query":
            path, ef, k, out = words[1], int(words[2]), int(words[3]), words[4]
            if path not in queries:
                queries[path] = read_fvecs(path)
            q = queries[path]
            index.set_ef(ef)
            index.set_num_threads(1)
            t0 = time.perf_counter()
            labels, distances = index.knn_query(q, k=k)
            seconds = time.perf_counter() - t0
            with open(out, "wb") as f:
                f.write(labels.astype(np.int32).tobytes())
                f.write(np.sqrt(np.maximum(distances, 0)).astype(np.float32).tobytes())
            print(json.dumps({"queries": int(q.shape[0]), "ef": ef, "seconds": seconds}), flush=True)
        elif words[0] == "quit":
            return
        else:
            print(json.dumps({"error": "unknown command " + words[0]}), flush=True)


if __name__ == "__main__":
    main()
