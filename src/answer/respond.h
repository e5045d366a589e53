/* SPDX-License-Identifier: MIT */
/* respond.h -- the responder's rules for blocks prepared outside the zones (src/answer/chaos.c),
 * so that such answers get the header, question, truncation and OPT of every other answer. */
#ifndef FDNS_ANSWER_RESPOND_H
#define FDNS_ANSWER_RESPOND_H

#include "answer/snapshot.h"

/**
 * The response to q (a QUERY the reader accepted) made of block b, as answer_respond() makes
 * it from a zone's block: header and question copied, b copied whole or cut at an RRset
 * boundary to fit maxsize, OPT (with s's UDP size) when q had one. An EDNS version above 0
 * gets BADVERS (RFC 6891 6.1.3); b NULL gets REFUSED. No allocation; b stays the caller's.
 * Returns the response length.
 */
size_t answer__respond_block(const snapshot_t *s, const query_t *q, const ans_block_t *b,
                             uint8_t *out, size_t maxsize);

#endif
