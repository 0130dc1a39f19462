package io.vexfs.ctl;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** What this machine has: /proc/meminfo, /proc/loadavg, cores, disks and the vm sysctls vexfs cares about. */
final class SystemInfo {
    private SystemInfo() {
    }

    /** /proc/meminfo in bytes, by field name ("MemTotal", "MemAvailable", ...). */
    static Map<String, Long> meminfo() throws IOException {
        Map<String, Long> fields = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
            String[] f = line.split("[:\\s]+");
            if (f.length >= 2) {
                long value = Long.parseLong(f[1]);
                fields.put(f[0], f.length >= 3 && f[2].equals("kB") ? value * 1024 : value);
            }
        }
        return fields;
    }

    /** The 1, 5 and 15 minute load averages, and "running/total" tasks. */
    record LoadAverage(double one, double five, double fifteen, String tasks) {
    }

    static LoadAverage loadavg() throws IOException {
        String[] f = Files.readString(Path.of("/proc/loadavg")).strip().split("\\s+");
        return new LoadAverage(Double.parseDouble(f[0]), Double.parseDouble(f[1]), Double.parseDouble(f[2]), f[3]);
    }

    static int cores() {
        return Runtime.getRuntime().availableProcessors();
    }

    /** Space of the file system holding {@code path} (or its nearest existing parent). */
    record Disk(Path path, String store, String type, long total, long usable) {
        double freeFraction() {
            return total == 0 ? 0 : (double) usable / total;
        }
    }

    static Disk disk(Path path) throws IOException {
        Path p = existing(path);
        FileStore fs = Files.getFileStore(p);
        return new Disk(p, fs.name(), fs.type(), fs.getTotalSpace(), fs.getUsableSpace());
    }

    static Path existing(Path path) {
        Path p = path.toAbsolutePath();
        while (p != null && !Files.exists(p)) {
            p = p.getParent();
        }
        return p == null ? Path.of("/") : p;
    }

    /** A kernel setting: its file under /proc/sys or /sys, and its value now. */
    record KernelSetting(String name, Path file, long value) {
    }

    static Optional<KernelSetting> sysctl(String name) throws IOException {
        Path file = Path.of("/proc/sys").resolve(name.replace('.', '/'));
        if (!Files.isReadable(file)) {
            return Optional.empty();
        }
        return Optional.of(new KernelSetting(name, file, Long.parseLong(Files.readString(file).strip())));
    }

    /**
     * The read-ahead of the block device under {@code path}, found through the device number
     * (/sys/dev/block/MAJ:MIN; a partition's queue is its disk's). Empty on overlay, tmpfs and
     * other file systems without a block device.
     */
    static Optional<KernelSetting> readAhead(Path path) throws IOException {
        long dev = ((Number) Files.getAttribute(existing(path), "unix:dev")).longValue();
        long major = ((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL);
        long minor = (dev & 0xff) | ((dev >>> 12) & ~0xffL);
        Path sys = Path.of("/sys/dev/block/" + major + ":" + minor);
        if (!Files.exists(sys)) {
            return Optional.empty();
        }
        Path device = sys.toRealPath();
        Path queue = device.resolve("queue/read_ahead_kb");
        if (!Files.exists(queue)) {
            queue = device.getParent().resolve("queue/read_ahead_kb");
        }
        if (!Files.isReadable(queue)) {
            return Optional.empty();
        }
        String name = "read_ahead_kb (" + device.getFileName() + ")";
        return Optional.of(new KernelSetting(name, queue, Long.parseLong(Files.readString(queue).strip())));
    }
}
