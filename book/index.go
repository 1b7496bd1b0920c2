package book

// index finds a resting order by (owner, id): an open-addressing hash table
// of order indices with linear probing and backward-shift deletion (no
// tombstones), kept at most half full. It grows by doubling, and never
// shrinks, so a book in steady state inserts and deletes without
// allocating.
type index struct {
	slots []uint32 // order indices; none is empty
	mask  uint64
	n     int
}

func (x *index) init(capacity int) {
	size := 16
	for size < 2*capacity {
		size *= 2
	}
	x.slots = make([]uint32, size)
	x.mask = uint64(size - 1)
	x.n = 0
}

// hash mixes owner and id (the finalizer of SplitMix64).
func hash(o Owner, id uint64) uint64 {
	h := id ^ uint64(o)<<40 ^ uint64(o)>>24
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	return h ^ h>>31
}

func (x *index) find(b *Book, o Owner, id uint64) uint32 {
	for h := hash(o, id) & x.mask; ; h = (h + 1) & x.mask {
		i := x.slots[h]
		if i == none {
			return none
		}
		if r := &b.orders[i]; r.id == id && r.owner == o {
			return i
		}
	}
}

// insert adds order i, whose key must not be in the index.
func (x *index) insert(b *Book, i uint32) {
	if 2*(x.n+1) > len(x.slots) {
		x.grow(b)
	}
	r := &b.orders[i]
	h := hash(r.owner, r.id) & x.mask
	for x.slots[h] != none {
		h = (h + 1) & x.mask
	}
	x.slots[h] = i
	x.n++
}

// delete removes the key (o, id), which must be in the index, and shifts
// back the entries after it that probing would no longer reach.
func (x *index) delete(b *Book, o Owner, id uint64) {
	h := hash(o, id) & x.mask
	for {
		r := &b.orders[x.slots[h]]
		if r.id == id && r.owner == o {
			break
		}
		h = (h + 1) & x.mask
	}
	x.n--
	hole := h
	for h = (h + 1) & x.mask; x.slots[h] != none; h = (h + 1) & x.mask {
		r := &b.orders[x.slots[h]]
		home := hash(r.owner, r.id) & x.mask
		// The entry at h may move into the hole if its home is not in
		// (hole, h], cyclically.
		if (h-home)&x.mask >= (h-hole)&x.mask {
			x.slots[hole] = x.slots[h]
			hole = h
		}
	}
	x.slots[hole] = none
}

func (x *index) grow(b *Book) {
	old := x.slots
	x.slots = make([]uint32, 2*len(old))
	x.mask = uint64(len(x.slots) - 1)
	for _, i := range old {
		if i == none {
			continue
		}
		r := &b.orders[i]
		h := hash(r.owner, r.id) & x.mask
		for x.slots[h] != none {
			h = (h + 1) & x.mask
		}
		x.slots[h] = i
	}
}
