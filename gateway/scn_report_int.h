/*
 * gateway/scn_report_int: what the report writers (scn_report*.c) share: escaping and
 * formatting of model text, and the SVG sequence diagram of a step.
 */
#ifndef HASHI_GATEWAY_SCN_REPORT_INT_H
#define HASHI_GATEWAY_SCN_REPORT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "common/str.h"
#include "gateway/scn_result.h"

/* The reports accept NULL for any string of the model (the structures are public, so a
 * caller may fill them without the builders): compare through this. */
#define SCN_NZ(s)	((s) != NULL ? (s) : "")

/* Decodes one UTF-8 character at S (not at its NUL). Returns the number of bytes used and
 * sets *CP; a byte that does not start a valid, shortest-form sequence of a scalar value
 * (no surrogates, at most U+10FFFF) uses 1 byte and gives U+FFFD. */
size_t scn_utf8_next(const char *s, uint32_t *cp);

/* Appends the code point CP as UTF-8. Returns 0 or -1. */
int scn_put_cp(struct strbuf *sb, uint32_t cp);

/* Appends S (NULL: nothing) escaped for XML / HTML text, or for a double-quoted attribute
 * when ATTR (tab, CR and LF then as character references so that they survive attribute
 * normalisation). Invalid UTF-8 becomes U+FFFD; C0 controls and DEL their control pictures,
 * C1 controls and U+FFFE / U+FFFF U+FFFD. Returns 0 or -1. */
int scn_put_xml(struct strbuf *sb, const char *s, int attr);

/* As scn_put_xml for text, at most MAXW display columns (a wide East Asian character counts
 * two), ending with "…" when cut. Returns 0 or -1. */
int scn_put_xml_cut(struct strbuf *sb, const char *s, size_t maxw);

/* Appends S as a JSON string with its quotes, or null for NULL. Returns 0 or -1. */
int scn_put_json(struct strbuf *sb, const char *s);

/* Appends a duration: "175 ms" below 10 s, else "12.3 s". Returns 0 or -1. */
int scn_put_dur(struct strbuf *sb, long ms);

/* Returns the display columns of S (see scn_put_xml_cut). */
size_t scn_text_width(const char *s);

/* Returns the name of an ATNA EventOutcomeIndicator: "success", "minor failure", "serious
 * failure", "major failure", or "unknown". Static. */
const char *scn_atna_outcome_name(int outcome);

/* Appends the sequence diagram of step ST (number STEPNO, from 1) of R as an inline <svg>
 * element. Nothing is appended when the step has no hops. Returns 0 or -1. */
int scn_svg_step(struct strbuf *sb, const struct scn_result *r,
    const struct scn_step_result *st, size_t stepno);

#endif
