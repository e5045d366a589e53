/* SPDX-License-Identifier: MIT */
/* page.c -- the status page at /: the /status document as one HTML page a person reads, made
 * on the server (no script, no external asset: it works with no internet), refreshing itself
 * every 5 seconds. Every value is HTML-escaped: names and labels come from engines. */
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http/page.h"
#include "util/json_get.h"

static void esc(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '&':
			fputs("&amp;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		case '\'':
			fputs("&#39;", out);
			break;
		default:
			fputc(*s, out);
		}
	}
}

static size_t count(json_object *o, const char *key)
{
	json_object *v;
	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_array)
	           ? json_object_array_length(v)
	           : 0;
}

static json_object *item(json_object *o, const char *key, size_t i)
{
	json_object *v;
	json_object_object_get_ex(o, key, &v);
	return json_object_array_get_idx(v, i);
}

static void when(FILE *out, int64_t t)
{
	char buf[32];
	struct tm tm;
	time_t tt = (time_t)t;
	if (t > 0 && gmtime_r(&tt, &tm) && strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", &tm))
		fputs(buf, out);
	else
		fputs("-", out);
}

static void engines(FILE *out, json_object *st)
{
	fputs("<h2>Engines</h2>\n<table id=\"engines\"><tr><th>engine</th><th>state</th>"
	      "<th>since</th><th>containers</th><th>URL</th><th>last error</th></tr>\n",
	      out);
	for (size_t i = 0; i < count(st, "engines"); i++) {
		json_object *e = item(st, "engines", i);
		fputs("<tr class=\"", out);
		esc(out, json_get_str(e, "state"));
		fputs("\"><td>", out);
		esc(out, json_get_str(e, "name"));
		fputs("</td><td>", out);
		esc(out, json_get_str(e, "state"));
		json_object *d;
		if (json_object_object_get_ex(e, "drained", &d) && json_object_get_boolean(d))
			fputs(" (drained)", out);
		fputs("</td><td>", out);
		when(out, json_get_num(e, "since"));
		fprintf(out, "</td><td>%lld</td><td>", (long long)json_get_num(e, "containers"));
		esc(out, json_get_str(e, "url"));
		fputs("</td><td>", out);
		esc(out, json_get_str(e, "last_error"));
		fputs("</td></tr>\n", out);
	}
	fputs("</table>\n", out);
}

static void services(FILE *out, json_object *st)
{
	fputs("<h2>Services</h2>\n", out);
	for (size_t i = 0; i < count(st, "services"); i++) {
		json_object *s = item(st, "services", i);
		fputs("<h3 class=\"service\">", out);
		esc(out, json_get_str(s, "name"));
		fprintf(out, ": %lld of %lld replicas served</h3>\n",
		        (long long)json_get_num(s, "replicas_served"),
		        (long long)json_get_num(s, "replicas_known"));
		fputs(
		    "<table class=\"replicas\"><tr><th>replica</th><th>engine</th><th>address</th>"
		    "<th>health</th><th>served</th></tr>\n",
		    out);
		for (size_t k = 0; k < count(s, "replicas"); k++) {
			json_object *r = item(s, "replicas", k), *v;
			bool served = json_object_object_get_ex(r, "served", &v) &&
			              json_object_get_boolean(v);
			bool stale =
			    json_object_object_get_ex(r, "stale", &v) && json_object_get_boolean(v);
			fprintf(out, "<tr class=\"%s\"><td>",
			        !served ? "withheld"
			        : stale ? "served stale"
			                : "served");
			esc(out, json_get_str(r, "name"));
			fputs("</td><td>", out);
			esc(out, json_get_str(r, "engine"));
			fputs("</td><td>", out);
			esc(out, json_get_str(r, "ipv4") ? json_get_str(r, "ipv4")
			                                 : json_get_str(r, "ipv6"));
			fputs("</td><td>", out);
			esc(out, json_get_str(r, "health"));
			fputs("</td><td>", out);
			if (served) {
				/* kept by its engine's grace while its port answers (fleet.md) */
				fputs(stale ? "served (stale: engine down)" : "served", out);
			} else {
				fputs("withheld: ", out);
				esc(out, json_get_str(r, "reason"));
			}
			fputs("</td></tr>\n", out);
		}
		fputs("</table>\n", out);
	}
}

static void zones(FILE *out, json_object *st)
{
	fputs("<h2>Zones</h2>\n<table id=\"zones\"><tr><th>zone</th><th>serial</th><th>names"
	      "</th></tr>\n",
	      out);
	for (size_t i = 0; i < count(st, "zones"); i++) {
		json_object *z = item(st, "zones", i);
		fputs("<tr><td>", out);
		esc(out, json_get_str(z, "name"));
		fprintf(out, "</td><td>%lld</td><td>%lld</td></tr>\n",
		        (long long)json_get_num(z, "serial"), (long long)json_get_num(z, "names"));
	}
	fputs("</table>\n", out);
}

char *page_render(const char *status_json, size_t *len)
{
	json_object *st = json_tokener_parse(status_json), *p = NULL;
	char *body = NULL;
	FILE *out = open_memstream(&body, len);
	if (!out) {
		json_object_put(st);
		return NULL;
	}
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	      "<meta http-equiv=\"refresh\" content=\"5\">\n<title>fleetdns</title>\n"
	      "<style>body{font-family:sans-serif;margin:1em 2em}table{border-collapse:collapse;"
	      "margin-bottom:1em}td,th{border:1px solid #ccc;padding:.2em .6em;text-align:left}"
	      ".withheld,.down{background:#fdd}.served,.up{background:#dfd}</style>\n"
	      "</head><body>\n<h1>fleetdns</h1>\n",
	      out);
	if (st && json_object_object_get_ex(st, "process", &p)) {
		json_object *ready;
		fputs("<p id=\"process\">version ", out);
		esc(out, json_get_str(p, "version"));
		fputs(", started ", out);
		when(out, json_get_num(p, "started"));
		fputs(", configuration ", out);
		esc(out, json_get_str(p, "config") ? json_get_str(p, "config") : "(none)");
		fprintf(out, ", %s</p>\n",
		        json_object_object_get_ex(st, "ready", &ready) &&
		                json_object_get_boolean(ready)
		            ? "ready"
		            : "not ready yet");
		engines(out, st);
		services(out, st);
		zones(out, st);
	} else {
		fputs("<p>starting</p>\n", out);
	}
	fputs("</body></html>\n", out);
	json_object_put(st);
	if (fclose(out) != 0) {
		free(body);
		return NULL;
	}
	return body;
}
