package book

// index finds a resting order by (owner, id): an open-addressing hash table
// with linear probing and backward-shift deletion (no tombstones), kept at
// most half full. Each slot holds the order's index in the pool and the
// low 32 bits of its key's hash, so that a probe reads the pool only when
// the hash bits match, and deletion and growth never read it. The table
// grows by doubling and never shrinks, so a book in steady state inserts
// and deletes without allocating.
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

// hash mixes owner and id (the finalizer of SplitMix64) into 32 bits.
func hash(o Owner, id uint64) uint32 {
	h := id ^ uint64(o)<<40 ^ uint64(o)>>24
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	return uint32(h ^ h>>31)
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
func (x *index) reserve() {
	if 2*(x.n+1) > len(x.slots) {
		x.grow()
	}
}

// set fills the empty slot pos, which probe returned after reserve, with
// order i of key (o, id).
func (x *index) set(pos uint64, o Owner, id uint64, i uint32) {
	x.slots[pos] = entry(hash(o, id), i)
	x.n++
}

// delete empties slot pos and shifts back the entries after it that
// probing would no longer reach.
func (x *index) delete(pos uint64) {
	x.n--
	hole := pos
	for p := (pos + 1) & x.mask; x.slots[p] != 0; p = (p + 1) & x.mask {
		home := (x.slots[p] >> 32) & x.mask
		// The entry at p may move into the hole if its home is not in
		// (hole, p], cyclically.
		if (p-home)&x.mask >= (p-hole)&x.mask {
			x.slots[hole] = x.slots[p]
			hole = p
		}
	}
	x.slots[hole] = 0
}

func (x *index) grow() {
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
	}
}
