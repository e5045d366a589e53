/* Generated from zones/fleet.internal.zone; do not edit. */
const char zone_default_text[] =
"; fleet.internal -- the zone fleetdns serves when started with no configuration.\n"
"; Docker services are added to it at run time; these static names show that it works:\n"
";   dig @127.0.0.1 -p 5353 fleet.internal SOA\n"
";   dig @127.0.0.1 -p 5353 www.fleet.internal A\n"
"$ORIGIN fleet.internal.\n"
"$TTL 60\n"
"@       IN SOA  ns.fleet.internal. hostmaster.fleet.internal. 1 60 10 3600 5\n"
"@       IN NS   ns.fleet.internal.\n"
"ns      IN A    127.0.0.1\n"
"        IN AAAA ::1\n"
"www     IN A    127.0.0.1\n"
"        IN AAAA ::1\n"
"info    IN TXT  \"fleetdns: service names for Docker fleets\"\n"
;
