# lookup.sh -- functional tests: "Lookup (RFC 1034 4.3.2)" of docs/conformance.md, asked with
# dig: NXDOMAIN vs NODATA, negative TTLs, CNAME, wildcards, delegations, DS, unknown types,
# ANY, RRset TTLs, parent and child zones served together, case-insensitive lookups.
# SPDX-License-Identifier: MIT
. "$TOP_SRCDIR/tests/lib/tap.sh"
. "$TOP_SRCDIR/tests/lib/server.sh"

Z=$TOP_SRCDIR/tests/func/zones
[ -x "$FLEETDNS" ] || bail "FLEETDNS ($FLEETDNS) is not executable"
command -v dig >/dev/null || bail "dig not installed"
start_fleetdns example.test --zone "example.test=$Z/example.test.zone" \
    --zone "child.example.test=$Z/child.example.test.zone"

# ask NAME TYPE [DIG OPTIONS]: one query over UDP with EDNS; dig's output is kept in $R.
ask() {
    R=$(dig @127.0.0.1 -p "$PORT" +norec +time=2 +tries=1 "$@" 2>&1)
}

# summary: "STATUS flags answer/authority/additional" of the last reply.
summary() {
    local st fl ct
    st=$(printf '%s\n' "$R" | sed -n 's/.*status: \([A-Z]*\),.*/\1/p')
    fl=$(printf '%s\n' "$R" | sed -n 's/^;; flags: \([a-z ]*\);.*/\1/p')
    ct=$(printf '%s\n' "$R" | sed -n 's/.*ANSWER: \([0-9]*\), AUTHORITY: \([0-9]*\), ADDITIONAL: \([0-9]*\)$/\1\/\2\/\3/p')
    if [ -z "$st" ]; then
        echo "no reply: $(printf '%s' "$R" | tail -n 1)"
    else
        echo "$st $fl $ct"
    fi
}

# section NAME: the records of ANSWER, AUTHORITY or ADDITIONAL, one per line, sorted.
section() {
    printf '%s\n' "$R" | awk -v s=";; $1 SECTION:" '
        $0 == s { on = 1; next }
        on && /^$/ { exit }
        on { $1 = $1; print }' | LC_ALL=C sort
}

# lines L1 L2...: the expected lines, sorted the same way.
lines() {
    printf '%s\n' "$@" | LC_ALL=C sort
}

SOA_P='example.test. 300 IN SOA ns1.example.test. hostmaster.example.test. 2024010101 3600 900 604800 300'
SOA_C='child.example.test. 60 IN SOA ns1.child.example.test. hostmaster.child.example.test. 7 3600 900 604800 600'

# --- positive, NODATA, NXDOMAIN, negative TTL (RFC 2308 3) ---------------------------------------
ask www.example.test A
is "$(summary)" "NOERROR qr aa 1/0/1" "www A: NOERROR, AA, one answer"
is "$(section ANSWER)" "www.example.test. 3600 IN A 192.0.2.80" "www A: the A record"

ask www.example.test AAAA
is "$(summary)" "NOERROR qr aa 0/1/1" "www AAAA (name has only A): NODATA, not NXDOMAIN"
is "$(section AUTHORITY)" "$SOA_P" "www AAAA: SOA in authority, TTL min(7200, MINIMUM 300) = 300"

ask nx.example.test A
is "$(summary)" "NXDOMAIN qr aa 0/1/1" "nx A: NXDOMAIN, AA"
is "$(section AUTHORITY)" "$SOA_P" "nx A: SOA in authority with TTL 300"

ask nx.child.example.test TXT
is "$(summary)" "NXDOMAIN qr aa 0/1/1" "nx.child TXT: NXDOMAIN from the child zone"
is "$(section AUTHORITY)" "$SOA_C" "nx.child: child SOA, TTL min(SOA TTL 60, MINIMUM 600) = 60"

ask www.child.example.test MX
is "$(summary)  $(section AUTHORITY)" "NOERROR qr aa 0/1/1  $SOA_C" "www.child MX: NODATA, child SOA TTL 60"

# --- empty non-terminals (RFC 8020) ----------------------------------------------------------
for n in ent.example.test b.ent.example.test; do
    ask "$n" A
    is "$(summary)  $(section AUTHORITY)" "NOERROR qr aa 0/1/1  $SOA_P" "$n A (empty non-terminal): NODATA with SOA"
done
ask a.b.ent.example.test A
is "$(section ANSWER)" "a.b.ent.example.test. 3600 IN A 192.0.2.40" "a.b.ent A: the record below the ENTs"
ask nx.b.ent.example.test A
is "$(summary)" "NXDOMAIN qr aa 0/1/1" "nx.b.ent A: NXDOMAIN below an ENT"

# --- CNAME (RFC 1034 3.6.2, 4.3.2) ------------------------------------------------------------
ask alias.example.test A
is "$(summary)" "NOERROR qr aa 2/0/1" "alias A: CNAME followed in zone"
is "$(section ANSWER)" "$(lines 'alias.example.test. 3600 IN CNAME www.example.test.' \
    'www.example.test. 3600 IN A 192.0.2.80')" "alias A: the CNAME then the target's A"

ask alias.example.test CNAME
is "$(summary)  $(section ANSWER)" "NOERROR qr aa 1/0/1  alias.example.test. 3600 IN CNAME www.example.test." \
    "alias CNAME: just the CNAME"

ask alias.example.test AAAA
is "$(summary)" "NOERROR qr aa 1/1/1" "alias AAAA: CNAME, then NODATA at the target"
is "$(section ANSWER)  $(section AUTHORITY)" "alias.example.test. 3600 IN CNAME www.example.test.  $SOA_P" \
    "alias AAAA: CNAME in answer, SOA in authority"

ask chain1.example.test A
is "$(summary)" "NOERROR qr aa 3/0/1" "chain1 A: a two-CNAME chain followed to the end"
is "$(section ANSWER)" "$(lines 'chain1.example.test. 3600 IN CNAME chain2.example.test.' \
    'chain2.example.test. 3600 IN CNAME www.example.test.' \
    'www.example.test. 3600 IN A 192.0.2.80')" "chain1 A: both CNAMEs and the A"

ask dangling.example.test A
is "$(summary)" "NXDOMAIN qr aa 1/1/1" "dangling A: CNAME to a nonexistent name is NXDOMAIN (RFC 6604)"
is "$(section ANSWER)  $(section AUTHORITY)" "dangling.example.test. 3600 IN CNAME nothere.example.test.  $SOA_P" \
    "dangling A: the CNAME in answer, SOA in authority"

ask dangling.example.test CNAME
is "$(summary)" "NOERROR qr aa 1/0/1" "dangling CNAME: the CNAME itself, NOERROR"

ask outside.example.test A
is "$(summary)  $(section ANSWER)" "NOERROR qr aa 1/0/1  outside.example.test. 3600 IN CNAME www.example.org." \
    "outside A: CNAME out of zone, not followed, NOERROR"

# --- wildcards (RFC 4592) --------------------------------------------------------------------
ask foo.wild.example.test A
is "$(summary)  $(section ANSWER)" "NOERROR qr aa 1/0/1  foo.wild.example.test. 3600 IN A 192.0.2.100" \
    "foo.wild A: synthesised from *.wild with the query name as owner"
ask foo.wild.example.test TXT
is "$(section ANSWER)" 'foo.wild.example.test. 3600 IN TXT "wildcard"' "foo.wild TXT: the wildcard's TXT"
ask a.b.wild.example.test A
is "$(summary)  $(section ANSWER)" "NOERROR qr aa 1/0/1  a.b.wild.example.test. 3600 IN A 192.0.2.100" \
    "a.b.wild A: two labels below the closest encloser still match"
ask foo.wild.example.test MX
is "$(summary)  $(section AUTHORITY)" "NOERROR qr aa 0/1/1  $SOA_P" "foo.wild MX: wildcard NODATA with SOA"
ask exists.wild.example.test A
is "$(section ANSWER)" "exists.wild.example.test. 3600 IN A 192.0.2.101" "exists.wild A: the name's own record"
ask exists.wild.example.test TXT
is "$(summary)  $(section AUTHORITY)" "NOERROR qr aa 0/1/1  $SOA_P" \
    "exists.wild TXT: NODATA, no wildcard match where the name exists"
ask sub.wild.example.test A
is "$(summary)" "NOERROR qr aa 0/1/1" "sub.wild A (an ENT): NODATA, the wildcard does not match"
ask foo.sub.wild.example.test A
is "$(summary)  $(section AUTHORITY)" "NXDOMAIN qr aa 0/1/1  $SOA_P" \
    "foo.sub.wild A: NXDOMAIN, closer encloser sub.wild (an ENT) blocks *.wild"
ask wild.example.test A
is "$(summary)" "NOERROR qr aa 0/1/1" "wild A (parent of the wildcard, an ENT): NODATA"
ask '*.wild.example.test' A
is "$(section ANSWER)" "*.wild.example.test. 3600 IN A 192.0.2.100" "*.wild A asked literally: the wildcard's A"

# --- delegations: referrals, glue, DS on the parent side ------------------------------------------
REF_NS=$(lines 'sub.example.test. 3600 IN NS ns.sub.example.test.' 'sub.example.test. 3600 IN NS ns.elsewhere.example.')
REF_GLUE=$(lines 'ns.sub.example.test. 3600 IN A 192.0.2.53' 'ns.sub.example.test. 3600 IN AAAA 2001:db8::53')
for q in "sub.example.test A" "sub.example.test NS" "x.sub.example.test A" "a.b.x.sub.example.test MX" \
    "ns.sub.example.test A"; do
    set -- $q
    ask "$1" "$2"
    is "$(summary)" "NOERROR qr 0/2/3" "$1 $2: referral, AA=0, 2 NS, 2 glue + OPT"
    is "$(section AUTHORITY)" "$REF_NS" "$1 $2: the delegation's NS set in authority"
    is "$(section ADDITIONAL)" "$REF_GLUE" "$1 $2: glue A and AAAA in additional, none for the out-of-zone NS"
    is "$(section ANSWER)" "" "$1 $2: empty answer section"
done

ask sub.example.test DS
is "$(summary)  $(section AUTHORITY)" "NOERROR qr aa 0/1/1  $SOA_P" \
    "sub DS (no DS at the cut): authoritative NODATA from the parent, parent SOA"
ask child.example.test DS
is "$(summary)" "NOERROR qr aa 1/0/1" "child DS: answered by the parent, though the child is served too"
is "$(section ANSWER)" "child.example.test. 3600 IN DS 12345 13 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF01234567 89ABCDEF" \
    "child DS: the parent's DS record"

# --- parent and child zones both served: the child is authoritative --------------------------------
ask www.child.example.test A
is "$(summary)  $(section ANSWER)" "NOERROR qr aa 1/0/1  www.child.example.test. 600 IN A 192.0.2.200" \
    "www.child A: authoritative answer from the child zone, not a referral"
ask child.example.test NS
is "$(summary)" "NOERROR qr aa 1/0/2" "child NS: the child apex NS, authoritative, with glue"
is "$(section ANSWER)" "child.example.test. 600 IN NS ns1.child.example.test." "child NS: the child zone's NS (TTL 600)"
ask child.example.test SOA
is "$(section ANSWER)" "child.example.test. 60 IN SOA ns1.child.example.test. hostmaster.child.example.test. 7 3600 900 604800 600" \
    "child SOA: the child zone's SOA"

# --- unknown types (RFC 3597) ---------------------------------------------------------------
ask unk.example.test TYPE65400
is "$(summary)" "NOERROR qr aa 1/0/1" "unk TYPE65400: served"
is "$(section ANSWER)" 'unk.example.test. 3600 IN TYPE65400 \# 4 0A000001' "unk TYPE65400: RDATA 0a000001 as written"
ask unk.example.test A
is "$(summary)  $(section AUTHORITY)" "NOERROR qr aa 0/1/1  $SOA_P" "unk A: NODATA"
ask www.example.test TYPE65401
is "$(summary)  $(section AUTHORITY)" "NOERROR qr aa 0/1/1  $SOA_P" "www TYPE65401 (unknown type): NODATA"
ask nx.example.test TYPE65401
is "$(summary)" "NXDOMAIN qr aa 0/1/1" "nx TYPE65401: NXDOMAIN"

# --- additional section for MX, SRV, NS targets ---------------------------------------------------
ask example.test MX
is "$(summary)  $(section ADDITIONAL)" "NOERROR qr aa 1/0/3  $(lines 'mail.example.test. 3600 IN A 192.0.2.25' \
    'mail.example.test. 3600 IN AAAA 2001:db8::25')" "apex MX: the exchange's A and AAAA in additional"
ask _sip._tcp.example.test SRV
is "$(summary)  $(section ANSWER)  $(section ADDITIONAL)" \
    "NOERROR qr aa 1/0/2  _sip._tcp.example.test. 3600 IN SRV 0 5 5060 sipserver.example.test.  sipserver.example.test. 3600 IN A 192.0.2.60" \
    "SRV: the record and its target's A in additional"
ask example.test NS
is "$(section ADDITIONAL)" "$(lines 'ns1.example.test. 3600 IN A 192.0.2.1' 'ns1.example.test. 3600 IN AAAA 2001:db8::1' \
    'ns2.example.test. 3600 IN A 192.0.2.2')" "apex NS: the servers' addresses in additional"

# --- ANY: the full set over TCP, which dig 9.18 uses for ANY (over UDP fleetdns sends one
# RRset, RFC 8482 4.2: amplification.py) ---------------------------------------------------
ask many.example.test ANY
is "$(summary)" "NOERROR qr aa 3/0/1" "many ANY: three RRsets"
is "$(section ANSWER)" "$(lines 'many.example.test. 3600 IN A 192.0.2.30' \
    'many.example.test. 3600 IN AAAA 2001:db8::30' 'many.example.test. 3600 IN TXT "many"')" "many ANY: A, AAAA and TXT"
ask example.test ANY
is "$(section ANSWER)" "$(lines \
    'example.test. 7200 IN SOA ns1.example.test. hostmaster.example.test. 2024010101 3600 900 604800 300' \
    'example.test. 3600 IN NS ns1.example.test.' 'example.test. 3600 IN NS ns2.example.test.' \
    'example.test. 3600 IN MX 10 mail.example.test.' 'example.test. 3600 IN TXT "v=apex"')" "apex ANY: every RRset"
ask ent.example.test ANY
is "$(summary)" "NOERROR qr aa 0/1/1" "ENT ANY: NODATA"
ask nx.example.test ANY
is "$(summary)" "NXDOMAIN qr aa 0/1/1" "nx ANY: NXDOMAIN"

# --- one TTL per RRset (RFC 2181 5.2) ---------------------------------------------------------
ask ttlmix.example.test A
is "$(summary)" "NOERROR qr aa 2/0/1" "ttlmix A (zone file gives 100 and 200): both records"
is "$(section ANSWER | awk '{print $2}' | sort -u | wc -l)" "1" "ttlmix A: both records carry the same TTL"
ask multi.example.test A
is "$(section ANSWER)" "$(lines 'multi.example.test. 3600 IN A 192.0.2.11' 'multi.example.test. 3600 IN A 192.0.2.12' \
    'multi.example.test. 3600 IN A 192.0.2.13')" "multi A: three records, one TTL"

# --- case-insensitive lookups (RFC 4343) --------------------------------------------------------
ask WWW.EXAMPLE.TEST A
is "$(summary)  $(section ANSWER)" "NOERROR qr aa 1/0/1  WWW.EXAMPLE.TEST. 3600 IN A 192.0.2.80" "WWW.EXAMPLE.TEST A: found"
ask Www.Child.Example.Test A
is "$(section ANSWER)" "Www.Child.Example.Test. 600 IN A 192.0.2.200" "Www.Child.Example.Test A: child zone found"
ask FOO.WiLd.example.TEST TXT
is "$(section ANSWER)" 'FOO.WiLd.example.TEST. 3600 IN TXT "wildcard"' "FOO.WiLd TXT: wildcard matched"
ask X.SUB.Example.Test A
is "$(summary)" "NOERROR qr 0/2/3" "X.SUB.Example.Test A: referral"
ask NX.EXAMPLE.TEST A
is "$(summary)" "NXDOMAIN qr aa 0/1/1" "NX.EXAMPLE.TEST A: NXDOMAIN"
ask EXAMPLE.TEST MX
is "$(section ANSWER)" "EXAMPLE.TEST. 3600 IN MX 10 mail.EXAMPLE.TEST." "EXAMPLE.TEST MX: the apex record"

done_testing
