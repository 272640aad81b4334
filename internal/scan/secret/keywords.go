package secret

// keywordMatcher is an ASCII case-insensitive Aho-Corasick automaton compiled to a dense DFA over
// byte classes. It is Palisade's own rather than a library's because the scan loop is the hottest
// code of the analyzer: bytes that occur in no keyword share one class, upper and lower case share
// a class, and states with outputs are numbered last, so the inner loop is one table load and one
// comparison per byte, with no allocation and no callback until a keyword ends.
type keywordMatcher struct {
	class    [256]uint8
	nclass   int32
	trans    []int32   // trans[row+class] is the next state's row (state*nclass): no multiply per byte
	firstOut int32     // rows >= firstOut end at least one keyword
	out      [][]int32 // by state (row/nclass)
	lens     []int     // keyword lengths, by keyword index
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// newKeywordMatcher builds the automaton for keywords, which must be non-empty; matching ignores
// ASCII case.
func newKeywordMatcher(keywords []string) *keywordMatcher {
	m := &keywordMatcher{lens: make([]int, len(keywords))}
	// Byte classes: 0 for bytes in no keyword, one class per distinct lowercase byte otherwise.
	var used [256]bool
	for _, k := range keywords {
		for i := 0; i < len(k); i++ {
			used[lowerASCII(k[i])] = true
		}
	}
	next := uint8(1)
	for c := 0; c < 256; c++ {
		if used[c] {
			m.class[c] = next
			next++
		}
	}
	for c := 'A'; c <= 'Z'; c++ {
		m.class[c] = m.class[c+'a'-'A']
	}
	nc := int32(next)
	m.nclass = nc

	// Trie with goto transitions; -1 means none yet.
	type node struct {
		fail int32
		out  []int32
	}
	nodes := []node{{}}
	gotoT := make([]int32, nc)
	for i := range gotoT {
		gotoT[i] = -1
	}
	for ki, k := range keywords {
		m.lens[ki] = len(k)
		s := int32(0)
		for i := 0; i < len(k); i++ {
			c := int32(m.class[k[i]])
			if gotoT[s*nc+c] < 0 {
				nodes = append(nodes, node{})
				ns := int32(len(nodes) - 1)
				for j := int32(0); j < nc; j++ {
					gotoT = append(gotoT, -1)
				}
				gotoT[s*nc+c] = ns
			}
			s = gotoT[s*nc+c]
		}
		nodes[s].out = append(nodes[s].out, int32(ki))
	}
	// Breadth-first: failure links, merged outputs and the full DFA transitions.
	queue := make([]int32, 0, len(nodes))
	for c := int32(0); c < nc; c++ {
		if t := gotoT[c]; t > 0 {
			nodes[t].fail = 0
			queue = append(queue, t)
		} else {
			gotoT[c] = 0
		}
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		f := nodes[s].fail
		nodes[s].out = append(nodes[s].out, nodes[f].out...)
		for c := int32(0); c < nc; c++ {
			if t := gotoT[s*nc+c]; t >= 0 {
				nodes[t].fail = gotoT[f*nc+c]
				queue = append(queue, t)
			} else {
				gotoT[s*nc+c] = gotoT[f*nc+c]
			}
		}
	}
	// Renumber so states with outputs come last; state 0 stays the start (it has no output
	// because keywords are non-empty).
	perm := make([]int32, len(nodes))
	n := int32(0)
	for s := range nodes {
		if len(nodes[s].out) == 0 {
			perm[s] = n
			n++
		}
	}
	m.firstOut = n * nc
	for s := range nodes {
		if len(nodes[s].out) > 0 {
			perm[s] = n
			n++
		}
	}
	m.trans = make([]int32, len(gotoT))
	m.out = make([][]int32, len(nodes))
	for s := range nodes {
		ps := perm[s]
		m.out[ps] = nodes[s].out
		for c := int32(0); c < nc; c++ {
			m.trans[ps*nc+c] = perm[gotoT[int32(s)*nc+c]] * nc
		}
	}
	return m
}

// scan calls hit for every keyword occurrence in b, in order of end offset (the offset just past
// the keyword's last byte). It allocates nothing, so memory stays flat however many hits a file has.
func (m *keywordMatcher) scan(b []byte, hit func(kw int32, end int)) {
	trans, class, nc, firstOut := m.trans, &m.class, m.nclass, m.firstOut
	s := int32(0)
	for i, c := range b {
		s = trans[s+int32(class[c])]
		if s >= firstOut {
			for _, kw := range m.out[s/nc] {
				hit(kw, i+1)
			}
		}
	}
}
