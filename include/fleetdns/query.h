/* SPDX-License-Identifier: MIT */
/* query.h -- the bounds-checked reader for incoming DNS queries.
 *
 * query_parse() reads a message in place: it never allocates and never follows a
 * compression pointer, so a hostile packet costs at most one pass over its bytes.
 * The query_t keeps a pointer to the message; the caller owns both.
 */
#ifndef FLEETDNS_QUERY_H
#define FLEETDNS_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNS_HEADER_LEN 12
#define DNS_NAME_MAX   255
#define DNS_LABELS_MAX 128

enum dns_rcode {
	RCODE_NOERROR = 0,
	RCODE_FORMERR = 1,
	RCODE_SERVFAIL = 2,
	RCODE_NXDOMAIN = 3,
	RCODE_NOTIMP = 4,
	RCODE_REFUSED = 5,
	RCODE_NOTAUTH = 9,
	RCODE_BADVERS = 16, /* extended: needs OPT */
};

enum dns_opcode { OPCODE_QUERY = 0, OPCODE_NOTIFY = 4 };

enum dns_type {
	TYPE_A = 1,
	TYPE_NS = 2,
	TYPE_CNAME = 5,
	TYPE_SOA = 6,
	TYPE_PTR = 12,
	TYPE_MX = 15,
	TYPE_AAAA = 28,
	TYPE_SRV = 33,
	TYPE_OPT = 41,
	TYPE_DS = 43,
	TYPE_TSIG = 250,
	TYPE_IXFR = 251,
	TYPE_AXFR = 252,
	TYPE_ANY = 255,
};

/* EDNS option codes (RFC 5001, RFC 7871, RFC 7873) */
enum { EDNS_NSID = 3, EDNS_ECS = 8, EDNS_COOKIE = 10 };
enum { ECS_FAMILY_IPV4 = 1, ECS_FAMILY_IPV6 = 2 }; /* RFC 7871 6: address family numbers */

enum dns_class { CLASS_IN = 1, CLASS_CH = 3, CLASS_ANY = 255 };

/** What the reader concluded; the answer module turns it into a response (or none). */
enum query_verdict {
	QUERY_OK = 0,  /* a well-formed message with one question */
	QUERY_DROP,    /* shorter than a header, or a response (QR=1): never answer */
	QUERY_FORMERR, /* malformed: answer FORMERR (question echoed if has_question) */
	QUERY_NOTIMP,  /* an opcode we do not implement */
};

typedef struct query {
	const uint8_t *msg; /* the message as received */
	size_t len;
	uint16_t id;
	uint8_t opcode;
	bool rd, cd;
	bool has_question;                 /* qname/qtype/qclass below are valid */
	size_t question_end;               /* offset just past the question */
	uint8_t qname[DNS_NAME_MAX];       /* lowercased wire format */
	uint8_t qname_len;                 /* bytes, including the root label */
	uint8_t nlabels;                   /* labels, not counting the root */
	uint8_t label_off[DNS_LABELS_MAX]; /* offset of each label in qname */
	uint16_t qtype;
	uint16_t qclass;
	/* EDNS (RFC 6891) */
	bool has_opt;
	bool do_bit;
	uint8_t edns_version;
	uint16_t udp_size;     /* client's payload size, already raised to at least 512 */
	bool has_tsig;         /* the last record is a TSIG (RFC 8945): answered by src/xfr */
	const uint8_t *cookie; /* the COOKIE option's data (in msg), or NULL (RFC 7873) */
	uint8_t cookie_len;    /* 8: a client cookie alone; 16..40: with a server cookie */
	bool nsid;             /* a well-formed OPT asked for the server's NSID (RFC 5001) */
	/* EDNS Client Subnet (RFC 7871 6), when the OPT carries a well-formed one (a malformed
	 * one makes the query FORMERR): the client's subnet, ecs_source bits of ecs_addr (the
	 * rest zero), to be echoed with a scope in the response. */
	bool has_ecs;
	uint8_t ecs_family; /* ECS_FAMILY_IPV4 or ECS_FAMILY_IPV6 */
	uint8_t ecs_source; /* SOURCE PREFIX-LENGTH */
	uint8_t ecs_addr[16];
	const void *peer; /* set by the transport: the client's struct sockaddr, or NULL */
	bool tcp;         /* set by the transport, not the reader: the query came over TCP */
} query_t;

/** Read msg[0..len) into *q. Returns a query_verdict; q is filled as far as it was read. */
enum query_verdict query_parse(query_t *q, const uint8_t *msg, size_t len);
/** After a FORMERR verdict without an OPT: look for one among the records query_parse() did
 * not reach (it stops at a misplaced TSIG), so that the FORMERR carries an OPT whenever the
 * request has one (RFC 6891 7). Sets has_opt, udp_size and do_bit when found; stops at the
 * first record that cannot be read. For the error path only. */
void query_opt_skim(query_t *q);

#endif
