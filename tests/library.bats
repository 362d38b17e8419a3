#!/usr/bin/env bats
# libtomo's layering and API, checked on this build: no two library files
# call each other in a circle, only the tools include tomo/tool.h
# (tests/check-layers), and libtomo.so exports exactly what the public
# headers declare with TOMO_API (tests/check-exports; check-install does
# the same on the installed files).

load helpers

@test "no two library files call each other in a circle" {
	command -v nm >/dev/null || skip "no nm"
	[ -d "$BUILD_DIR/obj/lib" ] || skip "no objects in $BUILD_DIR/obj/lib"
	run "$PY" "$TOMO_ROOT/tests/check-layers" --calls "$BUILD_DIR"
	[ "$status" -eq 0 ] || fail "$output"
}

@test "tomo/tool.h is included only by tools/, lib/tool.c and lib/opt.c" {
	run "$PY" "$TOMO_ROOT/tests/check-layers" --includes
	[ "$status" -eq 0 ] || fail "$output"
}

@test "libtomo.so exports exactly the TOMO_API declarations of the public headers" {
	command -v nm >/dev/null || skip "no nm"
	[ -f "$BUILD_DIR/lib/libtomo.so" ] || skip "libtomo.so not built in $BUILD_DIR/lib"
	local h headers=()
	for h in "$TOMO_ROOT"/include/tomo/*.h; do
		[ "${h##*/}" = tool.h ] || headers+=("$h")
	done
	run "$PY" "$TOMO_ROOT/tests/check-exports" "$BUILD_DIR/lib/libtomo.so" "${headers[@]}"
	[ "$status" -eq 0 ] || fail "$output"
}
