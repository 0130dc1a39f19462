# Sourced by the launchers: finds a JDK 25 and the JVM flags every vexfs process needs.
# Order: $VEXFS_JAVA_HOME, $JAVA_HOME if it is 25+, the usual install places.
vexfs_find_jdk() {
    local candidates=("${VEXFS_JAVA_HOME:-}" "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/java-25-openjdk-amd64 /usr/lib/jvm/jdk-25*)
    local c v
    for c in "${candidates[@]}"; do
        [ -n "$c" ] && [ -x "$c/bin/java" ] || continue
        v=$("$c/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
        if [ -n "$v" ] && [ "${v%%.*}" -ge 25 ] 2>/dev/null; then
            echo "$c"; return 0
        fi
    done
    return 1
}

VEXFS_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if ! JAVA_HOME="$(vexfs_find_jdk)"; then
    echo "vexfs: no JDK 25 found. Install one (e.g. Temurin 25) and set VEXFS_JAVA_HOME to it." >&2
    exit 1
fi
export JAVA_HOME
VEXFS_JVM_FLAGS=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -XX:+UseG1GC)

# The ahead-of-time class cache the mount starts from (JDK 25 AOT cache: start-up and remount take
# about half the time). A training run, `vexfs warmup` (a node started and used in a scratch
# directory, nothing mounted), records it the first time after each build; it is made with the
# same JVM flags as the mount, so the JVM has nothing to refuse when it maps it. Prints the JVM
# flag that uses it, or nothing if it could not be made (the mount then starts without it).
vexfs_aot_flag() {
    local jar="$VEXFS_ROOT/fuse/target/vexfs.jar"
    local cache="$VEXFS_ROOT/fuse/target/vexfs.aot"
    (
        flock 9
        if [ ! -f "$cache" ] || [ "$jar" -nt "$cache" ]; then
            rm -f "$cache"
            # Training output (and the cache assembler's notes) go to a log beside the cache, not the mount's.
            if ! "$JAVA_HOME/bin/java" "${VEXFS_JVM_FLAGS[@]}" -XX:AOTCacheOutput="$cache" -Xlog:aot=off,cds=off \
                    -jar "$jar" warmup >"$cache.log" 2>&1 || [ ! -f "$cache" ]; then
                echo "vexfs: could not record the start-up cache (see $cache.log); starting without it" >&2
                rm -f "$cache"
            fi
        fi
    ) 9>"$cache.lock"
    if [ -f "$cache" ]; then echo "-XX:AOTCache=$cache"; fi
}
