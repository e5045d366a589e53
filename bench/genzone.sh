#!/bin/sh
# genzone.sh NAMES RECORDS DIR -- the benchmark's zone and queries: DIR/svc.test.zone with
# NAMES names s0..s(NAMES-1), each with RECORDS A records in 198.18.0.0/15, and
# DIR/queries.txt, 100,000 dnsperf queries for random names (seeded: the same every run),
# every tenth for a name that does not exist (nxK).
# SPDX-License-Identifier: MIT
set -eu
names=$1 records=$2 dir=$3
mkdir -p "$dir"
awk -v names="$names" -v records="$records" 'BEGIN {
	printf "$ORIGIN svc.test.\n$TTL 30\n"
	printf "@ SOA ns1 hostmaster 1 3600 600 86400 30\n@ NS ns1\nns1 A 127.0.0.1\n"
	for (i = 0; i < names; i++)
		for (k = 1; k <= records; k++)
			printf "s%d A 198.18.%d.%d\n", i, int(i / 250) % 256, i % 250 + k
}' >"$dir/svc.test.zone"
awk -v names="$names" 'BEGIN {
	srand(7)
	for (q = 0; q < 100000; q++)
		if (q % 10 == 9)
			printf "nx%d.svc.test. A\n", q
		else
			printf "s%d.svc.test. A\n", int(rand() * names)
}' >"$dir/queries.txt"
