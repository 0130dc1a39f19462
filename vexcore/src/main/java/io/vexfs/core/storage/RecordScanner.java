package io.vexfs.core.storage;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.zip.CRC32C;

/** Walks the records of one mapped file, verifying each before handing it to the visitor. */
final class RecordScanner {
    /**
     * How far a file was good.
     *
     * @param validEnd offset just past the last good record, end marker excluded
     * @param fileSize the file's size when scanned
     * @param records  good records passed to the visitor
     * @param bytes    their framed size
     * @param failure  why the scan stopped before the end of the file, or null
     */
    record Scan(long validEnd, long fileSize, long records, long bytes, String failure) {
        boolean failed() {
            return failure != null;
        }

        long droppedBytes() {
            return fileSize - validEnd;
        }
    }

    private RecordScanner() {
    }

    /**
     * Scans records from just after the file header. A checkpoint must end with its end marker
     * exactly at the end of the file; a segment may end anywhere a record ends.
     */
    static Scan scan(MemorySegment file, boolean checkpoint, RecordVisitor visitor) throws IOException {
        CRC32C crc = new CRC32C();
        long size = file.byteSize();
        long position = LogFormat.FILE_HEADER_BYTES;
        long records = 0;
        long bytes = 0;
        while (position < size) {
            if (size - position < LogFormat.RECORD_HEADER_BYTES) {
                return new Scan(position, size, records, bytes, "incomplete record header");
            }
            long length = Integer.toUnsignedLong(file.get(LogFormat.INT_LE, position));
            int storedCrc = file.get(LogFormat.INT_LE, position + 4);
            int type = Byte.toUnsignedInt(file.get(ValueLayout.JAVA_BYTE, position + 8));
            long bodyStart = position + LogFormat.RECORD_HEADER_BYTES;
            if (length > size - bodyStart) {
                return new Scan(position, size, records, bytes, "record length " + length + " runs past the end of the file");
            }
            if (type == LogFormat.END_MARKER_TYPE && !checkpoint) {
                return new Scan(position, size, records, bytes, "invalid record type 0");
            }
            MemorySegment body = file.asSlice(bodyStart, length);
            crc.reset();
            crc.update(type);
            crc.update(body.asByteBuffer());
            if ((int) crc.getValue() != storedCrc) {
                return new Scan(position, size, records, bytes, "bad checksum");
            }
            long next = bodyStart + length;
            if (type == LogFormat.END_MARKER_TYPE) {
                return endMarker(body, next, size, records, bytes, position);
            }
            visitor.visit(type, body.asReadOnly());
            records++;
            bytes += next - position;
            position = next;
        }
        return new Scan(position, size, records, bytes, checkpoint ? "no end marker" : null);
    }

    private static Scan endMarker(MemorySegment body, long next, long size, long records, long bytes, long position) {
        if (body.byteSize() != LogFormat.END_MARKER_BODY_BYTES
                || body.get(LogFormat.LONG_LE, 0) != records || body.get(LogFormat.LONG_LE, 8) != bytes) {
            return new Scan(position, size, records, bytes, "end marker does not match the records before it");
        }
        if (next != size) {
            return new Scan(position, size, records, bytes, (size - next) + " bytes after the end marker");
        }
        return new Scan(next, size, records, bytes, null);
    }
}
