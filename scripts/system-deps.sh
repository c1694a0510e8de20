#!/usr/bin/env bash
# Install the system packages the test suite needs (PostgreSQL, Chromium,
# poppler-utils, Postfix, Dovecot, SpamAssassin, Redis), only when missing.
set -euo pipefail

missing=()
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
[ -n "$pg_bin" ] && [ -x "$pg_bin/initdb" ] || missing+=(postgresql)
# Debian's Chromium for the browser tests (Playwright drives it; it never
# downloads a browser of its own).
[ -x /usr/bin/chromium ] || missing+=(chromium)
# pdftoppm renders the generated letters to PNG for people to look at.
command -v pdftoppm >/dev/null || missing+=(poppler-utils)
# openssl makes the certificate of the SMTP TLS tests and the DKIM test key.
command -v openssl >/dev/null || missing+=(openssl)
# Postfix receives the reminders in the mail tests (each test run starts its own
# instance on loopback; the system one is left unconfigured and never started).
[ -x /usr/sbin/postfix ] && [ -x /usr/lib/postfix/sbin/virtual ] || missing+=(postfix)
# Dovecot serves the customers' replies over IMAP in the inbox tests.
[ -x /usr/sbin/dovecot ] && [ -e /usr/lib/dovecot/imap ] || missing+=(dovecot-imapd)
# SpamAssassin scores every default message in the deliverability test.
perl -MMail::SpamAssassin -e1 2>/dev/null || missing+=(spamassassin)
# Redis carries the worker's jobs between machines in the multi-worker tests
# (each test starts its own server on loopback; the system one is not used).
command -v redis-server >/dev/null || missing+=(redis-server)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing system packages: ${missing[*]}. Install them (e.g. sudo apt-get install ${missing[*]}) and re-run." >&2
  exit 1
fi
echo "Installing system packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
if command -v debconf-set-selections >/dev/null; then
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
