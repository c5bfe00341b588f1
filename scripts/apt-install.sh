# Sourced by the setup scripts (not run on its own).
# apt_install PURPOSE HINT PACKAGE...: installs Debian packages for PURPOSE as root with apt-get;
# otherwise says what PURPOSE needs (with HINT) and stops.
apt_install() {
  local purpose=$1 hint=$2
  shift 2
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing $* for $purpose"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  else
    echo "setup: $purpose needs $* ($hint)." >&2
    exit 1
  fi
}
