# shellcheck shell=bash
# peers.sh: functions shared by the scripts that run gigadex against its
# peers (bench-peers.sh, flood-pairs.sh, perf-flood.sh). Source it from the
# repository's root, with $work a scratch directory and pids=() declared
# (or call scratch first).

# scratch NAME: a scratch directory in $work, and the servers started in
# pids, both cleaned up when the script exits.
scratch() {
	work=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
	pids=()
	trap 'kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
}

# start_server NAME CMD... : starts CMD in the background, output in
# $work/NAME.log, and waits for its "listening on HOST:PORT" line; sets addr.
addr=
start_server() {
	local name=$1 i
	shift
	"$@" >"$work/$name.log" 2>&1 &
	pids+=($!)
	for i in $(seq 100); do
		addr=$(sed -n 's/^listening on //p' "$work/$name.log" | head -n 1)
		[ -n "$addr" ] && return 0
		kill -0 "${pids[-1]}" 2>/dev/null || break
		sleep 0.05
	done
	echo "${0##*/}: $name did not start:" >&2
	cat "$work/$name.log" >&2
	exit 1
}

# build_peers: sets gigadex to $GIGADEX, or to a build of this tree in
# $work, and rust_peer to the Rust peer, built offline from Debian's crates
# (scripts/install-deps.sh installs them).
build_peers() {
	gigadex=${GIGADEX:-}
	if [ -z "$gigadex" ]; then
		gigadex=$work/gigadex
		go build -o "$gigadex" .
	fi
	(cd rust && CARGO_TARGET_DIR=target cargo build --release --offline --locked -p rust-peer --quiet)
	rust_peer=rust/target/release/rust-peer
}

# build_floors: sets pump to the raw echo pump (scripts/rawpump.c, built
# with cc) and floor to the Go floors (scripts/gofloor.go), both in $work.
build_floors() {
	pump=$work/rawpump
	cc -O2 -pthread -o "$pump" scripts/rawpump.c
	floor=$work/gofloor
	go build -o "$floor" scripts/gofloor.go
}
