/* Unit tests of the helpers every stage's tool shares (lib/header.c): the
 * stream contract (one wording for a refused kind or quantity) and the
 * choice of projection angles (file, range, stream, default). */
#include "tomo/err.h"
#include "tomo/header.h"
#include "unit.h"

static const unsigned fbp_kinds = TOMO_KINDS(TOMO_KIND_PROJECTIONS) | TOMO_KINDS(TOMO_KIND_SINOGRAMS);
static const unsigned fbp_quantities =
	TOMO_QUANTITIES(TOMO_QUANTITY_TRANSMISSION) | TOMO_QUANTITIES(TOMO_QUANTITY_LINE_INTEGRAL);

static int
accept(enum tomo_kind k, enum tomo_quantity q)
{
	struct tomo_header h;
	tomo_header_init(&h);
	h.kind = k;
	h.quantity = q;
	int rc = tomo_stream_accept(&h, "in.nrrd", "tomo-x", fbp_kinds, fbp_quantities);
	tomo_header_free(&h);
	return rc;
}

static void
test_accept(void)
{
	CHECK(accept(TOMO_KIND_PROJECTIONS, TOMO_QUANTITY_TRANSMISSION) == TOMO_OK, "refused");
	CHECK(accept(TOMO_KIND_SINOGRAMS, TOMO_QUANTITY_LINE_INTEGRAL) == TOMO_OK, "refused");
	CHECK(accept(TOMO_KIND_UNKNOWN, TOMO_QUANTITY_UNKNOWN) == TOMO_OK, "unknown refused");
	CHECK(accept(TOMO_KIND_VOLUME, TOMO_QUANTITY_UNKNOWN) == TOMO_ERR, "a volume taken");
	CHECK(!strcmp(tomo_errmsg(), "in.nrrd holds a volume (tomo_kind volume); tomo-x takes "
	                             "projections or sinograms"),
	      "message: %s", tomo_errmsg());
	CHECK(accept(TOMO_KIND_PROJECTIONS, TOMO_QUANTITY_COUNTS) == TOMO_ERR, "counts taken");
	CHECK(strstr(tomo_errmsg(), "run tomo-flat first") &&
	              strstr(tomo_errmsg(), "tomo-x takes transmission or line-integral"),
	      "message: %s", tomo_errmsg());
	CHECK(accept(TOMO_KIND_PROJECTIONS, TOMO_QUANTITY_ATTENUATION) == TOMO_ERR,
	      "attenuation taken");
	CHECK(strstr(tomo_errmsg(), "attenuation, a reconstruction") != NULL, "message: %s",
	      tomo_errmsg());
}

static void
test_choose(void)
{
	struct tomo_header h;
	double *deg, file[4] = {1, 2, 3, 4}, stream[3] = {10, 20, 30};
	struct tomo_angle_source s = {0};

	tomo_header_init(&h);
	/* default: 0:180 evenly */
	CHECK(tomo_angles_choose(&s, &h, "in", 4, &deg) == TOMO_OK, "%s", tomo_errmsg());
	CHECK(deg[0] == 0 && deg[1] == 45 && deg[3] == 135, "default %g %g %g", deg[0], deg[1],
	      deg[3]);
	free(deg);
	/* the stream's, when it lists them; a count that differs names both */
	tomo_header_set_angles(&h, stream, 3);
	CHECK(tomo_angles_choose(&s, &h, "in", 3, &deg) == TOMO_OK && deg[2] == 30, "stream");
	free(deg);
	CHECK(tomo_angles_choose(&s, &h, "in", 4, &deg) == TOMO_ERR && !deg, "3 for 4 taken");
	CHECK(strstr(tomo_errmsg(), "lists 3 angles") && strstr(tomo_errmsg(), "4 projections"),
	      "message: %s", tomo_errmsg());
	/* a range wins over the stream */
	s.have_range = 1, s.range[0] = 0, s.range[1] = 360;
	CHECK(tomo_angles_choose(&s, &h, "in", 4, &deg) == TOMO_OK && deg[1] == 90, "range");
	free(deg);
	/* a file wins over both; its count must match */
	s.file = "a.txt", s.file_deg = file, s.file_n = 4, s.file_total = 4;
	CHECK(tomo_angles_choose(&s, &h, "in", 4, &deg) == TOMO_OK && deg[3] == 4, "file");
	free(deg);
	CHECK(tomo_angles_choose(&s, &h, "in", 3, &deg) == TOMO_ERR && !deg, "4 for 3 taken");
	CHECK(strstr(tomo_errmsg(), "a.txt holds 4 angles but in has 3 projections") != NULL,
	      "message: %s", tomo_errmsg());
	tomo_header_free(&h);
}

UNIT_MAIN(T(test_accept), T(test_choose))
