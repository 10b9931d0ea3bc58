# check STATUS WHAT: counts a passed (STATUS 0) or failed step in the
# suite's $pass / $fail, printing "FAIL WHAT" on stderr for a failure.
check() {
	if [ "$1" = 0 ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL $2" >&2
	fi
}
