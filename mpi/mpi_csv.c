/*
 * mpi/mpi_csv: RFC 4180 records for the imports. Strict where leniency would guess: a quote
 * inside an unquoted field, text after a closing quote, a lone CR, a NUL byte or an
 * unterminated quoted field are errors, not data. Limits on fields per record and bytes per
 * field keep a hostile file from growing memory without bound.
 */
#include <stdlib.h>
#include <string.h>

#include "mpi/mpi_int.h"

int
mpi_csv_open(struct mpi_csv *c, const char *path)
{
	memset(c, 0, sizeof(*c));
	if ((c->c_f = fopen(path, "r")) == NULL)
		return MPI_E_IO;
	c->c_line = 1;
	return MPI_OK;
}

void
mpi_csv_close(struct mpi_csv *c)
{
	if (c == NULL)
		return;
	if (c->c_f != NULL)
		fclose(c->c_f);
	free(c->c_buf);
	c->c_f = NULL;
	c->c_buf = NULL;
}

char *
mpi_csv_field(struct mpi_csv *c, size_t i)
{
	return i < c->c_nf ? c->c_buf + c->c_off[i] : NULL;
}

/* Returns the next byte, EOF at the end, or -2 on a read error. */
static int
csv_getc(struct mpi_csv *c)
{
	if (c->c_pos == c->c_fill) {
		c->c_fill = fread(c->c_in, 1, sizeof(c->c_in), c->c_f);
		c->c_pos = 0;
		if (c->c_fill == 0)
			return ferror(c->c_f) ? -2 : EOF;
		if (!c->c_started) {
			c->c_started = 1;
			/* a UTF-8 BOM, as spreadsheet exports write it (a file shorter
			 * than the first read holds it whole, a longer one too) */
			if (c->c_fill >= 3 && memcmp(c->c_in, "\xef\xbb\xbf", 3) == 0)
				c->c_pos = 3;
			if (c->c_pos == c->c_fill)
				return csv_getc(c);
		}
	}
	return c->c_in[c->c_pos++];
}

/* Returns the next byte without consuming it (as csv_getc). */
static int
csv_peek(struct mpi_csv *c)
{
	int ch = csv_getc(c);

	if (ch >= 0)
		c->c_pos--;
	return ch;
}

/* Appends byte CH to the current field. */
static int
csv_put(struct mpi_csv *c, int ch, const char **why)
{
	char *p;
	size_t cap;

	if (c->c_len - c->c_off[c->c_nf] >= MPI_CSV_FIELD_MAX) {
		*why = "field too long";
		return MPI_E_INVALID;
	}
	if (c->c_len + 1 >= c->c_cap) {
		cap = c->c_cap == 0 ? 1024 : c->c_cap * 2;
		if ((p = realloc(c->c_buf, cap)) == NULL)
			return MPI_E_NOMEM;
		c->c_buf = p;
		c->c_cap = cap;
	}
	c->c_buf[c->c_len++] = (char)ch;
	return MPI_OK;
}

/* Ends the current field; starts the next one unless LAST. */
static int
csv_endfield(struct mpi_csv *c, int last, const char **why)
{
	int rc;

	if ((rc = csv_put(c, '\0', why)) != MPI_OK)
		return rc;
	c->c_nf++;
	if (last)
		return MPI_OK;
	if (c->c_nf >= MPI_CSV_MAXF) {
		*why = "too many fields";
		return MPI_E_INVALID;
	}
	c->c_off[c->c_nf] = c->c_len;
	return MPI_OK;
}

/* Reads a quoted field's body (after its opening quote) up to its closing quote. */
static int
csv_quoted(struct mpi_csv *c, const char **why)
{
	int ch, rc;

	for (;;) {
		if ((ch = csv_getc(c)) == -2)
			return MPI_E_IO;
		if (ch == EOF) {
			*why = "unterminated quoted field";
			return MPI_E_INVALID;
		}
		if (ch == '"') {
			if (csv_peek(c) != '"')
				return MPI_OK;
			ch = csv_getc(c);
		} else if (ch == '\n')
			c->c_line++;
		else if (ch == '\0') {
			*why = "NUL byte";
			return MPI_E_INVALID;
		}
		if ((rc = csv_put(c, ch, why)) != MPI_OK)
			return rc;
	}
}

/* Handles separator or line end CH after a field. Returns 1 at the record's end, 0 to go
 * on with the next field, or an error. */
static int
csv_after(struct mpi_csv *c, int ch, const char **why)
{
	int rc;

	if (ch == '\r') {
		if (csv_getc(c) != '\n') {
			*why = "carriage return without line feed";
			return MPI_E_INVALID;
		}
		ch = '\n';
	}
	if (ch == ',')
		return (rc = csv_endfield(c, 0, why)) != MPI_OK ? rc : 0;
	if (ch == '\n' || ch == EOF) {
		if (ch == '\n')
			c->c_line++;
		return (rc = csv_endfield(c, 1, why)) != MPI_OK ? rc : 1;
	}
	*why = ch == '"' ? "quote inside an unquoted field" : "text after a closing quote";
	return MPI_E_INVALID;
}

int
mpi_csv_next(struct mpi_csv *c, const char **why)
{
	int ch, rc, quoted;

	c->c_len = c->c_nf = 0;
	c->c_off[0] = 0;
	c->c_rec_line = c->c_line;
	if ((ch = csv_peek(c)) == EOF)
		return 0;
	for (;;) {
		quoted = 0;
		if ((ch = csv_getc(c)) == '"') {
			if ((rc = csv_quoted(c, why)) != MPI_OK)
				return rc;
			ch = csv_getc(c);
			quoted = 1;
		}
		while (!quoted && ch >= 0 && ch != ',' && ch != '\n' && ch != '\r' &&
		    ch != '"') {
			if (ch == '\0') {
				*why = "NUL byte";
				return MPI_E_INVALID;
			}
			if ((rc = csv_put(c, ch, why)) != MPI_OK)
				return rc;
			ch = csv_getc(c);
		}
		if (ch == -2)
			return MPI_E_IO;
		if ((rc = csv_after(c, ch, why)) != 0)
			return rc;
	}
}
