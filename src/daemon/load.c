/* SPDX-License-Identifier: MIT */
/* load.c -- reads the zones a configuration names and compiles them into a snapshot. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "daemon/load.h"
#include "fleetdns/error.h"
#include "fleetdns/zone.h"

static int load_one(zone_data_t **z, const conf_zone_t *cz, char *err, size_t errlen)
{
	if (cz->embedded)
		return zone_load_text(z, cz->name, zone_default_text, "(built-in " CONF_DEFAULT_ZONE
			" zone)", err, errlen);
	if (cz->file)
		return zone_load_file(z, cz->name, cz->file, err, errlen);
	return zone_make_empty(z, cz->name, (uint32_t)time(NULL), err, errlen);
}

int daemon_load(snapshot_t **out, const conf_t *conf, char *err, size_t errlen)
{
	*out = NULL;
	zone_data_t **zones = calloc(conf->nzones ? conf->nzones : 1, sizeof(*zones));
	if (!zones)
		return FDNS_ENOMEM;
	int ret = FDNS_OK;
	for (size_t i = 0; i < conf->nzones && ret == FDNS_OK; i++)
		ret = load_one(&zones[i], &conf->zones[i], err, errlen);
	if (ret == FDNS_OK) {
		answer_opts_t opts = {.udp_size = (uint16_t)conf->udp_size};
		ret = snapshot_build(out, zones, conf->nzones, &opts);
		if (ret < 0)
			snprintf(err, errlen, "compiling zones: %s", fdns_strerror(ret));
	}
	for (size_t i = 0; i < conf->nzones; i++)
		zone_data_free(zones[i]);
	free(zones);
	return ret;
}
