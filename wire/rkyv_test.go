package wire_test

// Conformance tests against rkyv itself. rkyv-peer, in the Cargo workspace
// ../rust, is a small Rust program that uses the gigadex-events Message enum
// defined exactly as the Rust crate does and serializes / validates it with
// rkyv 0.7.39. The workspace builds offline from Debian's packaged crates:
//
//	apt-get install -y cargo librust-rkyv-dev librust-bytecheck-dev librust-tokio-dev
//
// The tests are skipped when cargo or those crates are missing, and fail if
// the program does not build when they are present. Build output is cached in
// os.UserCacheDir()/gigadex-rkyv (~/.cache/gigadex-rkyv on Linux), or in
// ../rust/target when there is no cache directory, so only the first
// run pays for compiling rkyv.
//
// A failing random case can be replayed with the seed from the log:
//
//	go test -run Rkyv ./wire/ -rkyv.seed=N

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gigadex/gigadex/internal/testutil"
	"github.com/gigadex/gigadex/wire"
)

var rkyvSeedFlag = flag.Uint64("rkyv.seed", 0, "seed for the rkyv conformance tests (0: time-based)")

// rkyvRandomCount is the number of random messages each direction checks.
const rkyvRandomCount = 4000

const rkyvRegistry = "/usr/share/cargo/registry"

var rkyvBuild struct {
	once sync.Once
	bin  string
	skip string
	err  error
	took time.Duration
	dir  string
}

// rkyvPeer returns the path of the built rkyv peer program, building it on
// first use.
func rkyvPeer(t *testing.T) string {
	t.Helper()
	rkyvBuild.once.Do(buildRkyvPeer)
	if rkyvBuild.skip != "" {
		testutil.SkipInterop(t, rkyvBuild.skip)
	}
	if rkyvBuild.err != nil {
		t.Fatal(rkyvBuild.err)
	}
	t.Logf("rkyv peer %s (cargo build %v, target dir %s)", rkyvBuild.bin, rkyvBuild.took.Round(time.Millisecond), rkyvBuild.dir)
	return rkyvBuild.bin
}

func buildRkyvPeer() {
	b := &rkyvBuild
	cargo, err := exec.LookPath("cargo")
	if err != nil {
		b.skip = "cargo not on PATH; to run the rkyv conformance tests: apt-get install -y cargo librust-rkyv-dev librust-bytecheck-dev librust-tokio-dev"
		return
	}
	for _, pat := range []string{"rkyv-0.7.*", "bytecheck-0.6.*", "tokio-1.*"} {
		if m, _ := filepath.Glob(filepath.Join(rkyvRegistry, pat)); len(m) == 0 {
			b.skip = fmt.Sprintf("%s has no %s crate; to run the rkyv conformance tests: apt-get install -y librust-rkyv-dev librust-bytecheck-dev librust-tokio-dev", rkyvRegistry, strings.TrimSuffix(pat, ".*"))
			return
		}
	}
	src, err := filepath.Abs(filepath.Join("..", "rust"))
	if err != nil {
		b.err = err
		return
	}
	b.dir = filepath.Join(src, "target")
	if cache, err := os.UserCacheDir(); err == nil {
		d := filepath.Join(cache, "gigadex-rkyv")
		if os.MkdirAll(d, 0o755) == nil {
			b.dir = d
		}
	}
	// Cargo reads .cargo/config.toml (the offline Debian source) from its
	// working directory, not from the manifest's, so run it inside src.
	cmd := exec.Command(cargo, "build", "--release", "--offline", "--locked", "-p", "rkyv-peer", "--manifest-path", filepath.Join(src, "Cargo.toml"))
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "CARGO_TARGET_DIR="+b.dir)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	b.took = time.Since(start)
	if err != nil {
		b.err = fmt.Errorf("building the rkyv peer (cd %s && CARGO_TARGET_DIR=%s cargo build --release --offline --locked -p rkyv-peer): %v\n%s", src, b.dir, err, out)
		return
	}
	b.bin = filepath.Join(b.dir, "release", "rkyv-peer")
}

// rkyvRun feeds lines to "rkyv-peer mode" and returns one output line per
// input line.
func rkyvRun(t *testing.T, bin, mode string, lines []string) []string {
	t.Helper()
	cmd := exec.Command(bin, mode)
	cmd.Stdin = strings.NewReader(strings.Join(lines, "\n") + "\n")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("rkyv-peer %s: %v\n%s", mode, err, stderr.Bytes())
	}
	var out []string
	sc := bufio.NewScanner(&stdout)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) != len(lines) {
		t.Fatalf("rkyv-peer %s: %d output lines for %d input lines", mode, len(out), len(lines))
	}
	return out
}

// rkyvText writes m in the peer's text form.
func rkyvText(m wire.Message) string {
	switch m := m.(type) {
	case wire.Heartbeat:
		return fmt.Sprintf("heartbeat %d", m.Timestamp)
	case wire.Order:
		return fmt.Sprintf("order %d %d %d %d", m.ID, m.Price, m.Quantity, uint8(m.Side))
	case wire.OrderAck:
		return fmt.Sprintf("order_ack %d %d", m.ID, m.Timestamp)
	case wire.Trade:
		return fmt.Sprintf("trade %d %d %d %d %d", m.MakerID, m.TakerID, m.Price, m.Quantity, m.Timestamp)
	case wire.CancelOrder:
		return fmt.Sprintf("cancel_order %d", m.ID)
	case wire.CancelAck:
		return fmt.Sprintf("cancel_ack %d", m.ID)
	}
	panic(fmt.Sprintf("rkyvText: unexpected %T", m))
}

// rkyvParseText reads the peer's text form.
func rkyvParseText(s string) (wire.Message, error) {
	f := strings.Fields(s)
	if len(f) == 0 {
		return nil, errors.New("empty message")
	}
	n := make([]uint64, len(f)-1)
	for i, w := range f[1:] {
		v, err := strconv.ParseUint(w, 10, 64)
		if err != nil {
			return nil, err
		}
		n[i] = v
	}
	want := map[string]int{"heartbeat": 1, "order": 4, "order_ack": 2, "trade": 5, "cancel_order": 1, "cancel_ack": 1}[f[0]]
	if want == 0 || len(n) != want {
		return nil, fmt.Errorf("bad message %q", s)
	}
	switch f[0] {
	case "heartbeat":
		return wire.Heartbeat{Timestamp: n[0]}, nil
	case "order":
		if n[3] > 1 {
			return nil, fmt.Errorf("bad side in %q", s)
		}
		return wire.Order{ID: n[0], Price: n[1], Quantity: n[2], Side: wire.Side(n[3])}, nil
	case "order_ack":
		return wire.OrderAck{ID: n[0], Timestamp: n[1]}, nil
	case "trade":
		return wire.Trade{MakerID: n[0], TakerID: n[1], Price: n[2], Quantity: n[3], Timestamp: n[4]}, nil
	case "cancel_order":
		return wire.CancelOrder{ID: n[0]}, nil
	default:
		return wire.CancelAck{ID: n[0]}, nil
	}
}

// rkyvVerdict parses a "check" output line: the message when rkyv accepted
// the frame, or rkyv's error text.
func rkyvVerdict(t *testing.T, line string) (wire.Message, string) {
	t.Helper()
	if rest, ok := strings.CutPrefix(line, "ok "); ok {
		m, err := rkyvParseText(rest)
		if err != nil {
			t.Fatalf("rkyv-peer check output %q: %v", line, err)
		}
		return m, ""
	}
	if rest, ok := strings.CutPrefix(line, "err "); ok {
		return nil, rest
	}
	t.Fatalf("rkyv-peer check output %q", line)
	return nil, ""
}

var rkyvSeed = sync.OnceValue(func() uint64 {
	if *rkyvSeedFlag != 0 {
		return *rkyvSeedFlag
	}
	return uint64(time.Now().UnixNano())
})

func rkyvRand(t *testing.T, stream uint64) *rand.Rand {
	s := rkyvSeed()
	t.Logf("seed %d (replay: go test -run %s ./wire/ -rkyv.seed=%d)", s, t.Name(), s)
	return rand.New(rand.NewPCG(s, stream))
}

// rkyvU64 favours the edges: 0, max, small and near-max values, powers of two.
func rkyvU64(r *rand.Rand) uint64 {
	switch r.IntN(8) {
	case 0:
		return 0
	case 1:
		return math.MaxUint64
	case 2:
		return r.Uint64N(256)
	case 3:
		return math.MaxUint64 - r.Uint64N(256)
	case 4:
		return 1 << r.IntN(64)
	}
	return r.Uint64()
}

func rkyvMessage(r *rand.Rand, k wire.Kind) wire.Message {
	switch k {
	case wire.KindHeartbeat:
		return wire.Heartbeat{Timestamp: rkyvU64(r)}
	case wire.KindOrder:
		return wire.Order{ID: rkyvU64(r), Price: rkyvU64(r), Quantity: rkyvU64(r), Side: wire.Side(r.IntN(2))}
	case wire.KindOrderAck:
		return wire.OrderAck{ID: rkyvU64(r), Timestamp: rkyvU64(r)}
	case wire.KindTrade:
		return wire.Trade{MakerID: rkyvU64(r), TakerID: rkyvU64(r), Price: rkyvU64(r), Quantity: rkyvU64(r), Timestamp: rkyvU64(r)}
	case wire.KindCancelOrder:
		return wire.CancelOrder{ID: rkyvU64(r)}
	}
	return wire.CancelAck{ID: rkyvU64(r)}
}

// rkyvMessages returns every variant with all fields 0 and all fields max
// (both sides for Order), then random messages of every variant.
func rkyvMessages(r *rand.Rand, n int) []wire.Message {
	const hi = math.MaxUint64
	ms := []wire.Message{
		wire.Heartbeat{}, wire.Heartbeat{Timestamp: hi},
		wire.Order{}, wire.Order{Side: wire.Sell},
		wire.Order{ID: hi, Price: hi, Quantity: hi}, wire.Order{ID: hi, Price: hi, Quantity: hi, Side: wire.Sell},
		wire.OrderAck{}, wire.OrderAck{ID: hi, Timestamp: hi},
		wire.Trade{}, wire.Trade{MakerID: hi, TakerID: hi, Price: hi, Quantity: hi, Timestamp: hi},
		wire.CancelOrder{}, wire.CancelOrder{ID: hi},
		wire.CancelAck{}, wire.CancelAck{ID: hi},
	}
	for len(ms) < n {
		ms = append(ms, rkyvMessage(r, wire.Kind(r.IntN(wire.NumKinds))))
	}
	return ms
}

func rkyvHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("hex %q: %v", s, err)
	}
	return b
}

// TestRkyvGolden checks that the peer reproduces the golden vectors, which
// ties the Rust program used below to the reference frames.
func TestRkyvGolden(t *testing.T) {
	bin := rkyvPeer(t)
	data, err := os.ReadFile(filepath.Join("testdata", "golden.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var texts, frames []string
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var g struct {
			Name     string          `json:"name"`
			Message  json.RawMessage `json:"message"`
			FrameHex string          `json:"frame_hex"`
		}
		if err := json.Unmarshal([]byte(line), &g); err != nil {
			t.Fatal(err)
		}
		m, err := wire.ParseJSON(g.Message)
		if err != nil {
			t.Fatalf("%s: %v", g.Name, err)
		}
		texts = append(texts, rkyvText(m))
		frames = append(frames, g.FrameHex)
	}
	enc := rkyvRun(t, bin, "encode", texts)
	chk := rkyvRun(t, bin, "check", frames)
	for i := range texts {
		if enc[i] != frames[i] {
			t.Errorf("%s: rkyv encodes\n%s\nwant golden\n%s", texts[i], enc[i], frames[i])
		}
		if chk[i] != "ok "+texts[i] {
			t.Errorf("golden frame %s: rkyv says %q, want %q", frames[i], chk[i], "ok "+texts[i])
		}
	}
}

// TestRkyvRustEncodesGoDecodes: frames serialized by rkyv parse in Go to the
// same values, and Go encodes the same messages to identical bytes.
func TestRkyvRustEncodesGoDecodes(t *testing.T) {
	bin := rkyvPeer(t)
	ms := rkyvMessages(rkyvRand(t, 1), rkyvRandomCount)
	texts := make([]string, len(ms))
	for i, m := range ms {
		texts[i] = rkyvText(m)
	}
	out := rkyvRun(t, bin, "encode", texts)

	var stream, buf []byte
	for i, m := range ms {
		frame := rkyvHex(t, out[i])
		if len(frame) != wire.FrameLen {
			t.Fatalf("%s: rkyv frame is %d bytes, want %d", texts[i], len(frame), wire.FrameLen)
		}
		stream = append(stream, frame...)
		v, n, err := wire.ParseFrame(frame)
		if err != nil || n != wire.FrameLen {
			t.Errorf("%s: ParseFrame(rkyv %x) = n %d, err %v", texts[i], frame, n, err)
			continue
		}
		if got := v.Message(); got != m {
			t.Errorf("%s: ParseFrame(rkyv %x).Message() = %#v", texts[i], frame, got)
		}
		buf = wire.AppendFrame(buf[:0], m)
		if !bytes.Equal(buf, frame) {
			t.Errorf("%s: AppendFrame\n got %x\nwant %x (rkyv)", texts[i], buf, frame)
		}
	}

	// The same frames back to back, as they arrive on a connection.
	for i := 0; len(stream) > 0; i++ {
		v, n, err := wire.ParseFrame(stream)
		if err != nil {
			t.Fatalf("stream frame %d: %v", i, err)
		}
		if got := v.Message(); got != ms[i] {
			t.Fatalf("stream frame %d = %#v, want %#v", i, got, ms[i])
		}
		stream = stream[n:]
	}
}

// TestRkyvGoEncodesRustChecks: frames built in Go pass rkyv's
// check_archived_root and deserialize to the same values.
func TestRkyvGoEncodesRustChecks(t *testing.T) {
	bin := rkyvPeer(t)
	ms := rkyvMessages(rkyvRand(t, 2), rkyvRandomCount)
	frames := make([]string, len(ms))
	var buf []byte
	for i, m := range ms {
		buf = wire.AppendFrame(buf[:0], m)
		frames[i] = hex.EncodeToString(buf)
	}
	out := rkyvRun(t, bin, "check", frames)
	for i, m := range ms {
		got, rerr := rkyvVerdict(t, out[i])
		if rerr != "" {
			t.Errorf("%s: rkyv rejects Go frame %s: %s", rkyvText(m), frames[i], rerr)
			continue
		}
		if got != m {
			t.Errorf("%s: rkyv deserializes Go frame %s to %s", rkyvText(m), frames[i], rkyvText(got))
		}
	}
}

// rkyvCase is a payload whose verdict Go and rkyv must agree on.
type rkyvCase struct {
	what    string
	payload [wire.PayloadSize]byte
}

// rkyvUnused is where the unused trailing bytes of each variant start.
var rkyvUnused = [wire.NumKinds]int{16, 33, 24, 48, 16, 16}

func rkyvFill(r *rand.Rand, b []byte, ff bool) {
	for i := range b {
		if ff {
			b[i] = 0xff
		} else {
			b[i] = byte(r.UintN(255)) + 1 // non-zero
		}
	}
}

// rkyvInvalidCases builds bad tags, bad sides, dirty padding and dirty unused
// bytes, plus random payloads.
func rkyvInvalidCases(r *rand.Rand) []rkyvCase {
	var cs []rkyvCase
	valid := func(k wire.Kind) [wire.PayloadSize]byte {
		var p [wire.PayloadSize]byte
		f := wire.AppendFrame(nil, rkyvMessage(r, k))
		copy(p[:], f[wire.LengthPrefixSize:])
		return p
	}
	for tag := wire.NumKinds; tag < 256; tag++ {
		var p [wire.PayloadSize]byte
		p[0] = byte(tag)
		cs = append(cs, rkyvCase{fmt.Sprintf("tag %d, zero body", tag), p})
		p = valid(wire.Kind(r.IntN(wire.NumKinds)))
		p[0] = byte(tag)
		cs = append(cs, rkyvCase{fmt.Sprintf("tag %d, valid body", tag), p})
	}
	for side := 2; side < 256; side++ {
		p := valid(wire.KindOrder)
		p[32] = byte(side)
		cs = append(cs, rkyvCase{fmt.Sprintf("order side %d", side), p})
		p[1] = byte(r.UintN(255)) + 1
		cs = append(cs, rkyvCase{fmt.Sprintf("order side %d, dirty padding", side), p})
	}
	for k := range wire.Kind(wire.NumKinds) {
		for rep := range 20 {
			ff := rep == 0
			p := valid(k)
			rkyvFill(r, p[1:8], ff)
			cs = append(cs, rkyvCase{fmt.Sprintf("%v, padding 1..7 non-zero", k), p})
			if u := rkyvUnused[k]; u < wire.PayloadSize {
				p = valid(k)
				rkyvFill(r, p[u:], ff)
				cs = append(cs, rkyvCase{fmt.Sprintf("%v, unused bytes %d..47 non-zero", k, u), p})
				p = valid(k)
				p[u+r.IntN(wire.PayloadSize-u)] = byte(r.UintN(255)) + 1
				cs = append(cs, rkyvCase{fmt.Sprintf("%v, one unused byte non-zero", k), p})
				rkyvFill(r, p[1:8], ff)
				rkyvFill(r, p[u:], ff)
				cs = append(cs, rkyvCase{fmt.Sprintf("%v, padding and unused bytes non-zero", k), p})
			}
		}
	}
	for range 2000 {
		var p [wire.PayloadSize]byte
		for i := range p {
			p[i] = byte(r.Uint32())
		}
		switch r.IntN(4) { // mostly valid tags, to exercise the side check
		case 0, 1:
			p[0] = byte(r.IntN(wire.NumKinds))
		case 2:
			p[0] = byte(wire.KindOrder)
			p[32] = byte(r.IntN(3))
		}
		cs = append(cs, rkyvCase{"random payload", p})
	}
	return cs
}

// TestRkyvVerdictsAgree: Go accepts exactly the frames rkyv's
// check_archived_root accepts, reads them as the same values, and rejects
// the others for the same reason.
func TestRkyvVerdictsAgree(t *testing.T) {
	bin := rkyvPeer(t)
	cs := rkyvInvalidCases(rkyvRand(t, 3))
	frames := make([]string, len(cs))
	for i, c := range cs {
		f := make([]byte, wire.FrameLen)
		f[0] = wire.PayloadSize
		copy(f[wire.LengthPrefixSize:], c.payload[:])
		frames[i] = hex.EncodeToString(f)
	}
	out := rkyvRun(t, bin, "check", frames)
	var accepted, badTag, badSide int
	for i, c := range cs {
		frame := rkyvHex(t, frames[i])
		rmsg, rerr := rkyvVerdict(t, out[i])
		v, _, gerr := wire.ParseFrame(frame)
		tag, side := frame[wire.LengthPrefixSize], frame[wire.LengthPrefixSize+32]
		switch {
		case gerr == nil && rerr == "":
			accepted++
			if got := v.Message(); got != rmsg {
				t.Errorf("%s %s: Go reads %s, rkyv %s", c.what, frames[i], rkyvText(got), rkyvText(rmsg))
			}
		case gerr == nil:
			t.Errorf("%s %s: Go accepts %s, rkyv rejects: %s", c.what, frames[i], rkyvText(v.Message()), rerr)
		case rerr == "":
			t.Errorf("%s %s: rkyv accepts %s, Go rejects: %v", c.what, frames[i], rkyvText(rmsg), gerr)
		case errors.Is(gerr, wire.ErrTag):
			badTag++
			want := fmt.Sprintf("invalid tag for enum: %d", tag)
			if !strings.Contains(rerr, want) || strings.Contains(rerr, "side") {
				t.Errorf("%s %s: Go: %v; rkyv: %s (want %q for the message tag)", c.what, frames[i], gerr, rerr, want)
			}
		case errors.Is(gerr, wire.ErrSide):
			badSide++
			want := fmt.Sprintf("side: invalid tag for enum: %d", side)
			if !strings.Contains(rerr, want) {
				t.Errorf("%s %s: Go: %v; rkyv: %s (want %q)", c.what, frames[i], gerr, rerr, want)
			}
		default:
			t.Errorf("%s %s: Go: %v (neither ErrTag nor ErrSide); rkyv: %s", c.what, frames[i], gerr, rerr)
		}
	}
	t.Logf("%d payloads: %d accepted, %d bad tag, %d bad side, by both", len(cs), accepted, badTag, badSide)
	if accepted == 0 || badTag == 0 || badSide == 0 {
		t.Errorf("case mix lacks a verdict: %d accepted, %d bad tag, %d bad side", accepted, badTag, badSide)
	}
}
