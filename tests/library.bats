#!/usr/bin/env bats
# libtomo's layering, checked on this build (tests/check-layers): no two
# library files call each other in a circle.

load helpers

@test "no two library files call each other in a circle" {
	command -v nm >/dev/null || skip "no nm"
	[ -d "$BUILD_DIR/obj/lib" ] || skip "no objects in $BUILD_DIR/obj/lib"
	run "$PY" "$TOMO_ROOT/tests/check-layers" --calls "$BUILD_DIR"
	[ "$status" -eq 0 ] || fail "$output"
}
