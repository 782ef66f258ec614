/*
 * gateway/objmerge: the merged rim:RegistryObjectList of an initiating gateway's answer.
 * Objects taken from the peers' parsed answers are moved (re-parented), not copied and
 * re-serialised one by one, and the whole list is written once: with eight or more peers
 * this is most of what the initiating gateway spends per answer.
 */
#ifndef HASHI_GATEWAY_OBJMERGE_H
#define HASHI_GATEWAY_OBJMERGE_H

#include <stddef.h>
#include <libxml/tree.h>

#include "common/str.h"

struct objmerge;

/* Returns an empty list (free with objmerge_free), or NULL when out of memory. */
struct objmerge *objmerge_new(void);

/* Frees the list and every object moved into it; NULL accepted. */
void objmerge_free(struct objmerge *om);

/* Moves OBJ, an element of another document (a peer's answer), to the end of the list:
 * OBJ is unlinked from its document, and the namespaces it used from its ancestors there
 * are bound again in the list. On success the list owns OBJ; on failure OBJ is freed.
 * The source document may be freed afterwards either way. Returns 0, or -1 when out of
 * memory. */
int objmerge_take(struct objmerge *om, xmlNodePtr obj);

/* Returns the number of objects taken. */
size_t objmerge_count(const struct objmerge *om);

/* Appends the list as one rim:RegistryObjectList element (declaring the rim namespace
 * itself, so it can stand inside any parent) to SB. Returns 0, or -1 when out of memory
 * (SB is then marked failed). */
int objmerge_write(const struct objmerge *om, struct strbuf *sb);

#endif
