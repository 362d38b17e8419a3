#!/usr/bin/env bats
# What every tool shares, checked on every executable $BUILD/bin/tomo-*
# (a new tool is covered by being built): --help, --version, usage errors,
# --list-options against the man page and the completions, README, refusal
# to write binary to a terminal, and standard input as '-' or no operand.

load helpers

# Arguments a tool needs besides its input to read a stream from stdin
# (side inputs, required options). A tool that needs some adds a line here.
declare -gA STDIN_ARGS=(
	[tomo-flat]="--flats $TOMO_ROOT/tests/fixtures/flat-8x4.nrrd"
	[tomo-phase]="--delta-beta 100"
)
# What the small input stream holds, per tool ("KIND QUANTITY"); default
# projections of transmission, what most steps take.
declare -gA STDIN_KIND=(
	[tomo-flat]="projections counts"
	[tomo-phase]="projections transmission"
	[tomo-fbp]="projections line-integral"
	[tomo-slice]="volume attenuation"
)

setup() {
	TOOLS=()
	local t
	for t in "$BUILD_DIR"/bin/tomo-*; do
		[ -x "$t" ] && [ -f "$t" ] && TOOLS+=("${t##*/}")
	done
	[ ${#TOOLS[@]} -gt 0 ] || fail "no tools in $BUILD_DIR/bin"
	VERSION=$(cat "$TOMO_ROOT/VERSION")
	T=$BATS_TEST_TMPDIR
	problems=()
}

# Record a problem; report them all at the end of a test.
problem() { problems+=("$*"); }
report() {
	[ ${#problems[@]} -eq 0 ] || fail "$(printf '%s\n' "${problems[@]}")"
}

# The long options of a tool, "--name" per line.
long_options() { "$1" --list-options </dev/null | cut -f1; }

# 1 when the tool writes binary data (it has --output).
writes_binary() { long_options "$1" | grep -qx -- --output; }

# 1 when the tool's usage line names an INPUT operand.
takes_input() { "$1" --help </dev/null | head -n 1 | grep -q 'INPUT'; }

# A small valid stream: 8 columns x 4 rows x 6 planes of float32 holding
# 0.25, 0.5, 0.75, 1 in turn, with the metadata the steps look for.
make_stream() {
	local kind=${1:-projections} quantity=${2:-transmission}
	printf 'NRRD0005\ntype: float\ndimension: 3\nsizes: 8 4 6\nendian: little\n'
	printf 'encoding: raw\ntomo_kind:=%s\ntomo_quantity:=%s\n' "$kind" "$quantity"
	printf 'tomo_angles:=0 30 60 90 120 150\ntomo_pixel_size:=1e-06\n'
	printf 'tomo_energy:=25\ntomo_distance:=0.1\ntomo_center:=4\n\n'
	printf '\x00\x00\x80\x3e\x00\x00\x00\x3f\x00\x00\x40\x3f\x00\x00\x80\x3f%.0s' \
		$(seq 48)
}

@test "every tool: --help exits 0 and shows its usage on stdout" {
	for t in "${TOOLS[@]}"; do
		run --separate-stderr "$t" --help </dev/null
		[ "$status" -eq 0 ] || problem "$t --help: exit $status"
		[[ ${lines[0]} == "Usage: $t "* ]] || problem "$t --help: first line '${lines[0]}'"
		[[ $output == *--help* && $output == *--version* ]] ||
			problem "$t --help: does not list --help and --version"
		[ -z "$stderr" ] || problem "$t --help: wrote to stderr: $stderr"
		run "$t" -h </dev/null
		[ "$status" -eq 0 ] || problem "$t -h: exit $status"
	done
	report
}

@test "every tool: --version prints 'tomo-NAME (tomo) VERSION'" {
	for t in "${TOOLS[@]}"; do
		run --separate-stderr "$t" --version </dev/null
		[ "$status" -eq 0 ] || problem "$t --version: exit $status"
		[ "$output" = "$t (tomo) $VERSION" ] || problem "$t --version: '$output'"
		run "$t" -V </dev/null
		[ "$output" = "$t (tomo) $VERSION" ] || problem "$t -V: '$output'"
	done
	report
}

@test "every tool: an unknown option is a usage error (exit 2, one error first)" {
	for t in "${TOOLS[@]}"; do
		run --separate-stderr "$t" --bogus </dev/null
		[ "$status" -eq 2 ] || problem "$t --bogus: exit $status"
		[ -z "$output" ] || problem "$t --bogus: wrote to stdout: $output"
		local first=${stderr%%$'\n'*}
		[ "$first" = "$t: error: unknown option '--bogus'" ] ||
			problem "$t --bogus: first line '$first'"
	done
	report
}

@test "every tool: --list-options prints name, metavar and help separated by tabs" {
	for t in "${TOOLS[@]}"; do
		run --separate-stderr "$t" --list-options </dev/null
		[ "$status" -eq 0 ] || problem "$t --list-options: exit $status"
		[ ${#lines[@]} -gt 0 ] || problem "$t --list-options: nothing"
		local l
		for l in "${lines[@]}"; do
			[[ $l =~ ^--[a-z0-9][a-z0-9-]*$'\t'[^$'\t']*$'\t'[^$'\t']+$ ]] ||
				problem "$t --list-options: bad line '$l'"
		done
		local o
		for o in --help --version --list-options --verbose --quiet; do
			printf '%s\n' "${lines[@]}" | cut -f1 | grep -qx -- "$o" ||
				problem "$t --list-options: no $o"
		done
		local dups
		dups=$(printf '%s\n' "${lines[@]}" | cut -f1 | sort | uniq -d)
		[ -z "$dups" ] || problem "$t --list-options: repeated $dups"
	done
	report
}

@test "every tool: each long option is accepted by the parser it is listed from" {
	# An option listed but not wired into getopt would be "unknown".
	for t in "${TOOLS[@]}"; do
		local name meta help
		while IFS=$'\t' read -r name meta help; do
			case $name in --help | --version | --list-options) continue ;; esac
			local arg=()
			[ -n "$meta" ] && arg=(x)
			run --separate-stderr "$t" "$name" "${arg[@]}" --help </dev/null
			[[ $stderr == *"unknown option '$name'"* ]] &&
				problem "$t: $name listed but unknown"
		done < <("$t" --list-options </dev/null)
	done
	report
}

@test "every tool: a man page with the standard sections, clean for groff" {
	command -v groff >/dev/null || skip "groff not installed"
	for t in "${TOOLS[@]}"; do
		local m=$TOMO_ROOT/man/$t.1
		[ -f "$m" ] || { problem "$t: no man/$t.1"; continue; }
		local s
		for s in NAME SYNOPSIS DESCRIPTION OPTIONS "INPUT AND OUTPUT" "EXIT STATUS" \
			ENVIRONMENT EXAMPLES "SEE ALSO"; do
			grep -Eq "^\.SH \"?$s\"?\$" "$m" || problem "$t.1: no section $s"
		done
		local out
		out=$(LC_ALL=C.UTF-8 groff -man -ww -z "$m" 2>&1)
		[ -z "$out" ] || problem "$t.1: groff: $out"
	done
	[ -f "$TOMO_ROOT/man/tomo.7" ] || problem "no man/tomo.7"
	report
}

@test "every tool: each long option of --list-options is in its man page" {
	for t in "${TOOLS[@]}"; do
		local m=$TOMO_ROOT/man/$t.1
		[ -f "$m" ] || { problem "$t: no man/$t.1"; continue; }
		# Roff writes a hyphen as \- : compare with the plain text.
		local text o
		text=$(sed 's/\\-/-/g; s/\\f[BIRP]//g' "$m")
		for o in $(long_options "$t"); do
			grep -Eq -- "$o([^a-z0-9-]|\$)" <<<"$text" ||
				problem "$t: $o is not in man/$t.1"
		done
	done
	report
}

@test "every tool: README.md names it and tomo(7) lists it" {
	for t in "${TOOLS[@]}"; do
		grep -q -- "$t" "$TOMO_ROOT/README.md" || problem "README.md does not name $t"
		grep -qF -- "${t//-/\\-}" "$TOMO_ROOT/man/tomo.7" || problem "tomo.7 does not list $t"
	done
	report
}

# Complete "WORDS..." (the last one being typed) with the bash completion.
bash_complete() {
	COMP_WORDS=("$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE="$*"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	_tomo
}

@test "every tool: the bash completion offers each long option and each choice" {
	source "$TOMO_ROOT/completions/tomo.bash"
	for t in "${TOOLS[@]}"; do
		complete -p "$t" 2>/dev/null | grep -q -- '-F _tomo' ||
			problem "completions/tomo.bash: no 'complete -F _tomo' for $t"
		bash_complete "$t" --
		local o
		for o in $(long_options "$t"); do
			printf '%s\n' "${COMPREPLY[@]}" | grep -qx -- "$o" ||
				problem "$t: bash completion does not offer $o"
		done
		# Values: the choices of a METAVAR like auto|cpu|gpu, both forms.
		local name meta help
		while IFS=$'\t' read -r name meta help; do
			[[ $meta == *'|'* ]] || continue
			local want got
			want=$(tr '|' '\n' <<<"$meta" | sort)
			bash_complete "$t" "$name" ""
			got=$(printf '%s\n' "${COMPREPLY[@]}" | sort)
			[ "$got" = "$want" ] || problem "$t $name <TAB>: '$got'"
			bash_complete "$t" "$name" = ""
			got=$(printf '%s\n' "${COMPREPLY[@]}" | sort)
			[ "$got" = "$want" ] || problem "$t $name=<TAB>: '$got'"
		done < <("$t" --list-options </dev/null)
	done
	report
}

@test "bash completion: file values, operands and tools not built" {
	source "$TOMO_ROOT/completions/tomo.bash"
	touch "$T/scan_a.nrrd" "$T/scan_b.h5"
	local t=tomo-info
	bash_complete "$t" "$T/scan_"
	[ "$(printf '%s\n' "${COMPREPLY[@]}" | sort)" = "$T/scan_a.nrrd"$'\n'"$T/scan_b.h5" ] ||
		fail "operand: ${COMPREPLY[*]}"
	# A PATH-like metavar completes files (tools with --output).
	for t in "${TOOLS[@]}"; do
		writes_binary "$t" || continue
		bash_complete "$t" --output "$T/scan_a"
		[ "${COMPREPLY[*]}" = "$T/scan_a.nrrd" ] || problem "$t --output: ${COMPREPLY[*]}"
		bash_complete "$t" -o "$T/scan_a"
		[ "${COMPREPLY[*]}" = "$T/scan_a.nrrd" ] || problem "$t -o: ${COMPREPLY[*]}"
	done
	# A tool missing from PATH falls back to files without an error.
	local PATH=/nonexistent
	run bash_complete tomo-nonexistent "$T/scan_b"
	[ "$status" -eq 0 ] || problem "missing tool: exit $status"
	bash_complete tomo-nonexistent "$T/scan_b"
	[ "${COMPREPLY[*]}" = "$T/scan_b.h5" ] || problem "missing tool: ${COMPREPLY[*]}"
	report
}

@test "every tool: the zsh completion names it and offers each long option" {
	local compdef
	compdef=$(head -n 1 "$TOMO_ROOT/completions/_tomo")
	for t in "${TOOLS[@]}"; do
		[[ " $compdef " == *" $t "* ]] || problem "completions/_tomo: #compdef lacks $t"
	done
	command -v zsh >/dev/null || { report; skip "zsh not installed"; }
	zsh -n "$TOMO_ROOT/completions/_tomo" || problem "_tomo: zsh syntax error"
	# Run the completion function with _arguments replaced by a recorder.
	for t in "${TOOLS[@]}"; do
		local specs
		specs=$(zsh -f -c '
			_arguments() { printf "%s\n" "$@"; }
			_files() { :; }
			_call_program() { shift; eval "$@"; }
			fpath=("$1" $fpath); autoload -Uz _tomo
			words=("$2" --); _tomo' zsh "$TOMO_ROOT/completions" "$t" 2>&1)
		local o
		for o in $(long_options "$t"); do
			grep -Eq -- "^(\([^)]*\))?$o(=|\[)" <<<"$specs" ||
				problem "$t: zsh completion does not offer $o"
		done
	done
	report
}

@test "every tool writing binary data refuses a terminal on stdout (exit 2)" {
	script -qec true /dev/null </dev/null >/dev/null 2>&1 ||
		skip "script(1) cannot open a pseudo-terminal here"
	make_stream > "$T/in.nrrd"
	local n=0
	for t in "${TOOLS[@]}"; do
		writes_binary "$t" || continue
		n=$((n + 1))
		local cmd=("$BUILD_DIR/bin/$t" ${STDIN_ARGS[$t]:-})
		takes_input "$t" && cmd+=("$T/in.nrrd")
		run timeout 60 script -qec "$(printf '%q ' "${cmd[@]}")" /dev/null </dev/null
		[ "$status" -eq 2 ] || problem "$t on a terminal: exit $status: $output"
		[[ $output == *"$t: error: refusing to write binary data to a terminal"* ]] ||
			problem "$t on a terminal: '$output'"
	done
	[ $n -gt 0 ] || skip "no tool writes binary data yet"
	report
}

@test "every tool with an INPUT reads stdin as '-' and with no operand" {
	local n=0
	for t in "${TOOLS[@]}"; do
		takes_input "$t" || continue
		n=$((n + 1))
		local extra=(${STDIN_ARGS[$t]:-})
		make_stream ${STDIN_KIND[$t]:-} > "$T/$t.nrrd"
		"$t" "${extra[@]}" - < "$T/$t.nrrd" > "$T/$t.dash" 2> "$T/$t.err1" ||
			{ problem "$t -: exit $?: $(cat "$T/$t.err1")"; continue; }
		"$t" "${extra[@]}" < "$T/$t.nrrd" > "$T/$t.none" 2> "$T/$t.err2" ||
			{ problem "$t (no operand): exit $?: $(cat "$T/$t.err2")"; continue; }
		[ -s "$T/$t.dash" ] || problem "$t -: no output"
		cmp -s "$T/$t.dash" "$T/$t.none" || problem "$t: '-' and no operand differ"
		if writes_binary "$t"; then
			# Same bytes whether the input is piped or a mapped file.
			"$t" "${extra[@]}" "$T/$t.nrrd" > "$T/$t.file" 2>/dev/null ||
				problem "$t FILE: exit $?"
			cmp -s "$T/$t.dash" "$T/$t.file" || problem "$t: stdin and FILE differ"
		fi
	done
	[ $n -gt 0 ] || skip "no tool takes an INPUT"
	report
}

@test "every tool writing binary data checks -o before it reads its input" {
	make_stream > "$T/in.nrrd"
	mkdir "$T/out.nrrd"
	local n=0
	for t in "${TOOLS[@]}"; do
		writes_binary "$t" || continue
		n=$((n + 1))
		local cmd=("$t" ${STDIN_ARGS[$t]:-}) o want code
		for o in "$T/missing/v.nrrd" "$T/v.nrd" "$T/out.nrrd" "$T/missing/v.h5:/data"; do
			case $o in
			*missing/v.h5*) want="cannot create '$T/missing/v.h5': No such file or directory" code=1 ;;
			*missing*) want="cannot create '$o': No such file or directory" code=1 ;;
			*.nrd) want="'$o': '.nrd' is not a format tomo writes; use .nrrd" code=2 ;;
			*) want="'$o' is a directory" code=1 ;;
			esac
			run_slow_input "$T/in.nrrd" "${cmd[@]}" -o "$o"
			[ "$status" -eq "$code" ] || problem "$t -o $o: exit $status: $output"
			[[ $output == "$t: error: $want"* ]] || problem "$t -o $o: '$output'"
			[ "$(printf '%s\n' "$output" | wc -l)" -eq 1 ] || problem "$t -o $o: '$output'"
			[ "$elapsed_ms" -lt 2000 ] || problem "$t -o $o: failed after $elapsed_ms ms"
		done
	done
	[ $n -gt 0 ] || skip "no tool writes binary data yet"
	[ -z "$(ls "$T/out.nrrd")" ] || problem "files left: $(ls "$T/out.nrrd")"
	report
}

@test "every tool with --device: gpu:N is GPU N (no GPU 7: exit 3, one line); gpu:x is a usage error" {
	# At most one GPU visible: there is no GPU 7, wherever the suite runs.
	export CUDA_VISIBLE_DEVICES=0
	local n=0 v
	for t in "${TOOLS[@]}"; do
		long_options "$t" | grep -qx -- --device || continue
		n=$((n + 1))
		local cmd=("$t" -q ${STDIN_ARGS[$t]:-}) # -q: no warning before the error
		make_stream ${STDIN_KIND[$t]:-} > "$T/$t.nrrd"
		takes_input "$t" && cmd+=("$T/$t.nrrd")
		writes_binary "$t" && cmd+=(-o "$T/$t.out.nrrd")
		for v in "--device gpu:7" "TOMO_DEVICE=gpu:7"; do
			if [[ $v == TOMO_DEVICE=* ]]; then
				TOMO_DEVICE=gpu:7 run --separate-stderr "${cmd[@]}" </dev/null
			else
				run --separate-stderr "${cmd[@]}" $v </dev/null
			fi
			[ "$status" -eq 3 ] || problem "$t $v: exit $status: $stderr"
			[ ${#stderr_lines[@]} -eq 1 ] && [ -z "$output" ] &&
				[[ $stderr == "$t: error: --device gpu:7: no usable GPU ("*")" ]] ||
				problem "$t $v: '$stderr' '$output'"
			[ ! -e "$T/$t.out.nrrd" ] || problem "$t $v: an output was left"
		done
		for v in gpu:x gpu:-1 gpu: gpu:+1 gpu1 tpu; do
			run --separate-stderr "${cmd[@]}" --device "$v" </dev/null
			[ "$status" -eq 2 ] || problem "$t --device $v: exit $status: $stderr"
			[[ ${stderr_lines[0]} == "$t: error: --device: '$v' is not "*gpu:N* ]] ||
				problem "$t --device $v: '${stderr_lines[0]}'"
		done
		TOMO_DEVICE=gpu:x run --separate-stderr "${cmd[@]}" </dev/null
		[ "$status" -eq 2 ] || problem "$t TOMO_DEVICE=gpu:x: exit $status: $stderr"
		[[ ${stderr_lines[0]} == "$t: error: TOMO_DEVICE: 'gpu:x' is not gpu:N"* ]] ||
			problem "$t TOMO_DEVICE=gpu:x: '${stderr_lines[0]}'"
	done
	[ $n -gt 0 ] || skip "no tool has --device"
	report
}

@test "scripts/install-deps waits for a held dpkg lock, says so, and tells apt-get to wait" {
	# Stand-ins for root's tools: every package missing, the lock held
	# for the first two looks, apt-get and sleep recorded.
	local bin=$T/bin
	mkdir "$bin"
	printf '#!/bin/sh\necho 0\n' > "$bin/id"
	printf '#!/bin/sh\nexit 1\n' > "$bin/dpkg-query"
	printf '#!/bin/sh\necho "$DEBIAN_FRONTEND $*" >> "%s"\n' "$T/apt.log" > "$bin/apt-get"
	printf '#!/bin/sh\necho "sleep $*" >> "%s"\n' "$T/apt.log" > "$bin/sleep"
	printf '#!/bin/sh\necho x >> "%s"\n[ $(wc -l < "%s") -le 2 ]\n' "$T/fuser.n" "$T/fuser.n" \
		> "$bin/fuser"
	chmod +x "$bin"/*
	PATH=$bin:$PATH run --separate-stderr "$TOMO_ROOT/scripts/install-deps"
	assert_success
	[[ ${stderr_lines[0]} == "tomo: installing build-essential "* ]] || fail "$stderr"
	[ "${stderr_lines[1]}" = "tomo: another apt or dpkg holds the package lock: waiting for it (up to 10 minutes)" ] ||
		fail "$stderr"
	[ ${#stderr_lines[@]} -eq 2 ] || fail "$stderr"
	run cat "$T/apt.log"
	# Held when asked first and once in the loop: one wait.
	[ "${lines[0]}" = "sleep 2" ] || fail "$output"
	[ "${lines[1]}" = "noninteractive -o DPkg::Lock::Timeout=600 update -qq" ] || fail "$output"
	[[ ${lines[2]} == "noninteractive -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends build-essential "* ]] ||
		fail "$output"
	[ ${#lines[@]} -eq 3 ] || fail "$output"
	# The lock free: no word about it, apt-get still told to wait.
	rm "$T/apt.log"
	printf '#!/bin/sh\nexit 1\n' > "$bin/fuser"
	PATH=$bin:$PATH run --separate-stderr "$TOMO_ROOT/scripts/install-deps"
	assert_success
	[ ${#stderr_lines[@]} -eq 1 ] || fail "$stderr"
	run grep -c "DPkg::Lock::Timeout=600" "$T/apt.log"
	assert_output 2
}
