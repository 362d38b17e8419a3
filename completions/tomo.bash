# bash completion for the tomo-* tools.
# Driven at completion time by `TOOL --list-options` (lines
# "--name<TAB>METAVAR<TAB>help"): nothing here is maintained per tool except
# the list of names at the bottom. A METAVAR with '|' lists the choices to
# offer (auto|cpu|gpu); PATH-, FILE- and DIR-like metavars complete files.
# Works with or without the bash-completion package.

# The option table of tool $1 as "name<TAB>metavar" lines, or nothing.
_tomo_options()
{
	local line name meta rest
	while IFS= read -r line; do
		[[ $line == --* ]] || continue
		name=${line%%$'\t'*}
		rest=${line#*$'\t'}
		meta=${rest%%$'\t'*}
		[[ $rest == "$line" ]] && meta=
		printf '%s\t%s\n' "$name" "$meta"
	done < <("$1" --list-options 2>/dev/null)
	return 0
}

# The long name of short option $2 (e.g. -o -> --output) from $1 --help.
_tomo_long_of()
{
	local line
	while IFS= read -r line; do
		if [[ $line =~ ^[[:space:]]+$2,[[:space:]]+(--[A-Za-z0-9-]+) ]]; then
			printf '%s\n' "${BASH_REMATCH[1]}"
			return
		fi
	done < <("$1" --help 2>/dev/null)
}

# Files, through bash-completion's _filedir when it is loaded.
_tomo_files()
{
	local cur=$1 dirs=$2
	if declare -F _filedir >/dev/null; then
		if [[ $dirs ]]; then _filedir -d; else _filedir; fi
		return
	fi
	compopt -o filenames 2>/dev/null || true
	if [[ $dirs ]]; then
		mapfile -t COMPREPLY < <(compgen -d -- "$cur")
	else
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
	fi
	return 0
}

# Complete the value $2 of an option whose metavar is $1.
_tomo_value()
{
	local meta=$1 cur=$2 c
	local -a choices
	COMPREPLY=()
	case $meta in
	*'|'*)
		IFS='|' read -r -a choices <<<"$meta"
		for c in "${choices[@]}"; do
			[[ $c == "$cur"* ]] && COMPREPLY+=("$c")
		done
		;;
	*DIR*) _tomo_files "$cur" dir ;;
	*PATH* | *FILE* | INPUT | OUTPUT) _tomo_files "$cur" ;;
	esac
	return 0
}

_tomo()
{
	local tool=${COMP_WORDS[0]} cur=${COMP_WORDS[COMP_CWORD]}
	local prev= prev2= opt= val= line name meta
	local -A metas=()
	local -a names=()

	((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
	((COMP_CWORD > 1)) && prev2=${COMP_WORDS[COMP_CWORD - 2]}
	COMPREPLY=()

	# A tool that is not built or not on PATH: plain file completion.
	if ! type -P "$tool" >/dev/null && [[ ! -x $tool ]]; then
		_tomo_files "$cur"
		return 0
	fi
	while IFS=$'\t' read -r name meta; do
		names+=("$name")
		metas[$name]=$meta
	done < <(_tomo_options "$tool")
	if ((${#names[@]} == 0)); then
		_tomo_files "$cur"
		return 0
	fi

	# Where is the value being typed? "--opt=VAL" in one word (when '=' is
	# not a word break), "--opt" "=" "VAL" (when it is), "--opt VAL", "-o VAL".
	if [[ $cur == --*=* ]]; then
		opt=${cur%%=*} val=${cur#*=}
		if [[ ${metas[$opt]+set} && ${metas[$opt]} ]]; then
			_tomo_value "${metas[$opt]}" "$val"
			local i
			for i in "${!COMPREPLY[@]}"; do
				COMPREPLY[i]=$opt=${COMPREPLY[i]}
			done
		fi
		return 0
	elif [[ $cur == = && $prev == --* ]]; then
		opt=$prev val=
	elif [[ $prev == = && $prev2 == --* ]]; then
		opt=$prev2 val=$cur
	elif [[ $prev == --* ]]; then
		opt=$prev val=$cur
	elif [[ $prev == -[A-Za-z0-9] ]]; then
		opt=$(_tomo_long_of "$tool" "$prev") val=$cur
	fi
	if [[ $opt && ${metas[$opt]+set} && ${metas[$opt]} ]]; then
		_tomo_value "${metas[$opt]}" "$val"
		return 0
	fi

	if [[ $cur == -* ]]; then
		for name in "${names[@]}"; do
			[[ $name == "$cur"* ]] && COMPREPLY+=("$name")
		done
		return 0
	fi
	_tomo_files "$cur"
	return 0
}

# The tools; a name not installed yet costs nothing.
complete -F _tomo tomo-info tomo-phantom tomo-flat tomo-phase tomo-fbp tomo-slice tomo-bench
