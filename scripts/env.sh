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
