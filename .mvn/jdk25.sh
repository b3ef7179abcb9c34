# Sourced (POSIX sh) by ./mvnw, ./gregor and .ci/run: makes JAVA_HOME point at a JDK 25 or newer.
# Keeps a JAVA_HOME (or a java on the PATH) that is already 25+; otherwise searches the usual
# install directories (/usr/lib/jvm first) and takes the newest JDK that is 25 or later.

gregor_java_major() { # $1 = a JDK home; prints its feature version, or nothing
  if [ -r "$1/release" ]; then
    sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release"
  elif [ -x "$1/bin/java" ]; then
    "$1/bin/java" -version 2>&1 | sed -n '1s/.*version "\([0-9]*\).*/\1/p'
  fi
}

gregor_find_jdk25() {
  if [ -n "${JAVA_HOME-}" ] && [ "$(gregor_java_major "$JAVA_HOME")" -ge 25 ] 2>/dev/null; then
    return 0
  fi
  if [ -z "${JAVA_HOME-}" ] && command -v java >/dev/null 2>&1; then
    gregor_home=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
    if [ "$(gregor_java_major "$gregor_home")" -ge 25 ] 2>/dev/null; then
      return 0
    fi
  fi
  gregor_best= gregor_best_major=0
  gregor_glob_was_off=$(case $- in *f*) echo yes ;; esac)
  set +f
  for gregor_dir in ${JAVA25_HOME-} /usr/lib/jvm/* /usr/java/* /opt/java/* /opt/jdk* \
    /Library/Java/JavaVirtualMachines/*/Contents/Home "$HOME"/.sdkman/candidates/java/* "$HOME"/.jdks/*; do
    [ -x "$gregor_dir/bin/javac" ] || continue
    gregor_major=$(gregor_java_major "$gregor_dir")
    if [ "${gregor_major:-0}" -ge 25 ] 2>/dev/null && [ "$gregor_major" -gt "$gregor_best_major" ]; then
      gregor_best=$gregor_dir gregor_best_major=$gregor_major
    fi
  done
  [ -z "$gregor_glob_was_off" ] || set -f
  if [ -n "$gregor_best" ]; then
    JAVA_HOME=$gregor_best
    export JAVA_HOME
  else
    echo "Gregor needs a JDK 25 or newer: install one (e.g. Temurin 25) or set JAVA_HOME to it." >&2
    return 1
  fi
}

gregor_find_jdk25
