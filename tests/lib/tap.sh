# tap.sh -- TAP output for shell tests: source it, call plan/ok/is, then done_testing.
# SPDX-License-Identifier: MIT
TAP_N=0
TAP_FAILED=0

# ok COND_EXIT_STATUS "description"
ok() {
    local status=$1; shift
    TAP_N=$((TAP_N + 1))
    if [ "$status" -eq 0 ]; then
        echo "ok $TAP_N - $*"
    else
        echo "not ok $TAP_N - $*"
        TAP_FAILED=$((TAP_FAILED + 1))
    fi
}

# is ACTUAL EXPECTED "description": exact string comparison, shows both on failure.
is() {
    local got=$1 want=$2; shift 2
    if [ "$got" = "$want" ]; then
        ok 0 "$*"
    else
        ok 1 "$*"
        printf '#   got:  %s\n#   want: %s\n' "$(printf '%s' "$got" | tr '\n' '|')" \
            "$(printf '%s' "$want" | tr '\n' '|')"
    fi
}

# like ACTUAL REGEX "description"
like() {
    local got=$1 re=$2; shift 2
    if printf '%s' "$got" | grep -Eq -- "$re"; then
        ok 0 "$*"
    else
        ok 1 "$*"
        printf '#   got:  %s\n#   want match: %s\n' "$(printf '%s' "$got" | tr '\n' '|')" "$re"
    fi
}

diag() { printf '# %s\n' "$*"; }

done_testing() {
    echo "1..$TAP_N"
    [ "$TAP_FAILED" -eq 0 ]
}

# bail "reason": a setup failure, reported as a failed test (never as a skip).
bail() {
    echo "Bail out! $*"
    exit 1
}
