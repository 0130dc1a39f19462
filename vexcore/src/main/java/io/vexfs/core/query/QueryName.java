package io.vexfs.core.query;

import io.vexfs.core.fs.Collection;

/** A name under one collection's .search/; the collection by identity (Collection has no equals). */
record QueryName(Collection collection, String name) {
}
