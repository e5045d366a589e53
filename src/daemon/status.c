/* SPDX-License-Identifier: MIT */
/* status.c -- the /status document (see status.h). */
#include "daemon/status.h"

static void put_str(json_object *o, const char *key, const char *value)
{
	json_object_object_add(o, key, value ? json_object_new_string(value) : NULL);
}

json_object *status_new(const conf_t *conf, time_t started, bool ready)
{
	json_object *st = json_object_new_object(), *p = json_object_new_object();
	if (!st || !p) {
		json_object_put(st);
		json_object_put(p);
		return NULL;
	}
	put_str(p, "version", PACKAGE_VERSION);
	json_object_object_add(p, "started", json_object_new_int64((int64_t)started));
	put_str(p, "config", conf->path);
	json_object_object_add(st, "process", p);
	json_object_object_add(st, "ready", json_object_new_boolean(ready));
	json_object_object_add(st, "engines", json_object_new_array());
	return st;
}

void status_engine_add(json_object *st, const conf_engine_t *ce, const engine_t *e,
                       bool drained)
{
	json_object *list, *o = json_object_new_object();
	if (!o || !json_object_object_get_ex(st, "engines", &list)) {
		json_object_put(o);
		return;
	}
	engine_info_t info = {0};
	if (e)
		engine_info(e, &info);
	put_str(o, "name", ce->name);
	put_str(o, "url", ce->url);
	put_str(o, "state", !e ? "stopped" : info.up ? "up" : info.since ? "down" : "starting");
	json_object_object_add(o, "since", json_object_new_int64((int64_t)info.since));
	json_object_object_add(o, "containers", json_object_new_int64((int64_t)info.containers));
	put_str(o, "last_error", info.last_error && info.last_error[0] ? info.last_error : NULL);
	json_object_object_add(o, "drained", json_object_new_boolean(drained));
	json_object_array_add(list, o);
}

void status_services_set(json_object *st, const registry_t *reg)
{
	json_object_object_add(st, "services", reg ? registry_status(reg) : json_object_new_array());
}

static json_object *addresses(const conf_acl_t *acl, size_t n)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; a && i < n; i++)
		json_object_array_add(a, json_object_new_string(acl[i].text ? acl[i].text : "?"));
	return a;
}

static json_object *targets(const conf_notify_t *to, size_t n)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; a && i < n; i++)
		json_object_array_add(a, json_object_new_string(to[i].text ? to[i].text : "?"));
	return a;
}

void status_zones_set(json_object *st, const conf_t *conf, const snapshot_t *snap)
{
	json_object *list = json_object_new_array();
	for (size_t i = 0; list && i < conf->nzones; i++) {
		const conf_zone_t *cz = &conf->zones[i];
		json_object *o = json_object_new_object();
		uint32_t serial = 0;
		size_t names = 0;
		if (!o)
			break;
		bool served = snap && snapshot_zone_info(snap, cz->name, &serial, &names) == 0;
		put_str(o, "name", cz->name);
		json_object_object_add(o, "serial", served ? json_object_new_int64(serial) : NULL);
		json_object_object_add(o, "names", json_object_new_int64((int64_t)names));
		put_str(o, "file", cz->file);
		json_object_object_add(o, "allow_transfer",
		                       addresses(cz->allow_transfer, cz->nallow_transfer));
		json_object_object_add(o, "notify", targets(cz->notify, cz->nnotify));
		json_object_array_add(list, o);
	}
	json_object_object_add(st, "zones", list);
}
