/* SPDX-License-Identifier: MIT */
/* notify.h -- telling the service manager how fleetdns is doing: sd_notify(3) messages
 * for a systemd unit of Type=notify (packaging/systemd/fleetdns.service).
 *
 * Without NOTIFY_SOCKET in the environment every call does nothing. Each message is one
 * datagram holding a state and a STATUS= line (what `systemctl status` shows); the status
 * text is a printf format, and control characters in it are replaced, so that no value
 * (an error message quoting a file) can add a line, and with it a field, of its own.
 * Failures to send are logged. Control thread only.
 */
#ifndef FDNS_DAEMON_NOTIFY_H
#define FDNS_DAEMON_NOTIFY_H

/** STATUS= alone (no change of state). */
void notify_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/** READY=1: fleetdns answers queries (at start: from the first published data; after a
 * reload: the reload is over, whether it succeeded or not). */
void notify_ready(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/** RELOADING=1 with MONOTONIC_USEC= (the time of the reload on CLOCK_MONOTONIC, which
 * systemd 253's Type=notify-reload requires; older versions ignore it). */
void notify_reloading(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/** STOPPING=1. */
void notify_stopping(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
