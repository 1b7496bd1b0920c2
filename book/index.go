package book

// index finds a resting order by (owner, id): an open-addressing hash table
// with linear probing and backward-shift deletion (no tombstones), kept at
// most half full. Each slot holds the order's index in the pool and the
// low 32 bits of its key's hash, so that a probe reads the pool only when
// the hash bits match; each order knows its slot, so that removing it
// needs no probe. The table grows by doubling and never shrinks, so a book
// in steady state inserts and deletes without allocating.
type index struct {
	slots []uint64 // hash bits << 32 | order index; 0 is empty
	mask  uint64
	n     int
}

func (x *index) init(capacity int) {
	size := 16
	for size < 2*capacity {
		size *= 2
	}
	x.slots = make([]uint64, size)
	x.mask = uint64(size - 1)
	x.n = 0
}

// blockBits is log2 of the ids that share a block of slots: ids that
// differ only in their low blockBits bits have neighbouring home slots, in
// one aligned block of 16 slots (two cache lines), while blocks are
// scattered. Clients number their orders in sequence, so the orders of one
// client that are live at once mostly share a few blocks, and inserting,
// finding and deleting them touches memory already in cache; ids in any
// other pattern are scattered as by a plain hash.
const blockBits = 4

// hash returns the 32 hash bits of (owner, id): the finalizer of
// SplitMix64 over the owner and the id's block, with the id's low
// blockBits bits as its low bits.
func hash(o Owner, id uint64) uint32 {
	h := id>>blockBits ^ uint64(o)<<40 ^ uint64(o)>>24
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	h ^= h >> 31
	const low = 1<<blockBits - 1
	return uint32(h)&^low | uint32(id)&low
}

func entry(h, i uint32) uint64 { return uint64(h)<<32 | uint64(i) }

// probe returns the slot of the key (o, id) and the order there, or the
// empty slot where the key would go and none.
func (x *index) probe(b *Book, o Owner, id uint64) (pos uint64, i uint32) {
	h := hash(o, id)
	for pos = uint64(h) & x.mask; ; pos = (pos + 1) & x.mask {
		e := x.slots[pos]
		if e == 0 {
			return pos, none
		}
		if uint32(e>>32) == h {
			if r := &b.orders[uint32(e)]; r.id == id && r.owner == o {
				return pos, uint32(e)
			}
		}
	}
}

func (x *index) find(b *Book, o Owner, id uint64) uint32 {
	_, i := x.probe(b, o, id)
	return i
}

// reserve makes room for one more key, so that a slot that probe returns
// stays valid until set.
func (x *index) reserve(b *Book) {
	if 2*(x.n+1) > len(x.slots) {
		x.grow(b)
	}
}

// set fills the empty slot pos, which probe returned after reserve, with
// order i of key (o, id).
func (x *index) set(b *Book, pos uint64, o Owner, id uint64, i uint32) {
	x.slots[pos] = entry(hash(o, id), i)
	b.orders[i].slot = uint32(pos)
	x.n++
}

// delete empties slot pos and shifts back the entries after it that
// probing would no longer reach.
func (x *index) delete(b *Book, pos uint64) {
	x.n--
	hole := pos
	for p := (pos + 1) & x.mask; x.slots[p] != 0; p = (p + 1) & x.mask {
		home := (x.slots[p] >> 32) & x.mask
		// The entry at p may move into the hole if its home is not in
		// (hole, p], cyclically.
		if (p-home)&x.mask >= (p-hole)&x.mask {
			x.slots[hole] = x.slots[p]
			b.orders[uint32(x.slots[p])].slot = uint32(hole)
			hole = p
		}
	}
	x.slots[hole] = 0
}

func (x *index) grow(b *Book) {
	old := x.slots
	x.slots = make([]uint64, 2*len(old))
	x.mask = uint64(len(x.slots) - 1)
	for _, e := range old {
		if e == 0 {
			continue
		}
		p := (e >> 32) & x.mask
		for x.slots[p] != 0 {
			p = (p + 1) & x.mask
		}
		x.slots[p] = e
		b.orders[uint32(e)].slot = uint32(p)
	}
}
