/*
 * hdf5_scan: which dataset of an HDF5 file a reader takes when the path
 * names none (tomo_hdf5_pick), the same for every tool and for tomo-flat's
 * scans: a DXchange file's /exchange/data, an NXtomo file's stack (searched
 * for: entries are not at fixed paths), else the file's one dataset. It
 * also counts a scan's flat and dark frames and names the layouts it tells
 * apart (tomo_scan_layout_name). Metadata only: input_hdf5.c
 * reads the samples, scan_nxtomo.c splits the frames and finds the angles.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hdf5_common.h"
#include "tomo/err.h"

/* Links looked at when searching a NeXus file, at most. */
#define MAX_VISIT 200000
#define MAX_FOUND 16
/* Links looked at when listing or counting datasets, at most. */
#define MAX_LIST  20000
/* Distinct datasets remembered when counting candidates. */
#define MAX_SEEN  64

static int
oom(void)
{
	return tomo_error(TOMO_ERR, "out of memory");
}

static char *
join(const char *group, const char *name)
{
	char *s = NULL;
	return asprintf(&s, "%s/%s", group, name) < 0 ? NULL : s;
}

/* ---- NeXus search */

struct nxsearch {
	hid_t file;
	char *entries[MAX_FOUND]; /* groups whose definition is NXtomo */
	int nentries;
	char *cands[MAX_FOUND]; /* groups with a 3-D data and its image_key */
	int ncands;
	int visited;
};

/* A group g ("/a/b" or "" for the root) holding a 3-D numeric dataset
 * "data" and a 1-D integer "image_key" with one value per frame. */
static int
stack_group(hid_t file, const char *g)
{
	char *dp = join(g, "data"), *kp = join(g, "image_key");
	hsize_t dd[3], kd[3];
	int dr = 0, kr = 0, ok = 0;
	hid_t d = dp ? tomo_hdf5_open_dims(file, dp, &dr, dd) : -1;
	hid_t k = kp ? tomo_hdf5_open_dims(file, kp, &kr, kd) : -1;

	if (d >= 0 && k >= 0 && dr == 3 && kr == 1 && kd[0] == dd[0] && tomo_hdf5_numeric(d)) {
		hid_t t = H5Dget_type(k);
		ok = t >= 0 && H5Tget_class(t) == H5T_INTEGER;
		if (t >= 0)
			H5Tclose(t);
	}
	if (d >= 0)
		H5Dclose(d);
	if (k >= 0)
		H5Dclose(k);
	free(dp);
	free(kp);
	return ok;
}

static herr_t
nx_visit(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
	struct nxsearch *x = data;
	const char *base = tomo_hdf5_basename(name);

	(void)g;
	(void)info;
	if (++x->visited > MAX_VISIT)
		return 1;
	if (!strcmp(base, "definition") && x->nentries < MAX_FOUND) {
		char *path = join("", name);
		char *v = path ? tomo_hdf5_string_dataset(x->file, path) : NULL;
		if (v && tomo_hdf5_same_word(v, "NXtomo"))
			x->entries[x->nentries++] = tomo_hdf5_parent(name);
		free(v);
		free(path);
	} else if (!strcmp(base, "image_key") && x->ncands < MAX_FOUND) {
		char *parent = tomo_hdf5_parent(name);
		if (parent && stack_group(x->file, parent))
			x->cands[x->ncands++] = parent;
		else
			free(parent);
	}
	return 0;
}

static int
inside(const char *path, const char *group)
{
	size_t n = strlen(group);
	return !strncmp(path, group, n) && (path[n] == '/' || path[n] == 0);
}

/* The top-level group a path is in (its NXentry), malloc'd. */
static char *
top_group(const char *path)
{
	const char *slash = path[0] ? strchr(path + 1, '/') : NULL;
	return slash ? strndup(path, (size_t)(slash - path)) : strdup(path);
}

/* Look for the NXtomo stack: the first group holding data and image_key
 * inside an NXtomo entry, else the first anywhere. Returns 1 (stack and
 * entry set, malloc'd), 0 when there is none. */
static int
find_nxtomo(hid_t file, char **stack, char **entry)
{
	struct nxsearch x = {.file = file};
	int pick = -1, pick_entry = -1;

	H5Lvisit(file, H5_INDEX_NAME, H5_ITER_INC, nx_visit, &x);
	for (int i = 0; i < x.ncands && pick < 0; i++)
		for (int e = 0; e < x.nentries; e++)
			if (x.entries[e] && inside(x.cands[i], x.entries[e])) {
				pick = i;
				pick_entry = e;
				break;
			}
	if (pick < 0 && x.ncands)
		pick = 0;
	if (pick >= 0) {
		*stack = strdup(x.cands[pick]);
		*entry = pick_entry >= 0 ? strdup(x.entries[pick_entry]) : top_group(x.cands[pick]);
	}
	for (int i = 0; i < x.ncands; i++)
		free(x.cands[i]);
	for (int i = 0; i < x.nentries; i++)
		free(x.entries[i]);
	return pick >= 0;
}

/* ---- Frame counts */

/* Frames of a DXchange dataset: 0 when absent, empty or not a stack. */
static int64_t
dx_count(hid_t file, const char *path)
{
	int64_t n = tomo_hdf5_frames(file, path);
	return n > 0 ? n : 0;
}

static void
dx_counts(hid_t file, struct tomo_hdf5_pick *p)
{
	static const char *const flats[] = {"/exchange/data_white_pre", "/exchange/data_white",
	                                    "/exchange/data_white_post"};
	static const char *const darks[] = {"/exchange/data_dark", "/exchange/data_dark_pre",
	                                    "/exchange/data_dark_post"};

	p->frames = p->projections = dx_count(file, "/exchange/data");
	for (int i = 0; i < 3; i++) {
		p->flats += dx_count(file, flats[i]);
		p->darks += dx_count(file, darks[i]);
	}
}

/* Projections, flats and darks of an NXtomo stack by its image_key
 * (values out of range are scan_nxtomo.c's to refuse). */
static int
nx_counts(hid_t file, const char *fname, struct tomo_hdf5_pick *p)
{
	char *kp = join(p->stack, "image_key");
	hsize_t d[3];
	int r = 0;
	hid_t k = kp ? tomo_hdf5_open_dims(file, kp, &r, d) : -1;
	char where[4200];
	snprintf(where, sizeof where, "'%s' in '%s'", kp ? kp : "", fname);
	/* A damaged or unwritten image_key can claim any length. */
	int held = k >= 0 && r == 1 && !tomo_hdf5_check_stored(k, (int64_t)d[0], where);
	int32_t *key = held ? malloc((size_t)(d[0] ? d[0] : 1) * sizeof *key) : NULL;
	int rc = TOMO_OK;

	if (k >= 0 && r == 1 && !held) {
		rc = TOMO_ERR;
	} else if (!key || H5Dread(k, H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, key) < 0) {
		rc = kp && k >= 0 && key ? tomo_error(TOMO_ERR, "cannot read '%s' in '%s': %s", kp,
		                                      fname, tomo_hdf5_msg())
		                         : oom();
	} else {
		p->frames = (int64_t)d[0];
		for (hsize_t i = 0; i < d[0]; i++) {
			p->projections += key[i] == 0;
			p->flats += key[i] == 1;
			p->darks += key[i] == 2;
		}
	}
	if (k >= 0)
		H5Dclose(k);
	free(key);
	free(kp);
	return rc;
}

/* ---- Datasets that could be read: for picking the only one, and for
 * messages listing them. */

struct listing {
	char text[600];
	int shown, more, visited;
	const char *prefix;
	int n, ntomo;        /* distinct candidates; those with tomo_* attributes */
	char *one, *one_tomo; /* the first of each, malloc'd */
	unsigned long fileno[MAX_SEEN];
	unsigned char id[MAX_SEEN][16];
	int nseen;
};

/* Whether this object was counted already (a second link to it). */
static int
seen_before(struct listing *l, hid_t o)
{
	unsigned char id[16] = {0};
	unsigned long fileno;
#if H5_VERSION_GE(1, 12, 0)
	H5O_info2_t oi;
	if (H5Oget_info3(o, &oi, H5O_INFO_BASIC) < 0)
		return 0;
	memcpy(id, &oi.token, sizeof oi.token < sizeof id ? sizeof oi.token : sizeof id);
#else
	H5O_info_t oi;
	if (H5Oget_info2(o, &oi, H5O_INFO_BASIC) < 0)
		return 0;
	memcpy(id, &oi.addr, sizeof oi.addr);
#endif
	fileno = oi.fileno;
	for (int i = 0; i < l->nseen; i++)
		if (l->fileno[i] == fileno && !memcmp(l->id[i], id, sizeof id))
			return 1;
	if (l->nseen < MAX_SEEN) {
		l->fileno[l->nseen] = fileno;
		memcpy(l->id[l->nseen++], id, sizeof id);
	}
	return 0;
}

static herr_t
on_tomo_attr(hid_t o, const char *key, const H5A_info_t *info, void *data)
{
	(void)o;
	(void)info;
	(void)data;
	return !strncmp(key, "tomo_", 5);
}

static herr_t
on_link(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
	struct listing *l = data;
	hsize_t d[3];
	hid_t o, sp;
	int r;

	(void)info;
	if (++l->visited > MAX_LIST)
		return 1;
	if ((o = H5Oopen(g, name, H5P_DEFAULT)) < 0)
		return 0;
	if (H5Iget_type(o) != H5I_DATASET || !tomo_hdf5_numeric(o)) {
		H5Oclose(o);
		return 0;
	}
	sp = H5Dget_space(o);
	r = sp < 0 ? -1 : H5Sget_simple_extent_ndims(sp);
	if (r >= 2 && r <= 3 && H5Sget_simple_extent_dims(sp, d, NULL) == r) {
		if (l->shown == 4) {
			l->more = 1;
		} else {
			size_t n = strlen(l->text);
			char shape[80];
			if (r == 3)
				snprintf(shape, sizeof shape, "%llux%llux%llu", (unsigned long long)d[0],
				         (unsigned long long)d[1], (unsigned long long)d[2]);
			else
				snprintf(shape, sizeof shape, "%llux%llu", (unsigned long long)d[0],
				         (unsigned long long)d[1]);
			snprintf(l->text + n, sizeof l->text - n, "%s%s/%s (%s)", l->shown ? ", " : "",
			         l->prefix, name, shape);
			l->shown++;
		}
		if (!seen_before(l, o)) {
			int tomo = H5Aiterate2(o, H5_INDEX_NAME, H5_ITER_INC, NULL, on_tomo_attr,
			                       NULL) > 0;
			if (!l->n++)
				l->one = join(l->prefix, name);
			if (tomo && !l->ntomo++)
				l->one_tomo = join(l->prefix, name);
		}
	}
	if (sp >= 0)
		H5Sclose(sp);
	H5Oclose(o);
	return 0;
}

/* Visit the datasets under group into l (zeroed here). */
static void
list_under(hid_t file, const char *group, struct listing *l)
{
	hid_t g = H5Gopen2(file, group, H5P_DEFAULT);

	memset(l, 0, sizeof *l);
	l->prefix = strcmp(group, "/") ? group : "";
	if (g < 0)
		return;
	H5Lvisit(g, H5_INDEX_NAME, H5_ITER_INC, on_link, l);
	H5Gclose(g);
}

static const char *
listing_text(const struct listing *l)
{
	static _Thread_local char out[700];

	out[0] = 0;
	if (l->shown)
		snprintf(out, sizeof out, "; datasets of 2 or 3 dimensions there: %s%s", l->text,
		         l->more ? ", ..." : "");
	return out;
}

const char *
tomo_hdf5_list_datasets(hid_t file, const char *group)
{
	static _Thread_local struct listing l;

	list_under(file, group, &l);
	free(l.one);
	free(l.one_tomo);
	return listing_text(&l);
}

/* No scan: the file's one dataset (or one of ours), else /data. */
static int
pick_only(hid_t file, const char *fname, struct tomo_hdf5_pick *p)
{
	static _Thread_local struct listing l;
	int rc = TOMO_OK;

	list_under(file, "/", &l);
	if (l.n == 1)
		p->dataset = l.one ? strdup(l.one) : NULL;
	else if (l.ntomo == 1)
		p->dataset = l.one_tomo ? strdup(l.one_tomo) : NULL;
	else if (H5Lexists(file, "/data", H5P_DEFAULT) > 0)
		p->dataset = strdup("/data"); /* what tomo writes by default */
	else if (!l.n)
		rc = tomo_error(TOMO_ERR,
		                "'%s' holds no dataset of 2 or 3 dimensions (and is no DXchange "
		                "or NXtomo scan): name one as '%s:/PATH'",
		                fname, fname);
	else
		rc = tomo_error(TOMO_ERR,
		                "no dataset named for '%s', which is no DXchange or NXtomo scan "
		                "and holds %d: name one as '%s:/PATH'%s",
		                fname, l.n, fname, listing_text(&l));
	free(l.one);
	free(l.one_tomo);
	if (!rc && !p->dataset)
		rc = oom();
	return rc;
}

static int
is_dxchange(hid_t file)
{
	return H5Lexists(file, "/exchange", H5P_DEFAULT) > 0 &&
	       H5Lexists(file, "/exchange/data", H5P_DEFAULT) > 0;
}

const char *
tomo_scan_layout_name(enum tomo_scan_layout l)
{
	switch (l) {
	case TOMO_SCAN_DXCHANGE: return "DXchange";
	case TOMO_SCAN_NXTOMO: return "NXtomo";
	default: return "plain";
	}
}

void
tomo_hdf5_pick_free(struct tomo_hdf5_pick *p)
{
	free(p->dataset);
	free(p->stack);
	free(p->entry);
	memset(p, 0, sizeof *p);
}

int
tomo_hdf5_pick(hid_t file, const char *fname, const char *named, struct tomo_hdf5_pick *p)
{
	int rc = TOMO_OK;

	memset(p, 0, sizeof *p);
	if (named) {
		const char *n = named;
		while (*n == '/')
			n++;
		if (!(p->dataset = strdup(named)))
			return oom();
		if (!strcmp(n, "exchange/data") && is_dxchange(file)) {
			p->layout = TOMO_SCAN_DXCHANGE;
		} else if (!strcmp(tomo_hdf5_basename(n), "data")) {
			/* Named beside its image_key: the NXtomo stack itself. */
			char *parent = tomo_hdf5_parent(n);
			if (parent && stack_group(file, parent)) {
				p->layout = TOMO_SCAN_NXTOMO;
				p->stack = parent;
				p->entry = top_group(parent);
			} else {
				free(parent);
			}
		}
	} else if (is_dxchange(file)) {
		p->layout = TOMO_SCAN_DXCHANGE;
		p->dataset = strdup("/exchange/data");
	} else if (find_nxtomo(file, &p->stack, &p->entry)) {
		p->layout = TOMO_SCAN_NXTOMO;
		p->dataset = p->stack ? join(p->stack, "data") : NULL;
	} else {
		rc = pick_only(file, fname, p);
	}
	if (!rc && (!p->dataset || (p->layout == TOMO_SCAN_NXTOMO && (!p->stack || !p->entry))))
		rc = oom();
	if (!rc && p->layout == TOMO_SCAN_DXCHANGE)
		dx_counts(file, p);
	if (!rc && p->layout == TOMO_SCAN_NXTOMO)
		rc = nx_counts(file, fname, p);
	if (rc)
		tomo_hdf5_pick_free(p);
	return rc;
}
