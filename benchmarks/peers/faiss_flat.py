#!/usr/bin/python3
"""FAISS IndexFlatL2 or IndexFlatIP on the same vectors vexfs searches: the peer of the search benchmark.

usage: faiss_flat.py BASE.fvecs QUERIES.fvecs K SINGLE_QUERIES THREADS METRIC
METRIC is l2 (IndexFlatL2; distances reported as vexfs does, the square root) or dot
(IndexFlatIP; distances reported as vexfs does, minus the inner product).
Prints one JSON object: single-query latency p50/p99 and QPS (one query per call), batched QPS
(all queries in one call), and the exact top-K ids of every query (for recall checks).
"""
import json
import sys
import time

import faiss
import numpy as np


def read_fvecs(path):
    raw = np.fromfile(path, dtype=np.int32)
    dim = raw[0]
    return raw.reshape(-1, dim + 1)[:, 1:].view(np.float32).copy()


def main():
    base_path, query_path, k, singles, threads = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    metric = sys.argv[6]
    if metric not in ("l2", "dot"):
        raise SystemExit(f"faiss_flat.py: metric must be l2 or dot, not {metric!r}")
    faiss.omp_set_num_threads(threads)
    base = read_fvecs(base_path)
    queries = read_fvecs(query_path)
    index = faiss.IndexFlatL2(base.shape[1]) if metric == "l2" else faiss.IndexFlatIP(base.shape[1])
    index.add(base)

    # Warm-up, then one query per call.
    for q in queries[: min(20, len(queries))]:
        index.search(q.reshape(1, -1), k)
    latencies = []
    n = min(singles, len(queries))
    t0 = time.perf_counter()
    for q in queries[:n]:
        s = time.perf_counter()
        index.search(q.reshape(1, -1), k)
        latencies.append(time.perf_counter() - s)
    single_seconds = time.perf_counter() - t0

    t0 = time.perf_counter()
    distances, ids = index.search(queries, k)
    batch_seconds = time.perf_counter() - t0

    latencies.sort()
    print(json.dumps({
        "peer": ("faiss IndexFlatL2 " if metric == "l2" else "faiss IndexFlatIP ") + faiss.__version__,
        "threads": threads,
        "single_queries": n,
        "single_qps": n / single_seconds,
        "single_p50_us": latencies[len(latencies) // 2] * 1e6,
        "single_p99_us": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1e6,
        "batch_queries": len(queries),
        "batch_qps": len(queries) / batch_seconds,
        "ids": ids.tolist(),
        "distances": (np.sqrt(np.maximum(distances, 0)) if metric == "l2" else -distances).tolist(),
    }))


if __name__ == "__main__":
    main()
