#!/usr/bin/env bats
# tomo-bench: the JSON document (every stage, positive figures, medians
# and throughputs consistent with the times and sizes), the table, stage
# selection, devices, usage errors, and that the measuring is in the tool,
# not in libtomo. Nothing here asserts a time.

load helpers

setup() {
	T=$BATS_TEST_TMPDIR
	# tomo-bench's scratch files (mmap, processes) go here.
	mkdir -p "$T/scratch"
	export TMPDIR=$T/scratch
}

# Every row's stage name, by group, on the CPU and on the GPU.
CPU_STAGES="memory-copy memory-triad memory-read lerp-peak flat-field paganin fbp-filter
backprojection fourier pipeline processes pipe mmap-read"
GPU_STAGES="lerp-peak flat-field paganin fbp-filter backprojection fourier pipeline processes
copy-h2d-pageable copy-h2d-pinned copy-h2d-mapped copy-d2h-pageable copy-d2h-pinned
copy-d2h-mapped copy-d2d overlap-1-stream overlap-2-streams"

# Check the JSON in $T/out.json: $1 the CPU stages expected, $2 the GPU
# stages expected (each exactly once; without a usable GPU, none, and the
# GPU stages asked for listed once as skipped), $3 the number of timed runs.
check_json() {
	"$PY" - "$T/out.json" "$1" "$2" "$3" "${TOMO_REQUIRE_GPU:-0}" <<'EOF'
import json, math, statistics, sys
doc = json.load(open(sys.argv[1]))
cpu, gpu, repeat, need_gpu = sys.argv[2].split(), sys.argv[3].split(), int(sys.argv[4]), sys.argv[5] == "1"
m = doc["machine"]
assert m["cpu"] and m["cores"] >= 1 and m["date"].endswith("Z"), m
assert len(m["load_average"]) == 3, m
rows = doc["rows"]
seen = sorted((r["device"], r["stage"]) for r in rows)
if gpu and not m["gpu_usable"] and not need_gpu:
    # No GPU here: no GPU row; the stages are skipped once, with the reason.
    sk = doc["skipped"]
    assert len(sk) == 1 and sk[0]["device"] == "gpu", sk
    assert sk[0]["reason"] == m["gpu_reason"] and m["gpu_reason"], (sk, m)
    assert sk[0]["stages"] and set(sk[0]["stages"]) <= set(doc["config"]["stages"]), sk
    gpu = []
else:
    assert doc["skipped"] == [], doc["skipped"]
want = sorted([("cpu", s) for s in cpu] + [("gpu", s) for s in gpu])
assert seen == want, (seen, want)
for r in rows:
    where = r["device"] + " " + r["stage"]
    for k in ("stage", "group", "device", "size", "params", "status", "median_s", "times_s",
              "throughput", "throughput_unit", "ceiling", "ceiling_unit", "ceiling_name",
              "fraction"):
        assert k in r, (where, k)
    assert r["status"] == "ok", (where, r["status"], r["reason"])
    t = r["times_s"]
    assert len(t) == repeat and all(x > 0 for x in t), (where, t)
    assert math.isclose(r["median_s"], statistics.median(t), rel_tol=1e-6), where
    assert r["throughput"] > 0 and r["throughput_unit"], where
    if r["ceiling"] is not None:
        assert r["ceiling"] > 0 and r["ceiling_unit"] == r["throughput_unit"], where
        assert r["ceiling_name"], where
        assert math.isclose(r["fraction"], r["throughput"] / r["ceiling"], rel_tol=1e-6), where
    else:
        assert r["fraction"] is None, where
    # The throughput is the work of one run over the median, in its unit.
    p, med, thr = r["params"], r["median_s"], r["throughput"]
    work = None
    if r["stage"] in ("backprojection", "fourier") or r["group"] in ("pipeline", "processes"):
        work = p["angles"] * p["columns"] ** 2 * p["rows"] * 1e-9
        assert r["throughput_unit"] == "GUPS", where
    elif r["stage"] == "flat-field":
        assert p["bytes_in"] == 2 * p["projections"] * p["columns"] * p["rows"], where
        assert p["bytes_out"] == 2 * p["bytes_in"], where
        work = (p["bytes_in"] + p["bytes_out"]) * 1e-9
    elif r["stage"] == "paganin":
        work = p["projections"]
        assert r["throughput_unit"] == "projections/s", where
    elif r["stage"] == "fbp-filter":
        work = p["angles"] * p["rows"] * 1e-6
        assert r["throughput_unit"] == "Mlines/s", where
    elif r["group"] in ("pipe", "mmap"):
        work = p["bytes"] * 1e-9
    elif r["group"] == "memory":
        work = p["bytes_moved"] * 1e-9
    if work is not None:
        assert math.isclose(thr * med, work, rel_tol=1e-6), (where, thr * med, work)
print(len(rows), "rows")
EOF
}

@test "--quick --json: one document, every stage on both devices, figures consistent" {
	run --separate-stderr tomo-bench --quick --json --device auto
	assert_success
	printf '%s\n' "$output" >"$T/out.json"
	run check_json "$CPU_STAGES" "$GPU_STAGES" 3
	assert_success
	# The configuration and the stages asked for are recorded.
	pyc "
import json
d = json.load(open('$T/out.json'))
c = d['config']
assert c['repeat'] == 3 and c['warmup'] == 1 and c['devices'] == ['cpu', 'gpu'], c
assert len(c['stages']) == 13 and d['tool'] == 'tomo-bench', c
# Ceilings are named: memory bandwidth for memory-bound stages, the
# back-projection's arithmetic peak for reconstruction, FFTW for filters.
by = {(r['device'], r['stage']): r for r in d['rows']}
assert by['cpu', 'flat-field']['ceiling_name'] == 'memory-copy'
assert by['cpu', 'mmap-read']['ceiling_name'] == 'memory-read'
assert by['cpu', 'backprojection']['ceiling_name'] == 'lerp-peak'
assert by['cpu', 'backprojection']['ceiling'] == by['cpu', 'lerp-peak']['throughput']
assert by['cpu', 'paganin']['ceiling_name'] == 'fftw-only'
assert by['cpu', 'fbp-filter']['ceiling_name'] == 'fftw-only'
# The Fourier method: its grid and kernel recorded, its transforms the ceiling.
f = by['cpu', 'fourier']
assert f['ceiling_name'] == 'fftw-only' and f['params']['grid'] == 512, f
assert f['params']['kernel_width'] == 4 and f['params']['padded'] >= 512, f"
}

@test "the table: a header and one line per stage and device that ran" {
	run --separate-stderr tomo-bench --quick --device auto
	assert_success
	[[ ${lines[0]} =~ ^stage\ +device\ +size\ +median\ +throughput\ +ceiling\ +fraction$ ]] ||
		fail "header: ${lines[0]}"
	# Without a GPU: one note on stderr, no GPU line.
	local gpu_stages=$GPU_STAGES
	if [ -n "$stderr" ]; then
		[[ $stderr =~ ^tomo-bench:\ note:\ no\ GPU:\ .+\;\ GPU\ stages\ skipped$ ]] ||
			fail "stderr: $stderr"
		gpu_stages=
	fi
	local s n
	for s in $CPU_STAGES; do
		n=$(printf '%s\n' "${lines[@]}" | grep -cE "^$s +cpu ")
		[ "$n" -eq 1 ] || fail "$s cpu: $n lines"
	done
	for s in $gpu_stages; do
		n=$(printf '%s\n' "${lines[@]}" | grep -cE "^$s +gpu ")
		[ "$n" -eq 1 ] || fail "$s gpu: $n lines"
	done
	[ ${#lines[@]} -eq $((1 + $(echo $CPU_STAGES $gpu_stages | wc -w))) ] ||
		fail "${#lines[@]} lines: $output"
	# A measured CPU row: a time, a throughput with its unit, a fraction.
	printf '%s\n' "${lines[@]}" |
		grep -qE '^backprojection +cpu +256 ang x 256\^2 x 16 +[0-9.]+ [mu]?s +[0-9.]+ GUPS +[0-9.]+ \(lerp-peak\) +[0-9.]+$' ||
		fail "no backprojection row as expected in: $output"
}

@test "--stages picks stages; --device cpu leaves the GPU out; --repeat counts runs" {
	run --separate-stderr tomo-bench --quick --json --device cpu --stages flat,pipe,memory \
		--repeat 4
	assert_success
	printf '%s\n' "$output" >"$T/out.json"
	run check_json "memory-copy memory-triad memory-read flat-field pipe" "" 4
	assert_success
	run --separate-stderr tomo-bench --quick --device cpu --stages backproject
	assert_success
	[ ${#lines[@]} -eq 2 ] || fail "$output"
	[[ ${lines[1]} == backprojection* ]] || fail "$output"
}

@test "sizes from the options are the sizes measured" {
	run --separate-stderr tomo-bench --quick --json --device cpu --stages backproject,flat,paganin \
		--size 96 --angles 40 --rows 3 --projections 2
	assert_success
	pyc "
import json
rows = {r['stage']: r for r in json.loads(sys.argv[1])['rows']}
bp, fl, pg = rows['backprojection'], rows['flat-field'], rows['paganin']
assert (bp['params']['angles'], bp['params']['columns'], bp['params']['rows']) == (40, 96, 3), bp
assert fl['params']['bytes_in'] == 2 * 96 * 3 * 40, fl
assert pg['params']['projections'] == 2 and pg['params']['columns'] == 96, pg
assert pg['size'] == '96x96x2' and fl['size'] == '96x3x40', (pg['size'], fl['size'])" "$output"
}

@test "--device gpu: GPU rows only, or exit 3 without a GPU" {
	run_gpu tomo-bench --quick --json --stages copy,lerp
	assert_success
	printf '%s\n' "$output" >"$T/out.json"
	TOMO_REQUIRE_GPU=1 run check_json "" "lerp-peak copy-h2d-pageable copy-h2d-pinned
		copy-h2d-mapped copy-d2h-pageable copy-d2h-pinned copy-d2h-mapped copy-d2d" 3
	assert_success
}

@test "no GPU: one note says why, only the rows that ran, the GPU stages skipped once" {
	# No device visible: the same as a machine without a GPU.
	export CUDA_VISIBLE_DEVICES=
	run --separate-stderr tomo-bench --quick --json --device auto --stages overlap,paganin,copy \
		--size 64
	assert_success
	pyc "
import json
d = json.loads(sys.argv[1])
m = d['machine']
assert not m['gpu_usable'] and m['gpu_reason'], m
assert [(r['device'], r['stage']) for r in d['rows']] == [('cpu', 'paganin')], d['rows']
assert d['skipped'] == [{'device': 'gpu', 'reason': m['gpu_reason'],
                         'stages': ['paganin', 'copy', 'overlap']}], d['skipped']
assert sys.argv[2] == 'tomo-bench: note: no GPU: %s; GPU stages skipped' % m['gpu_reason'], \
    sys.argv[2]" "$output" "$stderr"
	# The table: the CPU row alone; -q keeps the note back.
	run --separate-stderr tomo-bench -q --quick --device auto --stages overlap,paganin,copy \
		--size 64
	assert_success
	[ -z "$stderr" ] || fail "stderr with -q: $stderr"
	[ ${#lines[@]} -eq 2 ] && [[ ${lines[1]} == "paganin "*" cpu "* ]] || fail "$output"
	# --device cpu asks for no GPU stage: nothing to say.
	run --separate-stderr tomo-bench --quick --device cpu --stages copy,pipe
	assert_success
	[ -z "$stderr" ] || fail "stderr with --device cpu: $stderr"
}

@test "usage errors exit 2 with one error line" {
	local bad
	for bad in "--stages bogus" "--stages flat,,nope" "--size 0" "--size x" "--repeat 0" \
		"--repeat 65" "--bytes 1k" "--angles -3" "--device tpu" "extra"; do
		run tomo-bench $bad
		[ "$status" -eq 2 ] || fail "$bad: exit $status: $output"
		assert_one_error_line tomo-bench
	done
	run tomo-bench --stages bogus
	assert_output --partial "unknown stage 'bogus'"
}

@test "a run leaves nothing behind in TMPDIR" {
	run --separate-stderr tomo-bench --quick --device cpu --stages mmap,processes
	assert_success
	[ -z "$(ls -A "$T/scratch")" ] || fail "left: $(ls -A "$T/scratch")"
}

@test "a stage that fails: its row says why, the others are reported, exit 1" {
	TMPDIR=$T/missing run --separate-stderr tomo-bench --quick --json --device cpu \
		--stages mmap,pipe
	[ "$status" -eq 1 ] || fail "exit $status"
	[ "$stderr" = "tomo-bench: error: 1 stage failed (its row says why)" ] || fail "$stderr"
	pyc "
import json
rows = {r['stage']: r for r in json.loads(sys.argv[1])['rows']}
assert rows['mmap-read']['status'] == 'failed', rows
assert 'cannot create a file in $T/missing' in rows['mmap-read']['reason'], rows
assert rows['pipe']['status'] == 'ok' and rows['pipe']['throughput'] > 0, rows" "$output"
}

@test "the measuring is the tool's: libtomo has no bench code" {
	command -v nm >/dev/null || skip "no nm"
	local lib=$BUILD_DIR/lib
	[ -f "$lib/libtomo.a" ] && [ -f "$lib/libtomo.so" ] || skip "libtomo not built in $lib"
	run sh -c "nm -D --defined-only '$lib/libtomo.so' | grep -i bench"
	[ -z "$output" ] || fail "libtomo.so exports: $output"
	run sh -c "nm '$lib/libtomo.a' | grep -i bench_"
	[ -z "$output" ] || fail "libtomo.a has: $output"
	# The tool has it.
	nm "$BUILD_DIR/bin/tomo-bench" | grep -q ' T tomo_bench_run$'
}
