package io.vexfs.core.text;

/** A file in a ranking, with its score in that ranking (higher is better). */
record Ranked(String path, float score) {
}
