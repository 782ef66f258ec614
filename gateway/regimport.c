/* gateway/regimport: see regimport.h. */
#include "gateway/regimport.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


#include "common/str.h"
#include "common/xml.h"
#include "gateway/ebrim.h"

/* One file being imported. */
struct ri_file {
	const char		*f_name;	/* as listed in DIR */
	const char		*f_dir;
	FILE			*f_report;
	int			 f_nerr;
	struct regstore_content	*f_docs;
	size_t			 f_ndocs;
	char			**f_ids;	/* xdsb:Document ids */
	uint8_t			**f_bufs;	/* decoded base64, one per document or NULL */
	char			**f_paths;	/* included files, one per document or NULL */
};

static void ri_error(struct ri_file *f, long line, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
ri_error(struct ri_file *f, long line, const char *code, const char *fmt, ...)
{
	va_list ap;

	f->f_nerr++;
	if (f->f_report == NULL)
		return;
	if (line > 0)
		fprintf(f->f_report, "%s:%ld: error %s: ", f->f_name, line, code);
	else
		fprintf(f->f_report, "%s: error %s: ", f->f_name, code);
	va_start(ap, fmt);
	vfprintf(f->f_report, fmt, ap);
	va_end(ap);
	fputc('\n', f->f_report);
}

static int
ri_join(char *out, size_t outsz, const char *dir, const char *name)
{
	int n = snprintf(out, outsz, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= outsz ? -1 : 0;
}

/* Reads PATH whole (at most MAX bytes) into a malloc'd buffer. */
static int
ri_slurp(const char *path, size_t max, char **bufp, size_t *lenp)
{
	struct stat sb;
	char *buf = NULL;
	size_t got = 0;
	ssize_t r;
	int fd, ret = -1;

	*bufp = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1)
		return -1;
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode))
		goto done;
	if ((size_t)sb.st_size > max) {
		errno = EFBIG;
		goto done;
	}
	if ((buf = malloc((size_t)sb.st_size + 1)) == NULL)
		goto done;
	while (got < (size_t)sb.st_size) {
		r = read(fd, buf + got, (size_t)sb.st_size - got);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			goto done;
		got += (size_t)r;
	}
	*bufp = buf;
	*lenp = got;
	buf = NULL;
	ret = 0;
done:
	free(buf);
	close(fd);
	return ret;
}

/* Fills document I of F from an <xop:Include href="NAME"/>. */
static void
ri_doc_include(struct ri_file *f, size_t i, xmlNodePtr inc)
{
	char *href = xml_attr(inc, "href"), path[PATH_MAX];
	long line = xmlGetLineNo(inc);
	struct stat sb;

	if (href == NULL || *href == '\0' || strchr(href, '/') != NULL ||
	    strstr(href, "..") != NULL) {
		ri_error(f, line, "XDSRegistryMetadataError", "xop:Include href '%.64s' is not "
		    "a plain file name in the import directory", href ? href : "");
	} else if (ri_join(path, sizeof(path), f->f_dir, href) == -1) {
		ri_error(f, line, "XDSRegistryError", "path of %.64s is too long", href);
	} else if (stat(path, &sb) == -1) {
		ri_error(f, line, "XDSMissingDocument", "included file %.64s: %s", href,
		    strerror(errno));
	} else if (!S_ISREG(sb.st_mode)) {
		ri_error(f, line, "XDSMissingDocument", "included file %.64s is not a regular "
		    "file", href);
	} else if ((f->f_paths[i] = str_dup(path)) == NULL) {
		ri_error(f, line, "XDSRegistryError", "out of memory");
	} else {
		f->f_docs[i].rc_path = f->f_paths[i];
	}
	free(href);
}

/* Collects the xdsb:Document elements of request PNR. */
static int
ri_docs(struct ri_file *f, xmlNodePtr pnr)
{
	xmlNodePtr d, inc;
	size_t n = 0, i = 0;
	char *text;

	for (d = xml_child(pnr, NS_XDSB, "Document"); d != NULL; d = xml_next(d, NS_XDSB,
	    "Document"))
		n++;
	if (n == 0)
		return 0;
	f->f_docs = calloc(n, sizeof(*f->f_docs));
	f->f_ids = calloc(n, sizeof(*f->f_ids));
	f->f_bufs = calloc(n, sizeof(*f->f_bufs));
	f->f_paths = calloc(n, sizeof(*f->f_paths));
	if (f->f_docs == NULL || f->f_ids == NULL || f->f_bufs == NULL || f->f_paths == NULL)
		return -1;
	f->f_ndocs = n;
	for (d = xml_child(pnr, NS_XDSB, "Document"); d != NULL;
	    d = xml_next(d, NS_XDSB, "Document"), i++) {
		f->f_docs[i].rc_entry_id = f->f_ids[i] = xml_attr(d, "id");
		if (f->f_ids[i] == NULL || *f->f_ids[i] == '\0') {
			ri_error(f, xmlGetLineNo(d), "XDSRegistryMetadataError",
			    "xdsb:Document has no id");
		} else if ((inc = xml_child(d, NS_XOP, "Include")) != NULL) {
			ri_doc_include(f, i, inc);
		} else if ((text = xml_text(d)) == NULL) {
			return -1;
		} else {
			if (str_b64_decode(text, &f->f_bufs[i], &f->f_docs[i].rc_len) == -1)
				ri_error(f, xmlGetLineNo(d), "XDSRegistryMetadataError",
				    "xdsb:Document %.64s is not valid base64",
				    f->f_docs[i].rc_entry_id);
			f->f_docs[i].rc_data = f->f_bufs[i];
			free(text);
		}
	}
	return 0;
}

/* Returns the line of the first element whose id is ID, or 0. */
static long
ri_line_of(const xmlNode *node, const char *id)
{
	const xmlNode *c;
	xmlChar *v;
	long line = 0;

	for (c = node; c != NULL && line == 0; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if ((v = xmlGetNoNsProp(c, XC("id"))) != NULL) {
			if (strcmp((const char *)v, id) == 0)
				line = xmlGetLineNo(c);
			xmlFree(v);
		}
		if (line == 0)
			line = ri_line_of(c->children, id);
	}
	return line;
}

static void
ri_free(struct ri_file *f)
{
	size_t i;

	for (i = 0; i < f->f_ndocs; i++) {
		free(f->f_ids[i]);
		free(f->f_bufs[i]);
		free(f->f_paths[i]);
	}
	free(f->f_ids);
	free(f->f_bufs);
	free(f->f_paths);
	free(f->f_docs);
}

/* Submits the request in DOC. Returns 0 stored, 1 failed, 2 not a request (skipped). */
static int
ri_submit(struct regstore *rs, struct ri_file *f, xmlDocPtr doc, const char *repository_id)
{
	xmlNodePtr root = xmlDocGetRootElement(doc), sor;
	struct reg_errors errs;
	const struct reg_error *e;
	size_t i;

	memset(&errs, 0, sizeof(errs));
	if (!xml_is(root, NS_XDSB, "ProvideAndRegisterDocumentSetRequest"))
		return 2;
	if ((sor = xml_child(root, NS_LCM, "SubmitObjectsRequest")) == NULL) {
		ri_error(f, xmlGetLineNo(root), "XDSRegistryMetadataError",
		    "ProvideAndRegisterDocumentSetRequest has no lcm:SubmitObjectsRequest");
		return 1;
	}
	if (ri_docs(f, root) == -1) {
		ri_error(f, 0, "XDSRegistryError", "out of memory");
		return 1;
	}
	if (f->f_nerr > 0)
		return 1;
	if (regstore_submit(rs, sor, f->f_docs, f->f_ndocs, repository_id, &errs) == 0) {
		regerr_clear(&errs);
		if (f->f_report != NULL)
			fprintf(f->f_report, "%s: %zu documents stored\n", f->f_name, f->f_ndocs);
		return 0;
	}
	for (i = 0; i < errs.rl_n; i++) {
		e = &errs.rl_err[i];
		ri_error(f, e->re_location ? ri_line_of(root, e->re_location) : 0, e->re_code,
		    "%s", e->re_context);
	}
	if (errs.rl_nomem)
		ri_error(f, 0, "XDSRegistryError", "out of memory");
	regerr_clear(&errs);
	return 1;
}

/* Imports one file. Returns 0 stored, 1 failed, 2 skipped. */
static int
ri_file(struct regstore *rs, const char *dir, const char *name, const char *repository_id,
    FILE *report)
{
	struct xml_limits lim = { REGIMPORT_MAX_XML, REGIMPORT_MAX_DEPTH };
	struct ri_file f;
	char path[PATH_MAX], *buf = NULL;
	xmlDocPtr doc = NULL;
	enum xml_err xerr;
	size_t len = 0;
	int ret = 1;

	memset(&f, 0, sizeof(f));
	f.f_name = name;
	f.f_dir = dir;
	f.f_report = report;
	if (ri_join(path, sizeof(path), dir, name) == -1) {
		ri_error(&f, 0, "XDSRegistryError", "path too long");
	} else if (ri_slurp(path, REGIMPORT_MAX_XML, &buf, &len) == -1) {
		ri_error(&f, 0, "XDSRegistryError", "cannot read: %s", strerror(errno));
	} else if ((doc = xml_parse_safe(buf, len, &lim, &xerr)) == NULL) {
		ri_error(&f, 0, "XDSRegistryMetadataError", "%s", xml_strerror(xerr));
	} else {
		free(buf);	/* the tree is all we need now: halve the peak memory */
		buf = NULL;
		ret = ri_submit(rs, &f, doc, repository_id);
		if (ret == 2 && report != NULL)
			fprintf(report, "%s: skipped: not a ProvideAndRegisterDocumentSetRequest\n",
			    name);
	}
	ri_free(&f);
	xmlFreeDoc(doc);
	free(buf);
	return ret;
}

static int
ri_namecmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Lists the *.xml regular files of DIR (malloc'd names, sorted). */
static int
ri_list(const char *dir, char ***namesp, size_t *np)
{
	char **names = NULL, **p, path[PATH_MAX];
	struct dirent *de;
	struct stat sb;
	size_t n = 0, l;
	DIR *d;
	int ret = -1;

	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		l = strlen(de->d_name);
		if (de->d_name[0] == '.' || l < 5 || strcmp(de->d_name + l - 4, ".xml") != 0)
			continue;
		if (ri_join(path, sizeof(path), dir, de->d_name) == -1 ||
		    stat(path, &sb) == -1 || !S_ISREG(sb.st_mode))
			continue;
		if ((p = reallocarray(names, n + 1, sizeof(*p))) == NULL)
			goto done;
		names = p;
		if ((names[n] = str_dup(de->d_name)) == NULL)
			goto done;
		n++;
	}
	if (n > 1)
		qsort(names, n, sizeof(*names), ri_namecmp);
	*namesp = names;
	*np = n;
	names = NULL;
	ret = 0;
done:
	closedir(d);
	while (names != NULL && n > 0)
		free(names[--n]);
	free(names);
	return ret;
}

int
regimport_dir(struct regstore *rs, const char *dir, const char *repository_id,
    FILE *report)
{
	char **names = NULL;
	size_t n = 0, i;
	int failed = 0;

	if (ri_list(dir, &names, &n) == -1) {
		if (report != NULL)
			fprintf(report, "%s: error: cannot list directory: %s\n", dir,
			    strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (ri_file(rs, dir, names[i], repository_id, report) == 1)
			failed++;
		free(names[i]);
	}
	free(names);
	return failed;
}
