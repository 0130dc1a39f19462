#!/usr/bin/python3
"""Converts Debian's dataset-fashion-mnist (IDX, gzip) into .fvecs: 60k x 784 base, 10k x 784 queries.

usage: fashion_mnist.py OUT_DIR   (writes OUT_DIR/fmnist-base.fvecs and OUT_DIR/fmnist-queries.fvecs)
Pixels become float32 in [0, 255], unscaled.
"""
import gzip
import os
import sys

import numpy as np

SOURCE = "/usr/share/datasets/fashion-mnist"


def read_idx_images(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, count, rows, cols = np.frombuffer(data[:16], dtype=">i4")
    if magic != 2051:
        raise SystemExit(f"{path}: not an IDX image file (magic {magic})")
    return np.frombuffer(data[16:], dtype=np.uint8).reshape(count, rows * cols).astype(np.float32)


def write_fvecs(path, vectors):
    n, dim = vectors.shape
    out = np.empty((n, dim + 1), dtype=np.float32)
    out[:, 0] = np.array([dim], dtype=np.int32).view(np.float32)[0]
    out[:, 1:] = vectors
    out.tofile(path)


def main():
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    write_fvecs(os.path.join(out_dir, "fmnist-base.fvecs"), read_idx_images(os.path.join(SOURCE, "train-images-idx3-ubyte.gz")))
    write_fvecs(os.path.join(out_dir, "fmnist-queries.fvecs"), read_idx_images(os.path.join(SOURCE, "t10k-images-idx3-ubyte.gz")))


if __name__ == "__main__":
    main()
