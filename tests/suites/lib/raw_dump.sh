# Sourced by suites that compare maps with tests/tools/ktrace. Not a suite.
#
# A pinned map's entries as raw bytes, "key: .. ..  value: .. .." and
# "Found N elements" (what ktrace prints), from `-j map dump`, whatever
# BTF formatting the text dump would do.
raw_dump() {
	"$BPFX" -j map dump pinned "$1" | sed 's/},{"key"/}\n{"key"/g' | awk '
		function bytes(s) { gsub(/"0x|"|,/, " ", s); gsub(/  +/, " ", s);
				    sub(/^ /, "", s); sub(/ $/, "", s); return s }
		match($0, /"key":\[[^]]*\]/) {
			k = substr($0, RSTART + 7, RLENGTH - 8)
			match($0, /"value":\[[^]]*\]/)
			v = substr($0, RSTART + 9, RLENGTH - 10)
			printf "key: %s  value: %s\n", bytes(k), bytes(v); n++ }
		END { printf "Found %d element%s\n", n, n == 1 ? "" : "s" }'
}
