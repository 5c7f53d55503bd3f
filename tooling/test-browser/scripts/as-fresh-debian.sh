#!/usr/bin/env bash
# Runs a command as if on a fresh Debian (node:20-bookworm-slim) without a system browser: in a
# private mount namespace, /usr/lib/x86_64-linux-gnu is replaced by the shared libraries of
# Debian's required packages (found with ldd over their ELF files, plus those node links against)
# and /usr/bin/chromium is hidden. Needs root, unshare and a Debian host with merged /usr.
# Example: tooling/test-browser/scripts/as-fresh-debian.sh pnpm --filter @metagen/cli test
set -euo pipefail
lib=/usr/lib/x86_64-linux-gnu
keep=$(mktemp -d /tmp/fresh-debian-lib.XXXXXX)
packages=$(dpkg-query -W -f='${Package} ${Essential} ${Priority}\n' | awk '$2 == "yes" || $3 == "required" { print $1 }')
elf_files=$(for package in $packages; do dpkg -L "$package"; done 2>/dev/null | grep -E "/s?bin/|\.so" | while read -r file; do
  if [ -f "$file" ] && [ ! -L "$file" ] && head -c 4 "$file" 2>/dev/null | grep -q ELF; then echo "$file"; fi
done)
libraries=$( (echo "$elf_files"; command -v node) | xargs ldd 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' | sort -u)
for library in $libraries "$lib"/ld-linux-x86-64.so.2 "$lib"/libnss_files.so.2 "$lib"/libnss_dns.so.2 "$lib"/libresolv.so.2; do
  [ -e "$library" ] && cp -L "$library" "$keep/" 2>/dev/null || true
done
echo "as-fresh-debian: $(ls "$keep" | wc -l) shared libraries kept in $lib; /usr/bin/chromium hidden" >&2
hide_browser=true
[ -e /usr/bin/chromium ] && hide_browser="mount --bind /dev/null /usr/bin/chromium"
exec unshare -m bash -c "$hide_browser && mount --bind $keep $lib && exec \"\$@\"" bash "$@"
