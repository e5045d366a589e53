/* SPDX-License-Identifier: MIT */
/* publish.c -- the fleet's publish step (see publish.h). */
#include <stdlib.h>

#include "fleetdns/error.h"
#include "publish/publish.h"

/* Each candidate measured from last (RFC 1982): one 2^31 or more ahead would not be
 * "greater" than last, and a secondary would never take it. */
uint32_t publish_serial_next(uint32_t last, uint32_t base, uint32_t now)
{
	uint32_t s = last + 1;
	if ((int32_t)(now - last) > (int32_t)(s - last))
		s = now;
	if ((int32_t)(base - last) > (int32_t)(s - last))
		s = base;
	return s;
}

/* A zone whole: its own data and everything the registry renders into it. */
static zone_data_t *render_whole(const publish_step_t *st, const zone_data_t *own, uint32_t serial)
{
	zone_data_t *z = zone_data_clone(own, serial);
	if (z && registry_render(st->reg, z, st->fleet_apex) < 0) {
		zone_data_free(z);
		return NULL;
	}
	return z;
}

/* The fleet zone's patch: the services that changed (all of them after a reset) as parts,
 * and its own data anew when the serial moves. */
static int fleet_patch(zone_patch_t *p, fleet_zone_t *fz, const publish_step_t *st,
                       const zone_data_t *own, uint32_t serial)
{
	p->reset = st->reset;
	if (st->raise || p->reset) {
		p->base = zone_data_clone(own, serial);
		if (!p->base)
			return FDNS_ENOMEM;
	}
	return fleet_zone_parts(fz, p, st->reg, own->apex, p->reset);
}

static void patches_free(zone_patch_t *patches, size_t n)
{
	for (size_t i = 0; patches && i < n; i++)
		zone_data_free(patches[i].base);
	free(patches);
}

int publish_next(snapshot_t **out, uint32_t *serials_out, bool *whole, fleet_zone_t *fz,
                 const publish_step_t *st)
{
	size_t n = st->nzones;
	zone_patch_t *patches = calloc(n ? n : 1, sizeof(*patches));
	int ret = patches ? FDNS_OK : FDNS_ENOMEM;
	*out = NULL;
	*whole = true; /* until the fleet zone is patched in parts */
	for (size_t i = 0; i < n && ret == FDNS_OK; i++) {
		const zone_data_t *own = st->zones[i].own;
		uint32_t last = st->serials[i];
		serials_out[i] =
		    st->raise || !last ? publish_serial_next(last, own->serial, st->now) : last;
		zone_patch_t *p = &patches[i];
		p->apex = own->apex;
		p->records = st->zones[i].transfers;
		bool fleet_zone = ldns_dname_compare(own->apex, st->fleet_apex) == 0;
		if (fleet_zone && !fz->whole) {
			*whole = false;
			ret = fleet_patch(p, fz, st, own, serials_out[i]);
			continue;
		}
		p->reset = true;
		p->base = render_whole(st, own, serials_out[i]);
		if (!p->base)
			ret = FDNS_ENOMEM;
	}
	if (ret == FDNS_OK)
		ret = snapshot_patch(out, st->prev, patches, n, st->opts);
	if (ret == FDNS_EEXIST)
		fz->whole = true;
	patches_free(patches, n);
	return ret;
}
