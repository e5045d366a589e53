/* SPDX-License-Identifier: MIT */
/* metrics.c -- server counters as Prometheus text (exposition format 0.0.4). */
#include <inttypes.h>

#include "answer/zone_slot.h"
#include "http/metrics.h"

static const char *const rcode_names[16] = {
    "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",  "NOTIMP",  "REFUSED", "YXDOMAIN", "YXRRSET",
    "NXRRSET", "NOTAUTH", "NOTZONE",  "DSOTYPENI", "RCODE12", "RCODE13", "RCODE14",  "RCODE15"};
static const char *const rrl_class_names[5] = {"positive", "nodata", "nxdomain", "referral",
                                               "error"};

static const char *const xfr_result_names[XFR_RESULTS] = {
    "axfr", "ixfr", "ixfr_full", "up_to_date", "refused", "notauth", "error"};

void metrics_family(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void metrics_label(FILE *out, const char *value)
{
	for (const char *v = value; v && *v; v++) {
		if (*v == '\\' || *v == '"')
			fputc('\\', out);
		if (*v == '\n')
			fputs("\\n", out);
		else
			fputc(*v, out);
	}
}

/* Every zone that answered, by RCODE: NOERROR, NXDOMAIN and REFUSED always (so a rate can
 * be taken from the start), others once seen. Zone names are in presentation format, whose
 * escapes keep the label value free of quotes and newlines (zone_slot.c). */
static void zones_write(FILE *out, const server_stats_t *st)
{
	metrics_family(out, "fleetdns_zone_responses_total", "counter",
	               "DNS responses sent from each served zone, by RCODE.");
	for (uint16_t z = 1; z < SERVER_ZONE_SLOTS; z++) {
		const char *name = zone_slot_name(z);
		uint64_t any = 0;
		for (int i = 0; i < 16; i++)
			any |= st->zone_responses[z][i];
		if (!name || (z == ZONE_SLOT_OTHER && !any))
			continue;
		for (int i = 0; i < 16; i++)
			if (i == 0 || i == 3 || i == 5 || st->zone_responses[z][i])
				fprintf(out,
				        "fleetdns_zone_responses_total{zone=\"%s\",rcode=\"%s\"} "
				        "%" PRIu64 "\n",
				        name, rcode_names[i], st->zone_responses[z][i]);
	}
}

void metrics_write(FILE *out, const server_stats_t *st, time_t started)
{
	metrics_family(out, "fleetdns_queries_total", "counter",
	               "DNS messages received, by transport.");
	fprintf(out, "fleetdns_queries_total{transport=\"udp\"} %" PRIu64 "\n", st->queries_udp);
	fprintf(out, "fleetdns_queries_total{transport=\"tcp\"} %" PRIu64 "\n", st->queries_tcp);
	metrics_family(out, "fleetdns_responses_total", "counter", "DNS responses sent, by RCODE.");
	for (int i = 0; i < 16; i++)
		if (i <= 10 || st->responses[i])
			fprintf(out, "fleetdns_responses_total{rcode=\"%s\"} %" PRIu64 "\n",
			        rcode_names[i], st->responses[i]);
	metrics_family(
	    out, "fleetdns_unanswered_queries_total", "counter",
	    "Messages left without a response: responses, and messages too short to answer.");
	fprintf(out, "fleetdns_unanswered_queries_total %" PRIu64 "\n", st->no_response);
	metrics_family(out, "fleetdns_truncated_responses_total", "counter",
	               "UDP responses sent with TC set, rate limiting's slips included.");
	fprintf(out, "fleetdns_truncated_responses_total %" PRIu64 "\n", st->truncated);
	metrics_family(out, "fleetdns_tcp_connections_total", "counter",
	               "TCP connections accepted, or refused at once (per-client limit, no slot).");
	fprintf(out, "fleetdns_tcp_connections_total{result=\"accepted\"} %" PRIu64 "\n",
	        st->tcp_accepted);
	fprintf(out, "fleetdns_tcp_connections_total{result=\"refused\"} %" PRIu64 "\n",
	        st->tcp_refused);
	metrics_family(
	    out, "fleetdns_tcp_connections_closed_total", "counter",
	    "TCP connections closed by fleetdns: timeouts, and yielding to a new client.");
	fprintf(out, "fleetdns_tcp_connections_closed_total{reason=\"timeout\"} %" PRIu64 "\n",
	        st->tcp_timed_out);
	fprintf(out, "fleetdns_tcp_connections_closed_total{reason=\"evicted\"} %" PRIu64 "\n",
	        st->tcp_evicted);
	metrics_family(out, "fleetdns_tcp_connections_open", "gauge", "TCP connections open now.");
	fprintf(out, "fleetdns_tcp_connections_open %" PRIu64 "\n", st->tcp_open);
	metrics_family(out, "fleetdns_rate_limited_responses_total", "counter",
	               "UDP responses rate limiting dropped or sent truncated, by response class.");
	for (int i = 0; i < 5; i++) {
		fprintf(out,
		        "fleetdns_rate_limited_responses_total{class=\"%s\",action=\"dropped\"} "
		        "%" PRIu64 "\n",
		        rrl_class_names[i], st->rrl_dropped[i]);
		fprintf(out,
		        "fleetdns_rate_limited_responses_total{class=\"%s\",action=\"slipped\"} "
		        "%" PRIu64 "\n",
		        rrl_class_names[i], st->rrl_slipped[i]);
	}
	metrics_family(out, "fleetdns_cookie_verified_queries_total", "counter",
	               "Queries that brought back a valid server cookie (RFC 7873).");
	fprintf(out, "fleetdns_cookie_verified_queries_total %" PRIu64 "\n", st->cookies_valid);
	zones_write(out, st);
	metrics_family(out, "fleetdns_transfers_total", "counter",
	               "Zone transfer requests over TCP, by what they got.");
	for (int i = 0; i < XFR_RESULTS; i++)
		fprintf(out, "fleetdns_transfers_total{result=\"%s\"} %" PRIu64 "\n",
		        xfr_result_names[i], st->xfr[i]);
	metrics_family(out, "fleetdns_build_info", "gauge", "The fleetdns version, as a label.");
	fprintf(out, "fleetdns_build_info{version=\"%s\"} 1\n", PACKAGE_VERSION);
	metrics_family(out, "fleetdns_start_time_seconds", "gauge",
	               "When the process started, seconds since the Unix epoch.");
	fprintf(out, "fleetdns_start_time_seconds %lld\n", (long long)started);
}
