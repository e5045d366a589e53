/* SPDX-License-Identifier: MIT */
/* json_get.h -- reading fields of a json-c object that may be missing or null, for the
 * programs that read the /status document (the status page, fleetdnsctl). */
#ifndef FDNS_UTIL_JSON_GET_H
#define FDNS_UTIL_JSON_GET_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

/** The string at key, NULL when missing or null (owned by o). */
static inline const char *json_get_str(json_object *o, const char *key)
{
	json_object *v;
	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
		return NULL;
	return json_object_get_string(v);
}

/** The number at key, 0 when missing. */
static inline int64_t json_get_num(json_object *o, const char *key)
{
	json_object *v;
	return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : 0;
}

/** The array at key, NULL when missing or not an array. */
static inline json_object *json_get_array(json_object *o, const char *key)
{
	json_object *v;
	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_array)
	           ? v
	           : NULL;
}

#endif
