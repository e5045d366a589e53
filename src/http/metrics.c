/* SPDX-License-Identifier: MIT */
/* metrics.c -- server counters as Prometheus text (exposition format 0.0.4). */
#include <inttypes.h>

#include "http/metrics.h"

static const char *const rcode_names[16] = {
    "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",  "NOTIMP",  "REFUSED", "YXDOMAIN", "YXRRSET",
    "NXRRSET", "NOTAUTH", "NOTZONE",  "DSOTYPENI", "RCODE12", "RCODE13", "RCODE14",  "RCODE15"};
static const char *const rrl_class_names[5] = {"positive", "nodata", "nxdomain", "referral",
                                               "error"};

static void family(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void metrics_write(FILE *out, const server_stats_t *st, time_t started)
{
	family(out, "fleetdns_queries_total", "counter", "DNS messages received, by transport.");
	fprintf(out, "fleetdns_queries_total{transport=\"udp\"} %" PRIu64 "\n", st->queries_udp);
	fprintf(out, "fleetdns_queries_total{transport=\"tcp\"} %" PRIu64 "\n", st->queries_tcp);
	family(out, "fleetdns_responses_total", "counter", "DNS responses sent, by RCODE.");
	for (int i = 0; i < 16; i++)
		if (i <= 10 || st->responses[i])
			fprintf(out, "fleetdns_responses_total{rcode=\"%s\"} %" PRIu64 "\n",
			        rcode_names[i], st->responses[i]);
	family(out, "fleetdns_unanswered_queries_total", "counter",
	       "Messages left without a response: responses, and messages too short to answer.");
	fprintf(out, "fleetdns_unanswered_queries_total %" PRIu64 "\n", st->no_response);
	family(out, "fleetdns_truncated_responses_total", "counter",
	       "UDP responses sent with TC set, rate limiting's slips included.");
	fprintf(out, "fleetdns_truncated_responses_total %" PRIu64 "\n", st->truncated);
	family(out, "fleetdns_tcp_connections_total", "counter",
	       "TCP connections accepted, or refused at once (per-client limit, no slot).");
	fprintf(out, "fleetdns_tcp_connections_total{result=\"accepted\"} %" PRIu64 "\n",
	        st->tcp_accepted);
	fprintf(out, "fleetdns_tcp_connections_total{result=\"refused\"} %" PRIu64 "\n",
	        st->tcp_refused);
	family(out, "fleetdns_tcp_connections_closed_total", "counter",
	       "TCP connections closed by fleetdns: timeouts, and yielding to a new client.");
	fprintf(out, "fleetdns_tcp_connections_closed_total{reason=\"timeout\"} %" PRIu64 "\n",
	        st->tcp_timed_out);
	fprintf(out, "fleetdns_tcp_connections_closed_total{reason=\"evicted\"} %" PRIu64 "\n",
	        st->tcp_evicted);
	family(out, "fleetdns_tcp_connections_open", "gauge", "TCP connections open now.");
	fprintf(out, "fleetdns_tcp_connections_open %" PRIu64 "\n", st->tcp_open);
	family(out, "fleetdns_rate_limited_responses_total", "counter",
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
	family(out, "fleetdns_cookie_verified_queries_total", "counter",
	       "Queries that brought back a valid server cookie (RFC 7873).");
	fprintf(out, "fleetdns_cookie_verified_queries_total %" PRIu64 "\n", st->cookies_valid);
	family(out, "fleetdns_build_info", "gauge", "The fleetdns version, as a label.");
	fprintf(out, "fleetdns_build_info{version=\"%s\"} 1\n", PACKAGE_VERSION);
	family(out, "fleetdns_start_time_seconds", "gauge",
	       "When the process started, seconds since the Unix epoch.");
	fprintf(out, "fleetdns_start_time_seconds %lld\n", (long long)started);
}
