#!/usr/bin/env bash
# System packages the counter needs on Debian/Ubuntu: Pango for WeasyPrint, libharfbuzz-subset0
# (without it every CJK PDF takes seconds), the Noto CJK fonts for printing, fontconfig (fc-match: the
# glyph guard finds the fonts' files), python3-venv.
# As root: installs what is missing with apt. Otherwise: prints the exact apt command.
# Extra packages can be asked for as arguments (make test adds the tools its tests use).
# `--optional PKG...`: only those packages; as root they are installed, otherwise the apt command is
# printed and nothing fails (make test: Debian's chromium for the browser journeys, which skip without it).
set -euo pipefail
optional=0
if [ "${1:-}" = "--optional" ]; then
  optional=1
  shift
  wanted=("$@")
else
  wanted=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk fontconfig "$@")
fi
missing=()
for pkg in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ $optional -eq 0 ] && ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
  missing+=(python3-venv)
fi
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null; then
  echo "Missing system packages: ${missing[*]} (install them with your package manager)" >&2
  exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
  echo "Installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if [ $optional -eq 1 ]; then  # an optional package that cannot be installed: its tests skip
    { apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null; } \
      || echo "Could not install ${missing[*]}: the tests that need them are skipped." >&2
  else
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
elif [ $optional -eq 1 ]; then
  echo "Optional system packages missing (the tests that need them are skipped). To run them:" >&2
  echo "  sudo apt-get install -y ${missing[*]}" >&2
else
  echo "Missing system packages. Please run:" >&2
  echo "  sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
