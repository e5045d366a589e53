/* SPDX-License-Identifier: MIT */
/* cmdline.c -- turns argv into a conf_cmdline_t with getopt_long; prints --help and --version. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleetdns/conf.h"
#include "fleetdns/error.h"

enum { OPT_LISTEN = 256, OPT_ZONE, OPT_ENGINE, OPT_CHECK_CONFIG };

static const struct option long_options[] = {
    {"config", required_argument, NULL, 'c'},
    {"listen", required_argument, NULL, OPT_LISTEN},
    {"zone", required_argument, NULL, OPT_ZONE},
    {"engine", required_argument, NULL, OPT_ENGINE},
    {"check-config", no_argument, NULL, OPT_CHECK_CONFIG},
    {"verbose", no_argument, NULL, 'v'},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

static void print_usage(FILE *out)
{
	fputs("Usage: fleetdns [OPTION]...\n"
	      "Authoritative DNS server for the service names of Docker fleets.\n"
	      "\n"
	      "  -c, --config FILE       read the configuration from FILE (YAML)\n"
	      "      --listen ADDR:PORT  answer on ADDR:PORT (UDP and TCP); repeatable;\n"
	      "                          replaces the config file's listen list\n"
	      "      --zone ORIGIN[=FILE]\n"
	      "                          serve zone ORIGIN, from master file FILE if given;\n"
	      "                          repeatable; replaces the config file's entry\n"
	      "      --engine NAME=URL   watch the Docker Engine at URL (unix:///PATH,\n"
	      "                          tcp://HOST:PORT, http:// or https://) as NAME;\n"
	      "                          repeatable; replaces the config file's entry\n"
	      "      --check-config      check the configuration and zones, then exit\n"
	      "  -v, --verbose           log more (repeatable)\n"
	      "  -q, --quiet             log less (repeatable)\n"
	      "  -h, --help              show this help and exit\n"
	      "  -V, --version           show the version and exit\n"
	      "\n"
	      "Without -c and --zone, fleetdns serves the zone " CONF_DEFAULT_ZONE
	      " on " CONF_DEFAULT_LISTEN ";\n"
	      "without -c and --engine, it watches " CONF_DEFAULT_ENGINE_URL
	      " if that socket exists.\n"
	      "See fleetdns(8) and fleetdns.conf(5).\n",
	      out);
}

static int strv_push(char ***v, size_t *n, const char *s)
{
	char **grown = realloc(*v, (*n + 1) * sizeof(*grown));
	if (!grown)
		return FDNS_ENOMEM;
	*v = grown;
	grown[*n] = strdup(s);
	if (!grown[*n])
		return FDNS_ENOMEM;
	(*n)++;
	return 0;
}

/* The option getopt_long just rejected, as the user typed it. */
static const char *bad_option(char **argv, char *buf, size_t len)
{
	const char *arg = argv[optind - 1];
	if (strncmp(arg, "--", 2) == 0 || optopt <= 0 || optopt > 255)
		return arg;
	snprintf(buf, len, "-%c", optopt);
	return buf;
}

static int handle_option(conf_cmdline_t *cl, int opt)
{
	switch (opt) {
	case 'c':
		free(cl->conf_path);
		cl->conf_path = strdup(optarg);
		return cl->conf_path ? 0 : FDNS_ENOMEM;
	case OPT_LISTEN:
		return strv_push(&cl->listen, &cl->nlisten, optarg);
	case OPT_ZONE:
		return strv_push(&cl->zones, &cl->nzones, optarg);
	case OPT_ENGINE:
		return strv_push(&cl->engines, &cl->nengines, optarg);
	case OPT_CHECK_CONFIG:
		cl->check_only = true;
		return 0;
	case 'v':
		cl->verbosity++;
		return 0;
	case 'q':
		cl->verbosity--;
		return 0;
	case 'h':
		print_usage(stdout);
		return 1;
	case 'V':
		printf("fleetdns %s\n", PACKAGE_VERSION);
		return 1;
	}
	return FDNS_EINVAL;
}

int conf_cmdline_parse(conf_cmdline_t *cl, int argc, char **argv, char *err, size_t errlen)
{
	memset(cl, 0, sizeof(*cl));
	if (err && errlen > 0)
		err[0] = '\0';
	/* 0, not 1: glibc, musl and the BSDs all fully reinitialise getopt on optind = 0, so
	 * parsing several argument vectors in one process (the unit tests) works. */
	optind = 0;
	opterr = 0;
	char optname[3];
	int opt, rc = 0;
	while (rc == 0 && (opt = getopt_long(argc, argv, ":c:vqhV", long_options, NULL)) != -1) {
		if (opt == '?') {
			snprintf(err, errlen, "invalid option '%s' (see --help)",
			         bad_option(argv, optname, sizeof(optname)));
			rc = FDNS_EINVAL;
		} else if (opt == ':') {
			snprintf(err, errlen, "option '%s' needs an argument",
			         bad_option(argv, optname, sizeof(optname)));
			rc = FDNS_EINVAL;
		} else {
			rc = handle_option(cl, opt);
		}
	}
	if (rc == 0 && optind < argc) {
		snprintf(err, errlen, "unexpected argument '%s' (see --help)", argv[optind]);
		rc = FDNS_EINVAL;
	}
	if (rc == FDNS_ENOMEM)
		snprintf(err, errlen, "%s", fdns_strerror(rc));
	if (rc != 0)
		conf_cmdline_free(cl);
	return rc;
}

void conf_cmdline_free(conf_cmdline_t *cl)
{
	if (!cl)
		return;
	for (size_t i = 0; i < cl->nlisten; i++)
		free(cl->listen[i]);
	for (size_t i = 0; i < cl->nzones; i++)
		free(cl->zones[i]);
	for (size_t i = 0; i < cl->nengines; i++)
		free(cl->engines[i]);
	free(cl->listen);
	free(cl->zones);
	free(cl->engines);
	free(cl->conf_path);
	memset(cl, 0, sizeof(*cl));
}
