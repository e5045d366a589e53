# container.sh -- the container image (packaging/docker/Dockerfile) built and run as a user
# would, on a private Docker Engine: it answers a labelled service's name with the service
# container's address through a published port, runs as uid 10053 with no capability, and
# its HEALTHCHECK turns healthy; then the fleetdns service of packaging/docker/compose.yaml,
# run with exactly the settings written there, names that file's two services.
# SPDX-License-Identifier: MIT
#
# No registry is reachable, so the base image (debian:12-slim in the Dockerfile) is made
# here: a Debian 12 minbase tree (cached, tests/pkg/pkglib.sh) imported with `docker import`
# and passed as --build-arg BASE. The build runs with --network host because this test's
# engine has no NAT (--iptables=false); apt in the build reaches the machine's own mirror.
# Needs root, dockerd, debootstrap, busybox-static, dig, curl, python3-yaml. Everything it
# starts is removed at exit, also on failure.
. "$TOP_SRCDIR/tests/lib/tap.sh"
. "$TOP_SRCDIR/tests/pkg/pkglib.sh"

N=fdnspkg
SOCK=/run/$N.sock
PIDFILE=/run/$N.pid
DATA_ROOT=/var/lib/$N
EXEC_ROOT=/run/$N
BRIDGE=br-$N
GATEWAY=172.31.248.1
IMAGE=$N-fleetdns:test
BASE_TAG=$N-debian:12-minbase
ZONE=fleet.internal
WORK=$(mktemp -d /tmp/$N.XXXXXX)
DOCKERD_PID=

dk() { DOCKER_BUILDKIT=0 docker -H "unix://$SOCK" "$@"; }

# unmount_under DIR: everything mounted below DIR (a dockerd that died leaves overlays).
unmount_under() {
    awk -v d="$1/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r |
        while read -r m; do umount -l "$m" 2>/dev/null; done
}

# stop_engine: this test's dockerd (by pid), its mounts, folders and bridge.
stop_engine() {
    local pid=${DOCKERD_PID:-$(cat "$PIDFILE" 2>/dev/null)} i
    if [ -n "$pid" ] && grep -q "$SOCK" "/proc/$pid/cmdline" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null
        for i in $(seq 1 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null
    fi
    unmount_under "$DATA_ROOT"
    unmount_under "$EXEC_ROOT"
    rm -rf "$DATA_ROOT" "$EXEC_ROOT" "$SOCK" "$PIDFILE"
    ip link del "$BRIDGE" 2>/dev/null
}

cleanup() {
    if [ -S "$SOCK" ]; then
        local ids
        ids=$(dk ps -aq 2>/dev/null)
        [ -n "$ids" ] && dk rm -f -v $ids >/dev/null 2>&1
    fi
    stop_engine
    rm -rf "$WORK"
}
trap cleanup EXIT
trap "exit 1" INT TERM HUP

for tool in dockerd docker debootstrap busybox dig curl ip python3 flock; do
    command -v "$tool" >/dev/null || bail "$tool is not installed (scripts/install-deps.sh --test)"
done
[ "$(id -u)" = 0 ] || bail "needs root (its own dockerd, debootstrap)"
python3 -c 'import yaml' 2>/dev/null || bail "python3-yaml is not installed"

# One run at a time on this machine: the names, bridge and subnet above are fixed.
mkdir -p "$PKG_CACHE_DIR"
exec 8>"$PKG_CACHE_DIR/container.lock"
flock 8 || bail "cannot lock $PKG_CACHE_DIR/container.lock"
stop_engine # whatever a crashed run left

VERSION=$(sed -n 's/^AC_INIT(\[fleetdns\], \[\([^]]*\)\].*/\1/p' "$TOP_SRCDIR/configure.ac")
[ -n "$VERSION" ] || bail "no version in configure.ac"
free_port() {
    PYTHONPATH="$TOP_SRCDIR/tests/lib" python3 -c 'import fdnstest; print(fdnstest.free_port())'
}
t_start=$SECONDS

# --- the engine ------------------------------------------------------------------------------
ip link add "$BRIDGE" type bridge && ip addr add "$GATEWAY/24" dev "$BRIDGE" &&
    ip link set "$BRIDGE" up || bail "cannot make bridge $BRIDGE"
# nice: the image build compiles; the rest of the suite may be running beside it.
nice -n 10 dockerd --pidfile "$PIDFILE" -H "unix://$SOCK" --data-root "$DATA_ROOT" \
    --exec-root "$EXEC_ROOT" --bridge "$BRIDGE" --iptables=false --ip-masq=false \
    >"$WORK/dockerd.log" 2>&1 &
DOCKERD_PID=$!
end=$((SECONDS + 30))
while [ "$SECONDS" -lt "$end" ]; do
    [ "$(curl -s --max-time 1 --unix-socket "$SOCK" http://d/_ping 2>/dev/null)" = OK ] && break
    kill -0 "$DOCKERD_PID" 2>/dev/null || break
    sleep 0.1
done
if [ "$(curl -s --max-time 1 --unix-socket "$SOCK" http://d/_ping 2>/dev/null)" != OK ]; then
    sed 's/^/# /' "$WORK/dockerd.log" | tail -20
    bail "dockerd did not start"
fi
SOCK_GID=$(stat -c %g "$SOCK")

# --- the base image and the fleetdns image ---------------------------------------------------
tarball=$(pkg_base_tarball) || bail "no Debian 12 minbase tarball"
t0=$SECONDS
dk import - "$BASE_TAG" <"$tarball" >/dev/null || bail "docker import of $tarball failed"
diag "base image imported in $((SECONDS - t0)) s"

t0=$SECONDS
DOCKER_BUILDKIT=0 timeout 1500 docker -H "unix://$SOCK" build --network host \
    --build-arg BASE="$BASE_TAG" -f "$TOP_SRCDIR/packaging/docker/Dockerfile" -t "$IMAGE" \
    "$TOP_SRCDIR" >"$WORK/build.log" 2>&1
rc=$?
ok "$rc" "docker build -f packaging/docker/Dockerfile --build-arg BASE=<Debian 12> ."
[ "$rc" = 0 ] || { tail -40 "$WORK/build.log" | sed 's/^/# /'; bail "the image did not build"; }
diag "image built in $((SECONDS - t0)) s"

is "$(dk run --rm "$IMAGE" --version 2>&1)" "fleetdns $VERSION" \
    "the image's entry point is fleetdns $VERSION"
is "$(dk image inspect -f '{{.Config.User}}' "$IMAGE")" "10053:10053" \
    "the image runs as 10053:10053"
dk run --rm --entrypoint /bin/sh "$IMAGE" -c \
    'test ! -e /usr/bin/gcc && test ! -e /usr/include/ldns && test ! -e /src' 2>/dev/null
ok $? "the runtime image has no compiler, headers or sources"
out=$(dk run --rm "$IMAGE" --check-config -c /etc/fleetdns/fleetdns.conf 2>&1)
ok $? "the image's /etc/fleetdns/fleetdns.conf passes --check-config"
like "$out" "^fleetdns: configuration OK: 1 zones, [0-9]+ names$" "... and says so"

# --- service containers, as compose.yaml declares them ---------------------------------------
mkdir -p "$WORK/busybox" && cp "$(command -v busybox)" "$WORK/busybox/busybox"
cat >"$WORK/busybox/Dockerfile" <<'EOF'
FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox","--install","-s","/bin"]
RUN ["/bin/sh","-c","mkdir -p /www /tmp && echo ok > /www/index.html"]
HEALTHCHECK --interval=1s --timeout=1s --retries=1 CMD ["/bin/test","-f","/tmp/healthy"]
CMD ["/bin/sh","-c","touch /tmp/healthy; exec httpd -f -p 8080 -h /www"]
EOF
dk build -t "$N-busybox" "$WORK/busybox" >"$WORK/busybox.log" 2>&1 ||
    { sed 's/^/# /' "$WORK/busybox.log"; bail "busybox image did not build"; }

compose_args() { # SERVICE ARGS...: compose.yaml's settings for SERVICE (compose_args.py)
    python3 "$TOP_SRCDIR/tests/pkg/compose_args.py" \
        "$TOP_SRCDIR/packaging/docker/compose.yaml" "$@"
}
for svc in web api; do
    mapfile -t labels < <(compose_args "$svc" --labels)
    n=$(compose_args "$svc" --replicas) || bail "compose.yaml: no service $svc"
    for i in $(seq 1 "$n"); do
        dk run -d --name "$N-$svc-$i" "${labels[@]}" "$N-busybox" >/dev/null ||
            bail "cannot start $N-$svc-$i"
    done
done
ip_of() { # SERVICE: the sorted addresses of its containers
    dk inspect -f '{{.NetworkSettings.IPAddress}}' \
        $(dk ps -q --filter "label=fleetdns.service=$1") | sort | tr '\n' ' '
}
WEB_IPS=$(ip_of web)
API_IPS=$(ip_of api)
diag "web replicas: $WEB_IPS; api: $API_IPS"

# --- fleetdns as a user runs it (docs/container.md) ------------------------------------------
P1=$(free_port)
dk run -d --name "$N-fleetdns" -p "127.0.0.1:$P1:53/udp" -p "127.0.0.1:$P1:53/tcp" \
    -v "$SOCK:/var/run/docker.sock:ro" --group-add "$SOCK_GID" "$IMAGE" >/dev/null ||
    bail "docker run $IMAGE failed"
# ... and the fleetdns service of compose.yaml, with its settings as they are written there.
P2=$(free_port)
H2=$(free_port)
while [ "$H2" = "$P2" ]; do H2=$(free_port); done
mapfile -t cargs < <(compose_args fleetdns --socket "$SOCK" --gid "$SOCK_GID" --prefix "$N-" \
    --port "53/udp=$P2" --port "53/tcp=$P2" --port "9153/tcp=$H2")
[ "${#cargs[@]}" -gt 0 ] || bail "compose.yaml: the fleetdns service cannot be translated"
dk run -d --name "$N-compose" "${cargs[@]}" "$IMAGE" >/dev/null ||
    bail "docker run with compose.yaml's settings failed: ${cargs[*]}"

# answers PORT NAME [+tcp]: the sorted addresses dig gets through the published port.
answers() {
    dig +short +time=1 +tries=1 ${3:-} @127.0.0.1 -p "$1" "$2" A 2>/dev/null | sort | tr '\n' ' '
}
# wait_answer PORT NAME WANT [+tcp]: until NAME answers WANT (30 s at most); prints what it
# got. Every name is waited for: each service's containers turn healthy on their own first
# check (1 s interval), so one service answering says nothing about another.
wait_answer() {
    local got end=$((SECONDS + 30))
    while :; do
        got=$(answers "$1" "$2" "${4:-}")
        [ "$got" = "$3" ] || [ "$SECONDS" -ge "$end" ] && break
        sleep 0.1
    done
    printf '%s' "$got"
}
t0=$SECONDS
is "$(wait_answer "$P1" "web.$ZONE" "$WEB_IPS")" "$WEB_IPS" \
    "web.$ZONE over UDP through the published port: exactly the web containers' addresses"
diag "answered $((SECONDS - t0)) s after docker run"
is "$(answers "$P1" "web.$ZONE" +tcp)" "$WEB_IPS" "... and over TCP"
is "$(wait_answer "$P1" "api.$ZONE" "$API_IPS")" "$API_IPS" \
    "api.$ZONE: the api container's address"
is "$(dig +short @127.0.0.1 -p "$P1" "$ZONE" SOA | awk '{print $1}')" "ns.$ZONE." \
    "$ZONE SOA is fleetdns's own"

# uid_of CONTAINER: the Uid line of its main process, as the host's kernel sees it.
uid_of() {
    awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$(dk inspect -f '{{.State.Pid}}' "$1")/status"
}
capeff_of() {
    awk '/^CapEff:/ { print $2 }' "/proc/$(dk inspect -f '{{.State.Pid}}' "$1")/status"
}
nnp_of() {
    awk '/^NoNewPrivs:/ { print $2 }' "/proc/$(dk inspect -f '{{.State.Pid}}' "$1")/status"
}
is "$(uid_of "$N-fleetdns")" "10053 10053 10053 10053" \
    "fleetdns runs as uid 10053 (real, effective, saved, fs), not 0"
is "$(capeff_of "$N-fleetdns")" "0000000000000000" "... with no effective capability"
is "$(dk top "$N-fleetdns" -eo pid,uid,comm | awk 'NR > 1 { print $2, $3 }')" "10053 fleetdns" \
    "docker top: fleetdns is the container's only process, uid 10053"

# wait_health CONTAINER: its health status once it is healthy or unhealthy (60 s at most).
wait_health() {
    local s end=$((SECONDS + 60))
    while :; do
        s=$(dk inspect -f '{{.State.Health.Status}}' "$1" 2>/dev/null)
        [ "$s" = healthy ] || [ "$s" = unhealthy ] || [ "$SECONDS" -ge "$end" ] && break
        sleep 0.5
    done
    printf '%s' "$s"
}
t0=$SECONDS
is "$(wait_health "$N-fleetdns")" healthy \
    "the image's HEALTHCHECK (fleetdnsctl status) turns healthy"
diag "healthy $((SECONDS - t0)) s after the first answer"
like "$(dk exec "$N-fleetdns" fleetdnsctl services web 2>&1)" "${WEB_IPS%% *}" \
    "docker exec fleetdnsctl services web lists a web replica"

# --- compose.yaml's settings: read-only root, tmpfs, no capability, no-new-privileges --------
is "$(wait_answer "$P2" "web.$ZONE" "$WEB_IPS")" "$WEB_IPS" \
    "compose.yaml's fleetdns: web.$ZONE answers both web replicas"
is "$(wait_answer "$P2" "api.$ZONE" "$API_IPS" +tcp)" "$API_IPS" \
    "compose.yaml's fleetdns: api.$ZONE over TCP"
is "$(uid_of "$N-compose")" "10053 10053 10053 10053" "compose.yaml's fleetdns runs as uid 10053"
is "$(capeff_of "$N-compose")" "0000000000000000" "... with no capability"
is "$(nnp_of "$N-compose")" 1 "... and no-new-privileges"
is "$(curl -s --max-time 5 "http://127.0.0.1:$H2/health")" ok \
    "compose.yaml's fleetdns: /health on the published status port"
is "$(wait_health "$N-compose")" healthy "compose.yaml's fleetdns turns healthy"
dk exec "$N-compose" test -s /var/lib/fleetdns/state
ok $? "compose.yaml's fleetdns writes its state file into the volume"

# The log says nothing went wrong (no warning or error line).
is "$(dk logs "$N-fleetdns" 2>&1 | grep -E '^([^ ]+ )?(warning|error): ' | head -3)" "" \
    "fleetdns logged no warning or error"

diag "container.sh took $((SECONDS - t_start)) s"
done_testing
