package client

import (
	"encoding/binary"

	"github.com/gigadex/gigadex/wire"
)

// replay sends LoadConfig.Messages in order, looping, instead of the mix.
// Every message keeps its fields but its first one, which becomes the
// connection's id for it (idBase + sequence number), so that replies name
// their request and ids never repeat; a CancelOrder names the id its file
// Order got when it was last sent. Replies are checked against a copy of
// what was sent.
type replay struct {
	frames []wire.Message
	sent   [][wire.FrameLen]byte // what went out, indexed like the ring's slots
	mask   uint64
	ids    map[uint64]uint64 // a file Order id -> sequence number of its last send
}

func newReplay(msgs []wire.Message, ringSize int) *replay {
	return &replay{frames: msgs, sent: make([][wire.FrameLen]byte, ringSize), mask: uint64(ringSize - 1), ids: map[uint64]uint64{}}
}

// put writes message seq to f: the file's message seq%len, its first field
// rewritten. It returns its kind and, for a CancelOrder naming an Order
// sent earlier, that Order's sequence number (ok true).
func (rp *replay) put(f *[wire.FrameLen]byte, seq, idBase uint64) (k wire.Kind, target uint64, ok bool) {
	m := rp.frames[seq%uint64(len(rp.frames))]
	wire.AppendFrame(f[:0], m)
	k = m.Kind()
	p := f[wire.LengthPrefixSize:]
	fid := binary.LittleEndian.Uint64(p[wire.Field1Offset:])
	id := idBase + seq
	switch k {
	case wire.KindOrder:
		rp.ids[fid] = seq
	case wire.KindCancelOrder:
		if target, ok = rp.ids[fid]; ok {
			id = idBase + target
		}
	}
	binary.LittleEndian.PutUint64(p[wire.Field1Offset:], id)
	rp.sent[seq&rp.mask] = *f
	return k, target, ok
}

// check reports whether v is the right answer under mode to message seq
// of kind k, as sent.
func (rp *replay) check(v wire.View, k wire.Kind, seq uint64, mode wire.Reply) bool {
	sent := &rp.sent[seq&rp.mask]
	if answeredByAck(k, mode) {
		id := binary.LittleEndian.Uint64(sent[wire.LengthPrefixSize+wire.Field1Offset:])
		return checkReply(v, k, id, mode)
	}
	return v.EqualFrame(sent[:])
}
