/* SPDX-License-Identifier: MIT */
/* zone_slot.c -- see zone_slot.h. Under a mutex (compile time only, never per query), names
 * are found through a hash index: a config of thousands of zones compiles each in turn, and
 * a linear search over the slots made loading quadratic (test_conf_scale). */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "answer/zone_slot.h"
#include "fleetdns/query.h"
#include "fleetdns/server.h"
#include "wire/name.h"

_Static_assert(ZONE_SLOTS == SERVER_ZONE_SLOTS, "a counter row per slot");

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static uint8_t wire[ZONE_SLOTS][DNS_NAME_MAX];
static uint8_t wire_len[ZONE_SLOTS];
/* Written under the lock before the slot is handed out; read by the metrics renderer. */
static char text[ZONE_SLOTS][DNS_NAME_MAX * 4 + 1];
static uint16_t used = 2; /* NONE and OTHER are not names */
/* Open addressing over the assigned slots, at most half full; 0: free. */
#define INDEX_SIZE (2 * ZONE_SLOTS)
static uint16_t index_slots[INDEX_SIZE];

static size_t index_of(const uint8_t *name, size_t len)
{
	return wire_name_hash(name, len) % INDEX_SIZE;
}

/* Presentation format of a wire name: labels joined by dots, '.' and '\' escaped and
 * other bytes outside printable ASCII as \DDD (RFC 1035 5.1), so a label value can never
 * break the Prometheus text format. */
static void name_text(const uint8_t *name, size_t len, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < len && name[i] != 0; i += 1u + name[i]) {
		for (size_t j = 1; j <= name[i] && i + j < len; j++) {
			uint8_t c = name[i + j];
			if (c == '.' || c == '\\' || c == '"')
				o += (size_t)sprintf(out + o, "\\%c", c);
			else if (c < 0x21 || c > 0x7e)
				o += (size_t)sprintf(out + o, "\\%03u", c);
			else
				out[o++] = (char)c;
		}
		out[o++] = '.';
	}
	if (o == 0)
		out[o++] = '.';
	out[o] = '\0';
}

uint16_t zone_slot_of(const uint8_t *apex, size_t len)
{
	uint16_t slot = ZONE_SLOT_OTHER;

	if (len > DNS_NAME_MAX)
		return slot;
	pthread_mutex_lock(&lock);
	size_t i = index_of(apex, len);
	for (; index_slots[i]; i = (i + 1) % INDEX_SIZE) {
		uint16_t k = index_slots[i];
		if (wire_len[k] == len && memcmp(wire[k], apex, len) == 0) {
			slot = k;
			goto out;
		}
	}
	if (used < ZONE_SLOTS) {
		slot = used;
		memcpy(wire[slot], apex, len);
		wire_len[slot] = (uint8_t)len;
		name_text(apex, len, text[slot]);
		index_slots[i] = slot;
		__atomic_store_n(&used, (uint16_t)(used + 1), __ATOMIC_RELEASE);
	}
out:
	pthread_mutex_unlock(&lock);
	return slot;
}

const char *zone_slot_name(uint16_t slot)
{
	if (slot == ZONE_SLOT_OTHER)
		return "(other)";
	if (slot < 2 || slot >= __atomic_load_n(&used, __ATOMIC_ACQUIRE))
		return NULL;
	return text[slot];
}
